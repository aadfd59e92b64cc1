package verifier

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// TestDepShortPathAgrees: for the issuer's form and thousands of mutations of it, decoding a "dep" claim
// (the short path where it applies) gives what encoding/json's general decoding gives, value and error
// alike, also when a repeated "dep" merges into an earlier one.
func TestDepShortPathAgrees(t *testing.T) {
	d := Deployment{ID: "i", Components: map[string][]string{ComponentMachineID: {"m"}, ComponentMAC: {"a", "b"}, ComponentHostname: {"h"}}}
	c, err := BindDeployment(d, make([]byte, DeploymentSaltLen), 0)
	if err != nil {
		t.Fatal(err)
	}
	canonical, _ := json.Marshal(c)
	idOnly, _ := json.Marshal(&DeploymentClaim{Salt: c.Salt, ID: c.ID})
	if _, ok := parseCanonicalDep(canonical); !ok {
		t.Fatalf("the issuer's form %s does not take the short path", canonical)
	}
	inputs := []string{string(canonical), string(idOnly), `{}`, `null`, `{"s":"x","id":"y","c":{},"k":1}`,
		`{"s":"x","id":"y","c":{"a":["1"],"a":["2"]},"k":1}`, `{"s":"x","id":"y","k":01}`, `{"s":"x","id":"y","k":1000}`,
		`{"s":"x","id":"y","c":{"a":[]},"k":1}`, `{"S":"x","id":"y"}`, `{"s":"x","id":"y"} `, `{"s":"x\u0041","id":"y"}`}
	rng := rand.New(rand.NewPCG(21, 7))
	const alphabet = `{}[]",:0123456789skcidA_-\ ` + "\u017f"
	for range 4000 {
		b := []byte(string(canonical))
		if rng.IntN(4) == 0 {
			b = idOnly
		}
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
		for _, prev := range []string{"", string(idOnly)} { // a fresh claim, and a repeated "dep"
			doc := `{"dep":` + in + `}`
			if prev != "" {
				doc = `{"dep":` + prev + `,"dep":` + in + `}`
			}
			var got struct {
				Dep *DeploymentClaim `json:"dep"`
			}
			var want struct {
				Dep *depFields `json:"dep"`
			}
			gotErr, wantErr := json.Unmarshal([]byte(doc), &got), json.Unmarshal([]byte(doc), &want)
			if (gotErr == nil) != (wantErr == nil) || (gotErr == nil && !reflect.DeepEqual(got.Dep, (*DeploymentClaim)(want.Dep))) {
				t.Fatalf("decoding %s: got %+v, %v; want %+v, %v", strings.ToValidUTF8(doc, "?"), got.Dep, gotErr, want.Dep, wantErr)
			}
		}
	}
}
