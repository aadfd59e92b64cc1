package server

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/licentia/licentia/server/adminclient"
	"github.com/licentia/licentia/server/store"
	"github.com/licentia/licentia/server/support"
)

func TestAdminAuth(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	e.newInstance("lic-1", "O-1", "C-1", "P1", t0.AddDate(1, 0, 0))
	read := e.token("reader", "read")
	supportTok := e.token("helper", "support")
	revoked := e.token("gone", "support")
	if _, err := e.st.RevokeToken(ctx, "gone"); err != nil {
		t.Fatal(err)
	}
	wrongSecret := supportTok[:len(supportTok)-43] + strings.Repeat("A", 43) // the same id, another secret

	reissue := support.ChangeRequest{Reason: "test"}
	tests := []struct {
		name, method, path, token string
		body                      any
		status                    int
		code                      string
	}{
		{"no token", "GET", "/admin/v1/licenses", "", nil, 401, "unauthorized"},
		{"not a token", "GET", "/admin/v1/licenses", "hunter2", nil, 401, "unauthorized"},
		{"wrong secret", "GET", "/admin/v1/licenses", wrongSecret, nil, 401, "unauthorized"},
		{"revoked token", "GET", "/admin/v1/licenses", revoked, nil, 401, "unauthorized"},
		{"no token on an unknown admin path", "GET", "/admin/v1/nothing", "", nil, 401, "unauthorized"},
		{"read lists", "GET", "/admin/v1/licenses", read, nil, 200, ""},
		{"read shows", "GET", "/admin/v1/licenses/lic-1", read, nil, 200, ""},
		{"read reads history", "GET", "/admin/v1/licenses/lic-1/events", read, nil, 200, ""},
		{"read looks up", "POST", "/admin/v1/lookup", read, support.LookupRequest{Ref: "O-1"}, 200, ""},
		{"read cannot reissue", "POST", "/admin/v1/licenses/lic-1/reissue", read, reissue, 403, "forbidden"},
		{"read cannot revoke", "POST", "/admin/v1/licenses/lic-1/revoke", read, reissue, 403, "forbidden"},
		{"read cannot reveal", "GET", "/admin/v1/licenses/lic-1?reveal=true", read, nil, 403, "forbidden"},
		{"read cannot reveal by lookup", "POST", "/admin/v1/lookup", read, support.LookupRequest{Ref: "lic-1", Reveal: true}, 403, "forbidden"},
		{"support reveals", "GET", "/admin/v1/licenses/lic-1?reveal=1", supportTok, nil, 200, ""},
		{"support reissues", "POST", "/admin/v1/licenses/lic-1/reissue", supportTok, reissue, 200, ""},
		{"unknown license", "GET", "/admin/v1/licenses/nope", read, nil, 404, "not_found"},
		{"reissue without reason", "POST", "/admin/v1/licenses/lic-1/reissue", supportTok, support.ChangeRequest{}, 400, "bad_request"},
		{"bad filter", "GET", "/admin/v1/licenses?status=asleep", read, nil, 400, "bad_request"},
		{"bad duration", "GET", "/admin/v1/licenses?expiring_within=soon", read, nil, 400, "bad_request"},
		{"code in the URL", "GET", "/admin/v1/licenses/" + e.license("lic-1").Code, read, nil, 400, "bad_request"},
		{"code in a history URL", "GET", "/admin/v1/licenses/" + e.license("lic-1").Code + "/events", read, nil, 400, "bad_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := e.call(tt.method, tt.path, tt.token, tt.body)
			if status != tt.status {
				t.Fatalf("%s %s = %d (%s), want %d", tt.method, tt.path, status, body, tt.status)
			}
			if tt.code != "" {
				if got := errorCode(t, body); got != tt.code {
					t.Errorf("error code = %s, want %s", got, tt.code)
				}
			}
		})
	}

	req, _ := http.NewRequest("GET", e.ts.URL+"/admin/v1/licenses", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("WWW-Authenticate"); !strings.HasPrefix(got, "Bearer") {
		t.Errorf("WWW-Authenticate = %q, want a Bearer challenge", got)
	}
}

