package main

import (
	"encoding/json"
	"github.com/licentia/licentia/cmd/internal/locale"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/licentia/licentia/verifier"
)

// deploymentVectors is the verifier's deployment vector file; its wants carry the exit statuses here.
const deploymentVectors = "../../verifier/testdata/deployment_vectors.json"

type depVectors struct {
	PublicKeyPEM string `json:"public_key_pem"`
	Now          string `json:"now"`
	Options      struct{ Issuer, Product, SKU string }
	Codes        []struct {
		Name       string          `json:"name"`
		Code       string          `json:"code"`
		Deployment json.RawMessage `json:"deployment"`
		Want       struct {
			Reason string `json:"reason"`
			Exit   int    `json:"exit"`
		} `json:"want"`
	} `json:"codes"`
	Machines []struct {
		Name string `json:"name"`
		Code string `json:"code"`
	} `json:"machines"`
	Changes []struct {
		Name       string          `json:"name"`
		Machine    string          `json:"machine"`
		Deployment json.RawMessage `json:"deployment"`
		Want       struct {
			Reason string `json:"reason"`
			Exit   int    `json:"exit"`
		} `json:"want"`
	} `json:"changes"`
}

// TestDeploymentFlag: --deployment FILE checks the deployment vectors and the change table with the
// documented exit statuses (8 for wrong_deployment; an invalid deployment file is 66, unread).
func TestDeploymentFlag(t *testing.T) {
	data, err := os.ReadFile(deploymentVectors)
	if err != nil {
		t.Fatal(err)
	}
	var vf depVectors
	if err := json.Unmarshal(data, &vf); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	keys := writeFile(t, dir, "keys.pem", vf.PublicKeyPEM)
	check := func(t *testing.T, code string, dep json.RawMessage, reason string, exit int) {
		t.Helper()
		args := []string{"--keys", keys, "--product", vf.Options.Product, "--sku", vf.Options.SKU, "--issuer", vf.Options.Issuer,
			"--at", vf.Now, "--json"}
		if len(dep) > 0 {
			args = append(args, "--deployment", writeFile(t, t.TempDir(), "deployment.json", string(dep)))
		}
		r := runCmd(t, "", append(args, code)...)
		if reason == "deployment_error" {
			reason = "unreadable" // licentia-verify reads and checks the file before any code
		}
		var rep report
		if r.exit != exit || json.Unmarshal([]byte(r.stdout), &rep) != nil || rep.Reason != reason {
			t.Errorf("exit %d, stdout %q; want exit %d, reason %s (stderr %q)", r.exit, r.stdout, exit, reason, r.stderr)
		}
		noCode(t, r, code)
	}
	for _, c := range vf.Codes {
		t.Run(c.Name, func(t *testing.T) { check(t, c.Code, c.Deployment, c.Want.Reason, c.Want.Exit) })
	}
	codes := map[string]string{}
	for _, m := range vf.Machines {
		codes[m.Name] = m.Code
	}
	for _, s := range vf.Changes {
		t.Run("change/"+s.Name, func(t *testing.T) { check(t, codes[s.Machine], s.Deployment, s.Want.Reason, s.Want.Exit) })
	}
}

// TestPrintDeployment: --print-deployment prints what LocalDeployment reads here, as a deployment file
// --deployment reads back, or exits 66 saying why when nothing can be read.
func TestPrintDeployment(t *testing.T) {
	want, werr := verifier.LocalDeployment()
	r := runCmd(t, "", "--print-deployment")
	if werr != nil {
		if r.exit != exitNoInput || !strings.Contains(r.stderr, "unusable deployment") {
			t.Errorf("exit %d, stderr %q; want 66 and the reason (LocalDeployment: %v)", r.exit, r.stderr, werr)
		}
		return
	}
	var got verifier.Deployment
	if r.exit != exitValid || json.Unmarshal([]byte(r.stdout), &got) != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("exit %d, stdout %q; want 0 and this machine's deployment", r.exit, r.stdout)
	}
	path := writeFile(t, t.TempDir(), "me.json", r.stdout)
	if _, err := readDeployment(locale.EN, path); err != nil {
		t.Errorf("readDeployment(printed) err = %v, want the file read back", err)
	}
	if d, err := readDeployment(locale.EN, "auto"); err != nil || !reflect.DeepEqual(*d, want) {
		t.Errorf("readDeployment(auto) = %v, %v; want LocalDeployment's", d, err)
	}
}
