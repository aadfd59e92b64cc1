package verifier_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/licentia/licentia/verifier"
)

// TestBindDeployment: a claim binds the hashes of a deployment; one changed component of five still
// matches, three changed do not, and an id-only claim matches its id alone.
func TestBindDeployment(t *testing.T) {
	salt := make([]byte, verifier.DeploymentSaltLen)
	var d verifier.Deployment
	if err := json.Unmarshal([]byte(`{"id":"inst-1","components":{"machine_id":"ABC","product_uuid":"u-1",
		"mac":["00:11:22:33:44:55","00:11:22:33:44:66"],"disk":"S1","hostname":"web-1"}}`), &d); err != nil {
		t.Fatal(err)
	}
	c, err := verifier.BindDeployment(d, salt, 0)
	if err != nil {
		t.Fatal(err)
	}
	if c.Match != 3 || len(c.Components) != 5 || len(c.Components["mac"]) != 2 {
		t.Fatalf("claim = %+v, want 5 components, 2 MAC hashes, 3 to match", c)
	}
	d.Components["mac"] = []string{"00-11-22-33-44-55"} // one NIC removed, the other written another way
	d.Components["machine_id"] = []string{" abc "}
	d.Components["hostname"] = []string{"web-2"}
	if m, k, ok := c.Matches(d); !ok || m != 4 || k != 3 {
		t.Errorf("Matches after a hostname change = %d of %d, %v; want 4 of 3, true", m, k, ok)
	}
	d.Components["product_uuid"], d.Components["disk"] = []string{"u-2"}, []string{"S2"}
	if m, _, ok := c.Matches(d); ok || m != 2 {
		t.Errorf("Matches of a copy on another machine = %d, %v; want 2, false", m, ok)
	}
	idOnly, err := verifier.BindDeployment(verifier.Deployment{ID: "inst-1"}, salt, 5)
	if err != nil || idOnly.Match != 0 || idOnly.Components != nil {
		t.Fatalf("id-only claim = %+v, %v", idOnly, err)
	}
	if _, _, ok := idOnly.Matches(verifier.Deployment{ID: "inst-1"}); !ok {
		t.Error("id-only claim does not match its id")
	}
	if _, _, ok := idOnly.Matches(verifier.Deployment{ID: "inst-2"}); ok {
		t.Error("id-only claim matches another id")
	}
	for _, bad := range []verifier.Deployment{{}, {ID: "a\x00b"}, {ID: "x", Components: map[string][]string{"MAC": {"1"}}},
		{ID: "x", Components: map[string][]string{"mac": {" "}}}, {ID: "x", Components: map[string][]string{"mac": {}}}} {
		if _, err := verifier.BindDeployment(bad, salt, 0); !errors.Is(err, verifier.ErrDeployment) {
			t.Errorf("BindDeployment(%+v) err = %v, want ErrDeployment", bad, err)
		}
	}
}
