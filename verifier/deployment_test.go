package verifier_test

import (
	"encoding/json"
	"errors"
	"fmt"
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

// boundClaims returns the base claims bound to d with a salt of b repeated and match k.
func boundClaims(tb testing.TB, d verifier.Deployment, b byte, k int) *verifier.Claims {
	tb.Helper()
	salt := make([]byte, verifier.DeploymentSaltLen)
	for i := range salt {
		salt[i] = b
	}
	dep, err := verifier.BindDeployment(d, salt, k)
	if err != nil {
		tb.Fatalf("BindDeployment() err = %v", err)
	}
	c := baseClaims()
	c.Deployment = dep
	return c
}

var testDeployment = verifier.Deployment{ID: "inst-1", Components: map[string][]string{
	"machine_id": {"m-1"}, "product_uuid": {"u-1"}, "mac": {"52:54:00:00:00:01"}, "disk": {"S1"}, "hostname": {"web-1"}}}

// TestWithDeployment: a bound code passes on its deployment (also with one part changed, and on a
// repeat from the cache), fails elsewhere with ErrWrongDeployment and its claims; codes without "dep"
// and verifiers without a deployment behave as before; the deployment check comes after the product
// check and before the status and time checks.
func TestWithDeployment(t *testing.T) {
	code := sign(t, boundClaims(t, testDeployment, 7, 0), seedKey(1))
	moved := verifier.Deployment{ID: "inst-1", Components: map[string][]string{
		"machine_id": {"m-1"}, "product_uuid": {"u-2"}, "mac": {"52:54:00:00:00:02"}, "disk": {"S2"}, "hostname": {"web-1"}}}
	nicChanged := verifier.Deployment{ID: "other-id", Components: map[string][]string{
		"machine_id": {"M-1"}, "product_uuid": {"u-1"}, "mac": {"52-54-00-00-00-09"}, "disk": {"S1"}, "hostname": {"web-1"}}}
	opts := []verifier.Option{verifier.WithProduct(testProduct), fixedTime(testNow)}
	withDep := func(d verifier.Deployment, extra ...verifier.Option) *verifier.Verifier {
		return verifier.New(testRing(t), append(append([]verifier.Option{verifier.WithDeployment(d)}, opts...), extra...)...)
	}
	v := withDep(nicChanged)
	for i := range 3 { // the first check, the second (which makes the cache), a cached repeat
		c, err := v.Verify(code)
		if err != nil {
			t.Fatalf("Verify() #%d on the deployment with its NIC changed: err = %v, want nil", i, err)
		}
		if c.Deployment == nil || c.Deployment.Match != 3 {
			t.Fatalf("claims.Deployment = %+v, want the bound claim", c.Deployment)
		}
		c.Deployment.Components["mac"][0], c.Deployment.Match = "x", 99 // the caller's own copy
		delete(c.Deployment.Components, "disk")
	}
	for i := range 2 {
		_, err := withDep(moved).Verify(code)
		var ce *verifier.CodeError
		if !errors.Is(err, verifier.ErrWrongDeployment) || verifier.Reason(err) != "wrong_deployment" ||
			!errors.As(err, &ce) || ce.Claims == nil || ce.Claims.LicenseID != "inst-0001" {
			t.Fatalf("Verify() #%d on another machine: err = %#v, want ErrWrongDeployment with the claims", i, err)
		}
	}
	if _, err := verifier.New(testRing(t), opts...).Verify(code); err != nil {
		t.Errorf("Verify() without WithDeployment: err = %v, want nil (the binding is not checked)", err)
	}
	if _, err := withDep(moved).Verify(sign(t, baseClaims(), seedKey(1))); err != nil {
		t.Errorf("Verify(code without dep) with WithDeployment: err = %v, want nil", err)
	}
	idOnly := sign(t, boundClaims(t, verifier.Deployment{ID: "inst-1"}, 8, 0), seedKey(1))
	if _, err := withDep(verifier.Deployment{ID: "inst-1"}).Verify(idOnly); err != nil {
		t.Errorf("id-only claim, same id: err = %v, want nil", err)
	}
	if _, err := withDep(nicChanged).Verify(idOnly); !errors.Is(err, verifier.ErrWrongDeployment) {
		t.Errorf("id-only claim, other id: err = %v, want ErrWrongDeployment", err)
	}

	order := []struct {
		name string
		edit func(c *verifier.Claims)
		want error
	}{
		{"wrong product first", func(c *verifier.Claims) { c.ProductID = "OFFI999" }, verifier.ErrWrongProduct},
		{"deployment before status", func(c *verifier.Claims) { c.Status = verifier.StatusFrozen }, verifier.ErrWrongDeployment},
		{"deployment before time", func(c *verifier.Claims) { c.ExpiresAt, c.Grace = testNow.Unix()-1, 0 }, verifier.ErrWrongDeployment},
	}
	for _, tt := range order {
		t.Run(tt.name, func(t *testing.T) {
			c := boundClaims(t, testDeployment, 7, 0)
			tt.edit(c)
			if _, err := withDep(moved).Verify(sign(t, c, seedKey(1))); !errors.Is(err, tt.want) {
				t.Errorf("Verify() err = %v, want %v", err, tt.want)
			}
		})
	}
}

// TestWithDeploymentInvalid: an invalid deployment makes every check fail, unread, with ErrDeployment,
// never skip the binding.
func TestWithDeploymentInvalid(t *testing.T) {
	code := sign(t, boundClaims(t, testDeployment, 7, 0), seedKey(1))
	for _, d := range []verifier.Deployment{{}, {ID: "x", Components: map[string][]string{"Mac": {"1"}}},
		{ID: "x", Components: map[string][]string{"mac": {"::"}}}} {
		v := verifier.New(testRing(t), verifier.WithDeployment(d), verifier.WithProduct(testProduct), fixedTime(testNow))
		for _, c := range []string{code, sign(t, baseClaims(), seedKey(1)), "garbage"} {
			_, err := v.Verify(c)
			var ce *verifier.CodeError
			if !errors.Is(err, verifier.ErrDeployment) || verifier.Reason(err) != "deployment_error" || !errors.As(err, &ce) || ce.Claims != nil {
				t.Errorf("Verify() with deployment %+v: err = %v, want ErrDeployment, unread", d, err)
			}
		}
	}
}

// TestWithDeploymentConcurrent: many codes with their own salts, checked from several goroutines, more
// salts than the verifier remembers: every outcome is right (run with -race).
func TestWithDeploymentConcurrent(t *testing.T) {
	other := verifier.Deployment{ID: "inst-2", Components: map[string][]string{"machine_id": {"m-2"}, "hostname": {"web-1"}}}
	var codes []string
	for i := range 40 {
		d := testDeployment
		if i%2 == 1 {
			d = other
		}
		codes = append(codes, sign(t, boundClaims(t, d, byte(i), 0), seedKey(1)))
	}
	v := verifier.New(testRing(t), verifier.WithDeployment(testDeployment), verifier.WithProduct(testProduct), fixedTime(testNow))
	errs := make(chan error, 4)
	for g := range 4 {
		go func() {
			for r := range 3 {
				for i, code := range codes {
					_, err := v.Verify(code)
					if (i%2 == 0) != (err == nil) || (err != nil && !errors.Is(err, verifier.ErrWrongDeployment)) {
						errs <- fmt.Errorf("goroutine %d round %d code %d: err = %v", g, r, i, err)
						return
					}
				}
			}
			errs <- nil
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
