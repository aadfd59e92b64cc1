package verifier_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/licentia/licentia/keys"
	"github.com/licentia/licentia/verifier"
)

// deploymentVectorsFile holds the golden vectors of deployment binding, apart from vectors.json so that
// verifiers that do not know "dep" yet keep reading that file. Regenerated with the others by
// `go test ./verifier -run TestVectors -update`.
const deploymentVectorsFile = "testdata/deployment_vectors.json"

// depVectorFile is the layout of testdata/deployment_vectors.json: the key, time and options of
// vectors.json; hash vectors; code vectors, each checked with the vector's deployment (none when
// absent); and a table of machine changes, each a deployment checked against the code of its machine.
type depVectorFile struct {
	Comment      string        `json:"comment"`
	Seed         string        `json:"seed"`
	KeyID        string        `json:"key_id"`
	PublicKeyPEM string        `json:"public_key_pem"`
	Now          string        `json:"now"`
	NowUnix      int64         `json:"now_unix"`
	Options      vectorOptions `json:"options"`
	Hashes       []depHash     `json:"hashes"`
	Codes        []depCode     `json:"codes"`
	Machines     []depMachine  `json:"machines"`
	Changes      []depScenario `json:"changes"`
	Policy       string        `json:"policy"`
}

type depHash struct {
	Salt       string `json:"salt"` // base64url
	Name       string `json:"name"`
	Value      string `json:"value"`
	Normalized string `json:"normalized"`
	Hash       string `json:"hash"`
}

type depCode struct {
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Code        string          `json:"code"`
	Deployment  json.RawMessage `json:"deployment,omitempty"` // absent: a verifier without WithDeployment
	Want        vectorWant      `json:"want"`
}

// depMachine is a deployment as bound at activation, and the code bound to it.
type depMachine struct {
	Name        string              `json:"name"`
	Description string              `json:"description"`
	Bound       verifier.Deployment `json:"bound"`
	Match       int                 `json:"match"`
	Code        string              `json:"code"`
}

type depScenario struct {
	Name        string              `json:"name"`
	Description string              `json:"description"`
	Machine     string              `json:"machine"`
	Deployment  verifier.Deployment `json:"deployment"`
	Matched     int                 `json:"matched"`
	Needed      int                 `json:"needed"`
	Want        vectorWant          `json:"want"`
}

func init() {
	wants["wrong_deployment"] = vectorWant{Error: "ErrWrongDeployment", Reason: "wrong_deployment", Exit: 8}
	wants["deployment_error"] = vectorWant{Error: "ErrDeployment", Reason: "deployment_error", Exit: 66}
	sentinels["ErrWrongDeployment"] = verifier.ErrWrongDeployment
	sentinels["ErrDeployment"] = verifier.ErrDeployment
}

// depSalt returns DeploymentSaltLen bytes: first, first+1, ...
func depSalt(first byte) []byte {
	s := make([]byte, verifier.DeploymentSaltLen)
	for i := range s {
		s[i] = first + byte(i)
	}
	return s
}

// vm is the virtual machine of the change table, as bound at activation.
func vmDeployment() verifier.Deployment {
	return verifier.Deployment{ID: "0123456789abcdef0123456789abcdef", Components: map[string][]string{
		"machine_id":   {"0123456789abcdef0123456789abcdef"},
		"product_uuid": {"4c4c4544-0042-3510-8051-b7c04f4e4c31"},
		"mac":          {"52:54:00:ab:cd:ef"},
		"disk":         {"VIRTIO-DISK-1"},
		"hostname":     {"web-1"},
	}}
}

// changed returns d with the components in set replaced (nil removes one).
func changed(d verifier.Deployment, set map[string][]string) verifier.Deployment {
	out := verifier.Deployment{ID: d.ID, Components: map[string][]string{}}
	for k, v := range d.Components {
		out.Components[k] = v
	}
	for k, v := range set {
		if v == nil {
			delete(out.Components, k)
			continue
		}
		out.Components[k] = v
	}
	return out
}

