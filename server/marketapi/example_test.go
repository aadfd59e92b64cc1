package marketapi_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/licentia/licentia/server/marketapi"
	"github.com/licentia/licentia/server/simulator/market"
)

// Activate a marketplace licence code and read its authoritative status, against the loopback stand-in. In
// production AK and SK come from marketapi.EnvAK and marketapi.EnvSK and BaseURLs from marketapi.ParseBaseURLs.
func Example() {
	standIn, err := market.Start(market.Config{AK: "example-ak", SK: "example-sk"})
	if err != nil {
		panic(err)
	}
	defer standIn.Close()
	expiry := time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)
	standIn.AddCode(market.Code{Code: "PL-EXAMPLE", State: market.Received, ExpiresAt: expiry})

	client, err := marketapi.New(marketapi.Config{AK: "example-ak", SK: "example-sk", BaseURLs: []string{standIn.URL()}})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	if _, err := client.Activate(ctx, "PL-EXAMPLE", time.Time{}); err != nil {
		panic(err)
	}
	st, err := client.Query(ctx, "PL-EXAMPLE")
	if err != nil {
		panic(err)
	}
	fmt.Println(st.Status, st.ExpiresAt.Format(time.RFC3339))

	_, err = client.Activate(ctx, "PL-EXAMPLE", time.Time{})
	fmt.Println(errors.Is(err, marketapi.ErrAlreadyActive))
	// Output:
	// ALIVE 2031-01-01T00:00:00Z
	// true
}
