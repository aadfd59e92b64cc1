package verifier_test

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/licentia/licentia/verifier"
)

// The seller's public keys ship inside the program; a program built for KooGallery embeds the file
// `licentia-verify`'s --keys takes (PEM or JWKS from /.well-known/jwks.json). Here: the golden key.
//
//go:embed testdata/public.pem
var publicKeys []byte

// The buyer's authorization code would normally be read from a file or the environment at start-up.
//
//go:embed testdata/license.jwt
var licenseCode string

// auditTime fixes the clock so that the examples' output never changes. Real programs leave WithTime out.
var auditTime = verifier.WithTime(func() time.Time { return time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC) })

// Example checks the code at start-up: parse the embedded keys, say which product and SKU this program
// is, verify. Refuse to run on any error.
func Example() {
	kr, err := verifier.ParseKeyring(publicKeys)
	if err != nil {
		fmt.Println("bad embedded keys:", err) // a build problem, not the buyer's
		return
	}
	v := verifier.New(kr,
		verifier.WithProduct("OFFI001"),
		verifier.WithSKU("sku-std"),
		auditTime,
	)
	c, err := v.Verify(licenseCode)
	if err != nil {
		fmt.Println("not licensed:", verifier.Reason(err))
		return
	}
	fmt.Printf("licensed: %s generation %d, %d seats, until %s\n",
		c.LicenseID, c.Generation, c.Quantity, time.Unix(c.ExpiresAt, 0).UTC().Format(time.DateOnly))
	// Output: licensed: inst-0001 generation 2, 5 seats, until 2027-01-01
}

// Example_startup is a fuller start-up check: a state file to notice a clock set back or an old code put
// back, Check to learn about the grace period, and CodeError to tell the user which license failed.
func Example_startup() {
	dir, _ := os.MkdirTemp("", "licentia-example")
	defer os.RemoveAll(dir)

	kr, err := verifier.ParseKeyring(publicKeys)
	if err != nil {
		fmt.Println("bad embedded keys:", err)
		return
	}
	state, err := verifier.OpenState(filepath.Join(dir, "license-state.json"))
	if err != nil {
		fmt.Println("state file:", err) // corrupt or foreign: stop and ask for support
		return
	}
	v := verifier.New(kr, verifier.WithProduct("OFFI001"), verifier.WithState(state), auditTime)

	r, err := v.Check(licenseCode)
	var ce *verifier.CodeError
	switch {
	case errors.Is(err, verifier.ErrExpired) && errors.As(err, &ce) && ce.Claims != nil:
		fmt.Println("license", ce.Claims.LicenseID, "has expired; renew it on KooGallery")
	case err != nil:
		fmt.Println("not licensed:", verifier.Reason(err))
	case r.InGrace:
		fmt.Println("licensed, but expired: renew within the grace period")
	default:
		fmt.Println("licensed until", time.Unix(r.Claims.ExpiresAt, 0).UTC().Format(time.DateOnly), "by key", r.KeyID)
	}
	// Output: licensed until 2027-01-01 by key fd110d301d2f077d
}

// ExampleVerifier_Watch re-checks the code in a long-running program and reacts to changes (expiry, the
// start of the grace period, a clock set back). Here the first report is enough.
func ExampleVerifier_Watch() {
	kr, _ := verifier.ParseKeyring(publicKeys)
	v := verifier.New(kr, verifier.WithProduct("OFFI001"), auditTime)
	ctx, stop := context.WithCancel(context.Background())
	v.Watch(ctx, licenseCode, time.Hour, func(r *verifier.Result, err error) {
		fmt.Println("license check:", verifier.Reason(err))
		stop() // a real program keeps watching and, on an error, stops licensed features
	})
	// Output: license check: valid
}

// ExampleReason shows the stable reason names that logs, metrics and `licentia-verify --json` use.
func ExampleReason() {
	kr, _ := verifier.ParseKeyring(publicKeys)
	v := verifier.New(kr, verifier.WithProduct("OFFI002"), auditTime)
	_, err := v.Verify(licenseCode)
	fmt.Println(verifier.Reason(err), errors.Is(err, verifier.ErrWrongProduct))
	_, err = v.Verify(licenseCode[:100])
	fmt.Println(verifier.Reason(err), errors.Is(err, verifier.ErrMalformed))
	// Output:
	// wrong_product true
	// malformed true
}

// ExampleWithAnyProduct shows that the product binding is never implicit: a verifier made without
// WithProduct, WithSKU or WithAnyProduct refuses every code. A program that serves all of the seller's
// products (an audit tool, the license server itself) says so with WithAnyProduct.
func ExampleWithAnyProduct() {
	kr, _ := verifier.ParseKeyring(publicKeys)
	_, err := verifier.New(kr, auditTime).Verify(licenseCode)
	fmt.Println(verifier.Reason(err), errors.Is(err, verifier.ErrNoBinding))
	c, err := verifier.New(kr, verifier.WithAnyProduct(), auditTime).Verify(licenseCode)
	fmt.Println(verifier.Reason(err), c.ProductID)
	// Output:
	// no_binding true
	// valid OFFI001
}

// ExampleWithDeployment checks a code bound to the machine it was activated on. The deployment is this
// machine's (LocalDeployment); here it is written out, as read on the machine the code was bound to
// and, later, on a copy of its disk running on another VM.
func ExampleWithDeployment() {
	kr, err := verifier.ParseKeyring(publicKeys)
	if err != nil {
		fmt.Println("bad embedded keys:", err)
		return
	}
	data, err := os.ReadFile("testdata/deployment_vectors.json") // a code bound to the machine "vm"
	if err != nil {
		fmt.Println(err)
		return
	}
	var vf struct {
		Machines []struct{ Code string }
	}
	if err := json.Unmarshal(data, &vf); err != nil || len(vf.Machines) == 0 {
		fmt.Println("bad vectors:", err)
		return
	}
	code := vf.Machines[0].Code
	here := verifier.Deployment{ID: "0123456789abcdef0123456789abcdef", Components: map[string][]string{
		"machine_id": {"0123456789abcdef0123456789abcdef"}, "product_uuid": {"4c4c4544-0042-3510-8051-b7c04f4e4c31"},
		"mac":  {"52:54:00:00:00:99"}, // the NIC was replaced since
		"disk": {"VIRTIO-DISK-1"}, "hostname": {"web-1"}}}
	clone := verifier.Deployment{ID: "0123456789abcdef0123456789abcdef", Components: map[string][]string{
		"machine_id": {"0123456789abcdef0123456789abcdef"}, "product_uuid": {"5a5a5a5a-0000-1111-2222-333333333333"},
		"mac": {"fa:16:3e:77:77:77"}, "disk": {"VIRTIO-DISK-CLONE"}, "hostname": {"web-1"}}}
	for _, d := range []verifier.Deployment{here, clone} {
		c, err := verifier.New(kr, verifier.WithProduct("OFFI001"), verifier.WithDeployment(d), auditTime).Verify(code)
		if err != nil {
			fmt.Println("refused:", verifier.Reason(err), errors.Is(err, verifier.ErrWrongDeployment))
			continue
		}
		m, k, _ := c.Deployment.Matches(d)
		fmt.Printf("licensed: %d of %d components match, %d needed\n", m, len(c.Deployment.Components), k)
	}
	// Output:
	// licensed: 4 of 5 components match, 3 needed
	// refused: wrong_deployment true
}