// generateDeploymentVectors builds the deployment vector file from the fixed seed and time.
func generateDeploymentVectors(tb testing.TB) *depVectorFile {
	tb.Helper()
	key := seedKey(1)
	kid := keys.KeyID(pubOf(key))
	pemBytes, err := keys.EncodePublicPEM(pubOf(key))
	if err != nil {
		tb.Fatal(err)
	}
	salt := depSalt(0)
	enc := base64.RawURLEncoding
	var hashes []depHash
	for _, h := range [][2]string{
		{"id", "inst-0001"},
		{"machine_id", "0123456789abcdef0123456789abcdef"},
		{"machine_id", "0123456789ABCDEF0123456789ABCDEF"},
		{"machine_id", "  0123456789abcdef0123456789abcdef\n"},
		{"mac", "52:54:00:ab:cd:ef"},
		{"mac", "52-54-00-AB-CD-EF"},
		{"mac", "5254.00ab.cdef"},
		{"mac", "525400ABCDEF"},
		{"disk", "S1:2-3.4"},
		{"hostname", "Web-1"},
		{"hostname", "web-1\u00a0"},
		{"hostname", "\u3000web-1\u2028"},
		{"hostname", "\u200bweb-1"},
		{"hostname", "\u00c9COLE-1"},
		{"hostname", "主机-1"},
		{"product_uuid", "4C4C4544-0042-3510-8051-B7C04F4E4C31"},
		{"custom_part", "\tValue\v"},
	} {
		hashes = append(hashes, depHash{Salt: enc.EncodeToString(salt), Name: h[0], Value: h[1],
			Normalized: normalizedForVectors(h[0], h[1]), Hash: verifier.DeploymentHash(salt, h[0], h[1])})
	}
	hashes = append(hashes, depHash{Salt: enc.EncodeToString(depSalt(100)), Name: "id", Value: "inst-0001",
		Normalized: "inst-0001", Hash: verifier.DeploymentHash(depSalt(100), "id", "inst-0001")})

	bind := func(d verifier.Deployment, s []byte, k int) *verifier.DeploymentClaim {
		c, err := verifier.BindDeployment(d, s, k)
		if err != nil {
			tb.Fatal(err)
		}
		return c
	}
	bound := func(d verifier.Deployment, s []byte, k int, edit func(c *verifier.Claims)) string {
		c := baseClaims()
		c.Deployment = bind(d, s, k)
		if edit != nil {
			edit(c)
		}
		return sign(tb, c, key)
	}
	hdr := mustJSON(map[string]string{"alg": "EdDSA", "kid": kid, "typ": verifier.TypeCode})
	rawDep := func(dep string) string { // the base claims with a "dep" member written as given
		b := mustJSON(baseClaims())
		return signRaw(hdr, b[:len(b)-1]+`,"dep":`+dep+`}`, key)
	}
	vm := vmDeployment()
	dj := func(d verifier.Deployment) json.RawMessage { return json.RawMessage(mustJSON(d)) }
	good := bind(vm, salt, 0)
	goodJSON := mustJSON(good)
	h := good.Components["mac"][0]
	other := changed(vm, map[string][]string{"machine_id": {"fedcba9876543210fedcba9876543210"},
		"product_uuid": {"00000000-1111-2222-3333-444444444444"}, "disk": {"VIRTIO-DISK-9"}})
	vmCode := bound(vm, salt, 0, nil)
	codes := []depCode{
		{Name: "dep_same_machine", Description: "a code bound to the machine, checked on it", Code: vmCode, Deployment: dj(vm), Want: wants["valid"]},
		{Name: "dep_nic_replaced", Description: "the same machine with another MAC: 4 of 5 components match, 3 needed", Code: vmCode,
			Deployment: dj(changed(vm, map[string][]string{"mac": {"52:54:00:00:00:02"}})), Want: wants["valid"]},
		{Name: "dep_other_machine", Description: "machine id, product UUID and disk differ: 2 of 5 match, 3 needed", Code: vmCode, Deployment: dj(other), Want: wants["wrong_deployment"]},
		{Name: "dep_no_local_deployment", Description: "a verifier given no deployment does not check dep", Code: vmCode, Want: wants["valid"]},
		{Name: "dep_absent", Description: "a code without dep, checked with a deployment", Code: sign(tb, baseClaims(), key), Deployment: dj(other), Want: wants["valid"]},
		{Name: "dep_null", Description: "dep null: taken as absent", Code: rawDep(`null`), Deployment: dj(other), Want: wants["valid"]},
		{Name: "dep_id_only", Description: "a claim binding the id alone, the same id (as a plain JSON string)", Code: bound(verifier.Deployment{ID: "inst-1"}, salt, 0, nil),
			Deployment: json.RawMessage(`"inst-1"`), Want: wants["valid"]},
		{Name: "dep_id_only_other", Description: "a claim binding the id alone, another id (components do not matter)", Code: bound(verifier.Deployment{ID: "inst-1"}, salt, 0, nil),
			Deployment: json.RawMessage(`{"id":"inst-2","components":{"hostname":"web-1"}}`), Want: wants["wrong_deployment"]},
		{Name: "dep_g1b_fingerprint", Description: "a G1b device bound by its deviceFingerprint alone, 1024 characters, the longest the marketplace sends",
			Code: bound(verifier.Deployment{ID: strings.Repeat("f", 1024)}, salt, 0, nil), Deployment: json.RawMessage(`"` + strings.Repeat("f", 1024) + `"`), Want: wants["valid"]},
		{Name: "dep_id_too_long", Description: "a local deployment id of 1025 characters: every check fails",
			Code: vmCode, Deployment: json.RawMessage(`"` + strings.Repeat("f", 1025) + `"`), Want: wants["deployment_error"]},
		{Name: "dep_all_needed", Description: "k = 5 (the seller's policy): one changed component fails", Code: bound(vm, salt, 5, nil),
			Deployment: dj(changed(vm, map[string][]string{"hostname": {"web-2"}})), Want: wants["wrong_deployment"]},
		{Name: "dep_one_needed", Description: "k = 1: one matching component passes", Code: bound(vm, salt, 1, nil), Deployment: dj(other), Want: wants["valid"]},
		{Name: "dep_component_as_string", Description: "the local deployment's components written as strings, not lists", Code: vmCode,
			Deployment: json.RawMessage(`{"id":"x","components":{"machine_id":"0123456789ABCDEF0123456789ABCDEF","mac":"52-54-00-AB-CD-EF","hostname":" web-1 "}}`), Want: wants["valid"]},
		{Name: "dep_missing_components", Description: "a local deployment with only two of the components bound: 2 of 5 match", Code: vmCode,
			Deployment: json.RawMessage(`{"id":"x","components":{"machine_id":"0123456789abcdef0123456789abcdef","hostname":"web-1"}}`), Want: wants["wrong_deployment"]},
		{Name: "dep_invalid_local", Description: "an invalid local deployment (no id): every check fails, the binding is never skipped", Code: vmCode,
			Deployment: json.RawMessage(`{"id":"","components":{"hostname":"web-1"}}`), Want: wants["deployment_error"]},
		{Name: "dep_invalid_local_name", Description: "an invalid local deployment (component name not lower case): every check fails", Code: sign(tb, baseClaims(), key),
			Deployment: json.RawMessage(`{"id":"x","components":{"MAC":"52:54:00:ab:cd:ef"}}`), Want: wants["deployment_error"]},
		{Name: "dep_wrong_product_first", Description: "another product and another machine: the product is checked first", Code: bound(vm, salt, 0, func(c *verifier.Claims) { c.ProductID = "OFFI999" }),
			Deployment: dj(other), Want: wants["wrong_product"]},
		{Name: "dep_before_status", Description: "frozen and on another machine: the deployment is checked before the status", Code: bound(vm, salt, 0, func(c *verifier.Claims) { c.Status = verifier.StatusFrozen }),
			Deployment: dj(other), Want: wants["wrong_deployment"]},
		{Name: "dep_before_time", Description: "expired and on another machine: the deployment is checked before the time", Code: bound(vm, salt, 0, func(c *verifier.Claims) { c.ExpiresAt, c.Grace = testNow.Unix()-1, 0 }),
			Deployment: dj(other), Want: wants["wrong_deployment"]},
		{Name: "dep_unknown_member", Description: "an unknown member inside dep is ignored", Code: rawDep(goodJSON[:len(goodJSON)-1] + `,"note":[1]}`), Deployment: dj(vm), Want: wants["valid"]},
		{Name: "dep_not_object", Description: "dep a string", Code: rawDep(`"` + h + `"`), Want: wants["malformed"]},
		{Name: "dep_empty_object", Description: "dep {}: no salt", Code: rawDep(`{}`), Want: wants["malformed"]},
		{Name: "dep_salt_short", Description: "a salt of 15 bytes", Code: rawDep(strings.Replace(goodJSON, enc.EncodeToString(salt), enc.EncodeToString(salt[:15]), 1)), Want: wants["malformed"]},
		{Name: "dep_salt_padded", Description: "a salt with = padding", Code: rawDep(strings.Replace(goodJSON, enc.EncodeToString(salt), base64.URLEncoding.EncodeToString(salt), 1)), Want: wants["malformed"]},
		{Name: "dep_salt_line_break", Description: "the salt with a line break inside (a base64 decoder that skips it would read 16 bytes)",
			Code: rawDep(strings.Replace(goodJSON, enc.EncodeToString(salt), enc.EncodeToString(salt)[:11]+`\n`+enc.EncodeToString(salt)[11:], 1)), Want: wants["malformed"]},
		{Name: "dep_id_not_hash", Description: "an id that is not a 22-character hash", Code: rawDep(strings.Replace(goodJSON, good.ID, good.ID[:21], 1)), Want: wants["malformed"]},
		{Name: "dep_k_zero", Description: "components bound, k absent", Code: rawDep(strings.Replace(goodJSON, `,"k":3`, ``, 1)), Want: wants["malformed"]},
		{Name: "dep_k_too_large", Description: "k 6 of 5 components", Code: rawDep(strings.Replace(goodJSON, `"k":3`, `"k":6`, 1)), Want: wants["malformed"]},
		{Name: "dep_k_not_integer", Description: "k 3.0", Code: rawDep(strings.Replace(goodJSON, `"k":3`, `"k":3.0`, 1)), Want: wants["malformed"]},
		{Name: "dep_k_without_components", Description: "k 1 and no components", Code: rawDep(`{"s":"` + enc.EncodeToString(salt) + `","id":"` + good.ID + `","k":1}`), Want: wants["malformed"]},
		{Name: "dep_component_empty", Description: "a component with no hashes", Code: rawDep(strings.Replace(goodJSON, `"mac":["`+h+`"]`, `"mac":[]`, 1)), Want: wants["malformed"]},
		{Name: "dep_component_null", Description: "a component null", Code: rawDep(strings.Replace(goodJSON, `"mac":["`+h+`"]`, `"mac":null`, 1)), Want: wants["malformed"]},
		{Name: "dep_component_bad_name", Description: "a component name with an upper-case letter", Code: rawDep(strings.Replace(goodJSON, `"mac":`, `"Mac":`, 1)), Want: wants["malformed"]},
		{Name: "dep_component_bad_hash", Description: "a component hash in the standard base64 alphabet", Code: rawDep(strings.Replace(goodJSON, h, strings.NewReplacer("-", "+", "_", "/").Replace(h[:21])+"+", 1)), Want: wants["malformed"]},
		{Name: "dep_component_string", Description: "a component's hashes as a string, not a list", Code: rawDep(strings.Replace(goodJSON, `"mac":["`+h+`"]`, `"mac":"`+h+`"`, 1)), Want: wants["malformed"]},
		{Name: "dep_too_many_components", Description: "17 components, one more than the bound", Code: rawDep(manyComponents(salt, good.ID, 17)), Want: wants["malformed"]},
		{Name: "dep_many_components", Description: "16 components, the bound, 9 needed: valid without a local deployment", Code: rawDep(manyComponents(salt, good.ID, 16)), Want: wants["valid"]},
	}

	container := verifier.Deployment{ID: "c0ffee00c0ffee00c0ffee00c0ffee00", Components: map[string][]string{
		"machine_id":   {"c0ffee00c0ffee00c0ffee00c0ffee00"},
		"product_uuid": {"4c4c4544-0042-3510-8051-b7c04f4e4c31"},
		"disk":         {"NVME-HOST-1"},
		"hostname":     {"7f3a9c2b1d0e"},
	}}
	two := changed(vm, map[string][]string{"mac": {"52:54:00:ab:cd:ef", "52:54:00:12:34:56"}})
	machines := []depMachine{
		{Name: "vm", Description: "a virtual machine with one NIC and one disk, bound with its five components", Bound: vm, Match: 3, Code: vmCode},
		{Name: "vm_two_nics", Description: "the same machine with two NICs: the mac component holds both", Bound: two, Match: 3, Code: bound(two, depSalt(40), 0, nil)},
		{Name: "container", Description: "a container run as root: the machine id of its image, the host's product UUID and disk, its hostname (no physical NIC)",
			Bound: container, Match: 3, Code: bound(container, depSalt(80), 0, nil)},
	}
	scen := func(name, desc, machine string, d verifier.Deployment, matched, needed int, want string) depScenario {
		return depScenario{Name: name, Description: desc, Machine: machine, Deployment: d, Matched: matched, Needed: needed, Want: wants[want]}
	}
	newOS := map[string][]string{"machine_id": {"99999999999999999999999999999999"}, "hostname": {"web-1-reinstalled"}}
	changes := []depScenario{
		scen("unchanged", "nothing changed", "vm", vm, 5, 3, "valid"),
		scen("nic_replaced", "the NIC replaced: a new MAC", "vm", changed(vm, map[string][]string{"mac": {"52:54:00:00:00:99"}}), 4, 3, "valid"),
		scen("one_of_two_nics_replaced", "one of two NICs replaced: the other MAC still matches", "vm_two_nics",
			changed(two, map[string][]string{"mac": {"52:54:00:ab:cd:ef", "52:54:00:00:00:99"}}), 5, 3, "valid"),
		scen("nic_removed", "the only NIC removed: no mac component at all", "vm", changed(vm, map[string][]string{"mac": nil}), 4, 3, "valid"),
		scen("disk_added", "a second disk added", "vm", changed(vm, map[string][]string{"disk": {"VIRTIO-DISK-1", "VIRTIO-DISK-2"}}), 5, 3, "valid"),
		scen("disk_replaced", "the disk replaced by another (its data copied)", "vm", changed(vm, map[string][]string{"disk": {"VIRTIO-DISK-2"}}), 4, 3, "valid"),
		scen("hostname_changed", "the hostname changed", "vm", changed(vm, map[string][]string{"hostname": {"web-01.example.internal"}}), 4, 3, "valid"),
		scen("vm_moved_to_another_host", "the VM migrated to another physical host: the hypervisor keeps its UUID and disk, gives it a new NIC", "vm",
			changed(vm, map[string][]string{"mac": {"fa:16:3e:00:00:01"}}), 4, 3, "valid"),
		scen("os_reinstalled", "the OS reinstalled on the same hardware: a new machine id and hostname, the same UUID, MAC and disk", "vm", changed(vm, newOS), 3, 3, "valid"),
		scen("cloned_disk_on_another_vm", "the disk image cloned onto another VM: the machine id and hostname come along, UUID, MAC and disk differ", "vm",
			changed(vm, map[string][]string{"product_uuid": {"5a5a5a5a-0000-1111-2222-333333333333"}, "mac": {"fa:16:3e:77:77:77"}, "disk": {"VIRTIO-DISK-CLONE"}}), 2, 3, "wrong_deployment"),
		scen("container_restarted", "the container restarted on the same host with a new hostname", "container",
			changed(container, map[string][]string{"hostname": {"0a1b2c3d4e5f"}}), 3, 3, "valid"),
		scen("container_rescheduled", "the container rescheduled onto another host with a new hostname: only its image's machine id matches", "container",
			changed(container, map[string][]string{"hostname": {"0a1b2c3d4e5f"}, "product_uuid": {"0e0e0e0e-0000-1111-2222-333333333333"}, "disk": {"NVME-HOST-2"}}), 1, 3, "wrong_deployment"),
		scen("nic_and_hostname", "two changes at once: the NIC and the hostname", "vm", changed(vm, map[string][]string{"mac": {"52:54:00:00:00:99"}, "hostname": {"web-2"}}), 3, 3, "valid"),
		scen("nic_disk_and_hostname", "three changes at once: the NIC, the disk and the hostname", "vm",
			changed(vm, map[string][]string{"mac": {"52:54:00:00:00:99"}, "disk": {"VIRTIO-DISK-2"}, "hostname": {"web-2"}}), 2, 3, "wrong_deployment"),
		scen("everything_changed", "another machine altogether", "vm", verifier.Deployment{ID: "other", Components: map[string][]string{
			"machine_id": {"fedcba9876543210fedcba9876543210"}, "product_uuid": {"00000000-1111-2222-3333-444444444444"},
			"mac": {"00:16:3e:00:00:01"}, "disk": {"S-OTHER"}, "hostname": {"db-1"}}}, 0, 3, "wrong_deployment"),
		scen("written_differently", "the same values written another way: MAC in upper case with dashes, machine id in upper case, spaces around the hostname", "vm",
			changed(vm, map[string][]string{"mac": {"52-54-00-AB-CD-EF"}, "machine_id": {"0123456789ABCDEF0123456789ABCDEF"}, "hostname": {"  web-1\n"}}), 5, 3, "valid"),
		scen("id_changed_components_same", "a new deployment id, every component the same: components decide, the id is for the server's seats", "vm",
			verifier.Deployment{ID: "reinstalled-app", Components: vm.Components}, 5, 3, "valid"),
	}
	return &depVectorFile{
		Comment: "licentia deployment-binding vectors (the \"dep\" claim). Regenerate only with: go test ./verifier -run TestVectors -update. " +
			"Hashes: DeploymentHash(salt, name, value). Codes: verify at now with options and, when given, the deployment. " +
			"Changes: verify the code of the named machine with the deployment; matched and needed are Matches' counts.",
		Seed:         hex.EncodeToString(bytes.Repeat([]byte{1}, ed25519.SeedSize)),
		KeyID:        kid,
		PublicKeyPEM: string(pemBytes),
		Now:          testNow.Format(time.RFC3339),
		NowUnix:      testNow.Unix(),
		Options:      vectorOptions{Issuer: testIssuer, Product: testProduct, SKU: testSKU},
		Policy:       "default: k = n/2 + 1 (a strict majority of the n components bound)",
		Hashes:       hashes,
		Codes:        codes,
		Machines:     machines,
		Changes:      changes,
	}
}

