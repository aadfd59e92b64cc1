package loadgen

import (
	"net/http"
	"strings"

	"github.com/licentia/licentia/server/koogallery"
)

// bareBody is the answer of the bare baseline: the shape and size of a real create answer.
var bareBody = []byte(`{"resultCode":"` + koogallery.ResultOK + `","resultMsg":"` + koogallery.ResultMsgOK +
	`","instanceId":"LG00000000-S000-lic","license":"` + strings.Repeat("x", 430) + `"}`)

// BareHandler is the baseline the server's throughput is compared with: a plain net/http handler that
// answers every request with a fixed JSON body, doing no parsing, checking or signing.
func BareHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		w.Write(bareBody)
	})
}