// TestAdminClient drives the admin API through AdminClient, as the remote CLI does.
func TestAdminClient(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	old := e.newInstance("lic-1", "O-1", "C-1", "P1", t0.AddDate(1, 0, 0))
	e.newInstance("lic-2", "O-2", "C-1", "P1", t0.AddDate(1, 0, 0))
	c, err := adminclient.New(e.ts.URL+"/", e.token("desk-1", "support"))
	if err != nil {
		t.Fatal(err)
	}
	page, err := c.List(ctx, support.ListQuery{Customer: "C-1", Limit: 1})
	if err != nil || len(page.Licenses) != 1 || page.Licenses[0].ID != "lic-1" || page.NextCursor == "" {
		t.Fatalf("List(customer, limit 1) = %+v, %v", page, err)
	}
	page, err = c.List(ctx, support.ListQuery{Customer: "C-1", Limit: 1, Cursor: page.NextCursor})
	if err != nil || len(page.Licenses) != 1 || page.Licenses[0].ID != "lic-2" || page.NextCursor != "" {
		t.Fatalf("List(second page) = %+v, %v", page, err)
	}

	ch, err := c.Reissue(ctx, "O-1", support.ChangeRequest{Reason: "new laptop", Reveal: true})
	if err != nil || ch.License.Code == "" || ch.License.Code != e.license("lic-1").Code || ch.License.Generation != 2 {
		t.Fatalf("Reissue(reveal) = %+v, %v; want the new code", ch, err)
	}
	d, err := c.Show(ctx, old, false)
	if err != nil || d.License.ID != "lic-1" || !d.Presented.Superseded || !d.Presented.Genuine || d.License.Code != "" {
		t.Fatalf("Show(old code) = %+v, %v", d, err)
	}
	if _, err := c.Revoke(ctx, "lic-1", support.ChangeRequest{Reason: "refund"}); err != nil {
		t.Fatal(err)
	}
	h, err := c.History(ctx, old) // a code is resolved through POST /lookup, never put in a URL
	if err != nil || len(h.Events) != 3 {
		t.Fatalf("support.History() = %+v, %v; want 3 events", h, err)
	}
	for i, want := range []struct{ action, actor, reason string }{{"create", "koogallery", ""},
		{"reissue", "desk-1", "new laptop"}, {"revoke", "desk-1", "refund"}} {
		ev := h.Events[i]
		if ev.Action != want.action || ev.Actor != want.actor || ev.Reason != want.reason {
			t.Errorf("event %d = %s by %s (%q), want %s by %s (%q)", i, ev.Action, ev.Actor, ev.Reason, want.action, want.actor, want.reason)
		}
		if i > 0 && (ev.Source != store.SourceAdmin || ev.RequestID == "") {
			t.Errorf("event %d source %q request id %q, want admin and a request id", i, ev.Source, ev.RequestID)
		}
	}

	_, err = c.Show(ctx, "nobody", false)
	var ae *adminclient.APIError
	if !errors.As(err, &ae) || ae.Status != 404 || ae.Code != "not_found" || strings.Contains(err.Error(), "\n") {
		t.Errorf("Show(unknown) err = %v, want a one-line 404 not_found APIError", err)
	}
	bad, _ := adminclient.New(e.ts.URL, "lct_nope")
	if _, err := bad.List(ctx, support.ListQuery{}); !errors.As(err, &ae) || ae.Status != 401 {
		t.Errorf("List with a bad token err = %v, want 401", err)
	}
	for _, u := range []string{"", "ftp://x", "localhost:8080"} {
		if _, err := adminclient.New(u, "t"); err == nil {
			t.Errorf("adminclient.New(%q) err = nil, want an error", u)
		}
	}
}

func TestAdminRefPathEscaping(t *testing.T) {
	e := newTestEnv(t)
	read := e.token("reader", "read")
	e.newInstance("lic/with slash", "O 1", "C-1", "P1", t0.AddDate(1, 0, 0))
	var d support.Detail
	e.callJSON("GET", "/admin/v1/licenses/"+url.PathEscape("lic/with slash"), read, nil, 200, &d)
	if d.License.ID != "lic/with slash" {
		t.Errorf("get escaped id = %+v", d.License)
	}
}
