package keys_test

import (
	"bytes"
	"crypto/ed25519"
	"fmt"

	"github.com/licentia/licentia/keys"
)

// A fixed seed gives a fixed key, and so a fixed key id.
func ExampleKeyID() {
	priv, _ := keys.Generate(bytes.NewReader(make([]byte, 32)))
	fmt.Println(keys.KeyID(priv.Public().(ed25519.PublicKey)))
	// Output: 339e2ff917630507
}