// normalizedForVectors is the documented normalization, written out independently of the package:
// Unicode white space trimmed at both ends, ASCII A-Z lowered, and for "mac" ':', '-' and '.' removed.
func normalizedForVectors(name, v string) string {
	v = strings.TrimFunc(v, func(r rune) bool {
		return strings.ContainsRune("\t\n\v\f\r \u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000", r)
	})
	var b strings.Builder
	for _, r := range v {
		switch {
		case r >= 'A' && r <= 'Z':
			b.WriteRune(r + 'a' - 'A')
		case name == "mac" && (r == ':' || r == '-' || r == '.'):
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// manyComponents is a dep claim JSON with n components c1..cn, one hash each, needing a strict majority.
func manyComponents(salt []byte, id string, n int) string {
	c := &verifier.DeploymentClaim{Salt: base64.RawURLEncoding.EncodeToString(salt), ID: id, Components: map[string][]string{}, Match: n/2 + 1}
	for i := range n {
		name := "c" + string(rune('a'+i))
		c.Components[name] = []string{verifier.DeploymentHash(salt, name, "v")}
	}
	return mustJSON(c)
}

// deploymentVerifier builds the verifier of a deployment vector: the options of the file and, when raw
// is not empty, WithDeployment of the deployment it holds.
func deploymentVerifier(tb testing.TB, vf *depVectorFile, raw json.RawMessage) *verifier.Verifier {
	tb.Helper()
	kr, err := verifier.ParseKeyring([]byte(vf.PublicKeyPEM))
	if err != nil {
		tb.Fatal(err)
	}
	opts := []verifier.Option{verifier.WithIssuer(vf.Options.Issuer), verifier.WithProduct(vf.Options.Product),
		verifier.WithSKU(vf.Options.SKU), fixedTime(time.Unix(vf.NowUnix, 0))}
	if len(raw) > 0 {
		var d verifier.Deployment
		if err := json.Unmarshal(raw, &d); err != nil {
			tb.Fatalf("deployment %s: %v", raw, err)
		}
		opts = append(opts, verifier.WithDeployment(d))
	}
	return verifier.New(kr, opts...)
}

// TestVectorsDeployment checks every deployment vector and that regenerating them gives the file in
// testdata byte for byte; the change table has at least ten scripted changes under the default policy.
func TestVectorsDeployment(t *testing.T) {
	data, err := json.MarshalIndent(generateDeploymentVectors(t), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	data = append(data, '\n')
	if *update {
		if err := os.WriteFile(deploymentVectorsFile, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(deploymentVectorsFile)
	if err != nil {
		t.Fatalf("read %s: %v (regenerate with -update)", deploymentVectorsFile, err)
	}
	if !bytes.Equal(got, data) {
		t.Errorf("%s differs from the regenerated vectors: the format changed (regenerate with -update only if intended)", deploymentVectorsFile)
	}
	var vf depVectorFile
	if err := json.Unmarshal(got, &vf); err != nil {
		t.Fatal(err)
	}
	for _, h := range vf.Hashes {
		salt, err := base64.RawURLEncoding.DecodeString(h.Salt)
		if err != nil {
			t.Fatal(err)
		}
		if got := verifier.DeploymentHash(salt, h.Name, h.Value); got != h.Hash {
			t.Errorf("DeploymentHash(%q, %q) = %s, want %s", h.Name, h.Value, got, h.Hash)
		}
	}
	check := func(t *testing.T, v *verifier.Verifier, code string, want vectorWant) {
		t.Helper()
		for i := range 3 { // the third check comes from the cache of authentic codes
			_, err := v.Verify(code)
			if got := verifier.Reason(err); got != want.Reason {
				t.Fatalf("Verify() #%d reason = %q (err %v), want %q", i, got, err, want.Reason)
			}
			if !want.Valid && !errors.Is(err, sentinels[want.Error]) {
				t.Fatalf("Verify() #%d err = %v, want %s", i, err, want.Error)
			}
		}
	}
	for _, c := range vf.Codes {
		t.Run(c.Name, func(t *testing.T) { check(t, deploymentVerifier(t, &vf, c.Deployment), c.Code, c.Want) })
	}
	machines := map[string]depMachine{}
	for _, m := range vf.Machines {
		machines[m.Name] = m
	}
	if len(vf.Changes) < 10 {
		t.Errorf("%d scripted machine changes, want at least 10", len(vf.Changes))
	}
	for _, s := range vf.Changes {
		t.Run("change/"+s.Name, func(t *testing.T) {
			m := machines[s.Machine]
			check(t, deploymentVerifier(t, &vf, json.RawMessage(mustJSON(s.Deployment))), m.Code, s.Want)
			claims := decodeClaims(t, m.Code)
			matched, needed, ok := claims.Deployment.Matches(s.Deployment)
			if matched != s.Matched || needed != s.Needed || ok != s.Want.Valid || needed != verifier.DefaultMatch(len(m.Bound.Components)) {
				t.Errorf("Matches() = %d, %d, %v; want %d, %d, %v under the default policy", matched, needed, ok, s.Matched, s.Needed, s.Want.Valid)
			}
		})
	}
}

// decodeClaims returns the claims of an authentic code, whatever else it fails.
func decodeClaims(tb testing.TB, code string) *verifier.Claims {
	tb.Helper()
	c, err := verifier.New(testRing(tb), verifier.WithAnyProduct(), fixedTime(testNow)).Verify(code)
	if err != nil {
		tb.Fatalf("Verify() err = %v", err)
	}
	return c
}
