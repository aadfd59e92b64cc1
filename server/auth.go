package server

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/licentia/licentia/server/store"
	"github.com/licentia/licentia/server/support"
)

type tokenKey struct{}

// authenticate is the admin API's middleware: it requires "Authorization: Bearer <token>" with a live
// token and puts the token in the request's context.
func (a *adminAPI) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		if !strings.EqualFold(scheme, "Bearer") || tok == "" {
			a.s.fail(w, r, fmt.Errorf("%w: send Authorization: Bearer <token>", support.ErrUnauthorized))
			return
		}
		t, err := support.Authenticate(r.Context(), a.s.st, strings.TrimSpace(tok))
		if err != nil {
			a.s.fail(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), tokenKey{}, t)))
	})
}

// requireSupport lets only support tokens through.
func (a *adminAPI) requireSupport(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := allow(r.Context(), store.RoleSupport); err != nil {
			a.s.fail(w, r, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// allow returns an error wrapping ErrForbidden unless the request's token has role (support tokens can
// do everything read tokens can).
func allow(ctx context.Context, role string) error {
	t, _ := ctx.Value(tokenKey{}).(*store.Token)
	if t == nil {
		return support.ErrUnauthorized
	}
	if role == store.RoleSupport && t.Role != store.RoleSupport {
		return fmt.Errorf("%w: token %q has role %s; this needs %s", ErrForbidden, t.Name, t.Role, store.RoleSupport)
	}
	return nil
}

// tokenOf returns the request's authenticated token.
func tokenOf(ctx context.Context) *store.Token {
	t, _ := ctx.Value(tokenKey{}).(*store.Token)
	return t
}
