package verifier

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// TestClaimsShortPathAgrees: for the issuer's forms of the claims (plain, with every optional claim,
// bound to a deployment) and thousands of mutations of them, decodeClaims gives what encoding/json
// gives, value and error alike; so does decoding "dep" on its own, also when a repeated "dep" merges into
// an earlier one.
func TestClaimsShortPathAgrees(t *testing.T) {
	d := Deployment{ID: "i", Components: map[string][]string{ComponentMachineID: {"m"}, ComponentMAC: {"a", "b"}, ComponentHostname: {"h"}}}
	dep, err := BindDeployment(d, make([]byte, DeploymentSaltLen), 0)
	if err != nil {
		t.Fatal(err)
	}
	idOnly := &DeploymentClaim{Salt: dep.Salt, ID: dep.ID}
	plain := &Claims{Issuer: "licentia", LicenseID: "inst-0001", Generation: 2, IssuedAt: 1767225600, NotBefore: 1767225600,
		Status: StatusActive, ProductID: "OFFI001", OrderID: "CS0001"}
	full := *plain
	full.ExpiresAt, full.Grace, full.ProductIDs, full.SKU, full.OrderLineID, full.CustomerID, full.Quantity, full.Test =
		1798761600, 604800, []string{"OFFI000", "产品"}, "sku-std", "CS0001-1", "c-001", 5, true
	bound := full
	bound.Deployment = dep
	var seeds []string
	for _, c := range []*Claims{plain, &full, &bound, {LicenseID: "x", Deployment: idOnly}} {
		b, _ := json.Marshal(c)
		var got Claims
		r := &jsonReader{s: string(b)}
		if _, ok := r.claims(); !ok || r.i != len(b) {
			t.Fatalf("the issuer's form %s does not take the short path", b)
		}
		if err := decodeClaims(b, &got); err != nil || !reflect.DeepEqual(&got, c) {
			t.Fatalf("decodeClaims(%s) = %+v, %v; want %+v", b, got, err, c)
		}
		seeds = append(seeds, string(b))
	}
	depJSON, _ := json.Marshal(dep)
	idJSON, _ := json.Marshal(idOnly)
	seeds = append(seeds, string(depJSON), string(idJSON), `{"s":"x","id":"y","c":{"a":["1"],"a":["2"]},"k":1}`,
		`{"s":"x","id":"y","k":01}`, `{"s":"x","id":"y","k":1000}`, `{"s":"x","id":"y","c":{"a":[]},"k":1}`)
	rng := rand.New(rand.NewPCG(21, 7))
	const alphabet = `{}[]",:0123456789skcidtruefalsn.eE-A_\ ` + "\u017f\xff\x01"
	inputs := append([]string{}, seeds...)
	for range 6000 {
		b := []byte(seeds[rng.IntN(len(seeds))])
		for range 1 + rng.IntN(3) {
			i := rng.IntN(len(b))
			ch := alphabet[rng.IntN(len(alphabet))]
			switch rng.IntN(3) {
			case 0:
				b = append(b[:i:i], b[i+1:]...)
			case 1:
				b = append(append(b[:i:i], ch), b[i:]...)
			default:
				b = append(b[:i:i], append([]byte{ch}, b[i+1:]...)...)
			}
		}
		inputs = append(inputs, string(b))
	}
	for _, in := range inputs {
		var got, want Claims
		gotErr, wantErr := decodeClaims([]byte(in), &got), json.Unmarshal([]byte(in), &want)
		if (gotErr == nil) != (wantErr == nil) || (gotErr == nil && !reflect.DeepEqual(got, want)) {
			t.Fatalf("decodeClaims(%q) = %+v, %v; encoding/json gives %+v, %v", in, got, gotErr, want, wantErr)
		}
		for _, prev := range []string{"", string(idJSON)} { // a "dep" alone, and a repeated "dep"
			doc := `{"dep":` + in + `}`
			if prev != "" {
				doc = `{"dep":` + prev + `,"dep":` + in + `}`
			}
			var gotDep struct {
				Dep *DeploymentClaim `json:"dep"`
			}
			var wantDep struct {
				Dep *depFields `json:"dep"`
			}
			gotErr, wantErr := json.Unmarshal([]byte(doc), &gotDep), json.Unmarshal([]byte(doc), &wantDep)
			if (gotErr == nil) != (wantErr == nil) || (gotErr == nil && !reflect.DeepEqual(gotDep.Dep, (*DeploymentClaim)(wantDep.Dep))) {
				t.Fatalf("decoding %s: got %+v, %v; want %+v, %v", strings.ToValidUTF8(doc, "?"), gotDep.Dep, gotErr, wantDep.Dep, wantErr)
			}
		}
	}
}
