package koogallery_test

import (
	"fmt"
	"net/url"

	"github.com/licentia/licentia/server/koogallery"
)

func ExampleAuthToken() {
	// The query string of a License 1.0 getLicense call, as KooGallery sends it (values URL-encoded).
	query := "activity=getLicense&businessId=b-001&customerId=c-001&orderId=CS0001&productId=OFFI001" +
		"&testFlag=1&timeStamp=20240101080000123"
	params, err := url.ParseQuery(query)
	if err != nil {
		fmt.Println(err)
		return
	}
	token := koogallery.AuthToken("test-access-key-123", params)
	fmt.Println(token)

	// The server side: accept the current key or the previous one during a rotation.
	params.Set("authToken", token)
	i, err := koogallery.VerifyAuthToken([]string{"previous-key", "test-access-key-123"}, params)
	fmt.Println(i, err)
	// Output:
	// bg3RPbAQ4mw2wC023l0PIuHb2kt2bd6OHFpRAY83C3o=
	// 1 <nil>
}
