package online_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/licentia/licentia/verifier"
	"github.com/licentia/licentia/verifier/online"
)

// sellerKeys are the seller's public keys (the PEM or JWKS file licentia-verify's --keys takes), which a
// program built for KooGallery embeds with //go:embed.
var sellerKeys []byte

// ExampleClient_Activate shows a KooGallery License 2.0 installation's first start: the buyer pastes the
// code the marketplace showed them; the software trades it once for licentia's offline code, checks it
// and keeps it. Later starts check the kept code offline (and refresh it now and then with Refresh).
func ExampleClient_Activate() {
	kr, err := verifier.ParseKeyring(sellerKeys)
	if err != nil {
		fmt.Println("bad embedded keys:", err)
		return
	}
	dep, err := verifier.LocalDeployment() // this machine: the code answered is bound to it
	if err != nil {
		fmt.Println("cannot name this machine:", err)
		return
	}
	cl := &online.Client{BaseURL: "https://license.example.com"}
	ans, err := cl.Activate(context.Background(), "the code the marketplace showed", &dep)
	var se *online.ServerError
	switch {
	case errors.As(err, &se) && (se.Code == "not_received" || se.Code == "rate_limited" || se.Code == "marketplace_unavailable"):
		fmt.Println("try again later:", se.Message)
		return
	case err != nil:
		fmt.Println("activation failed:", err)
		return
	}
	if _, err := verifier.New(kr, verifier.WithProduct("OFFI001"), verifier.WithDeployment(dep)).Verify(ans.Code); err != nil {
		fmt.Println("not licensed:", verifier.Reason(err))
		return
	}
	// Keep ans.Code (a 0600 file, say) and check it offline from now on.
}
