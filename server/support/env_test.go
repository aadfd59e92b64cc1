package support

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/licentia/licentia/server/licensing"

	"github.com/licentia/licentia/keys"
	"github.com/licentia/licentia/server/license"
	"github.com/licentia/licentia/server/store"
	"github.com/licentia/licentia/verifier"
)

var t0 = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

// testEnv is a real store over a temp SQLite file, a key ring from a fixed seed and the issuer the server
// would use (issuer "licentia", grace 1h), with a clock the test moves. Licenses enter it as the
// marketplace's callbacks make them: created by license.Create, changed through the Service.
type testEnv struct {
	t     testing.TB
	st    *store.Store
	ring  *keys.Ring
	is    *license.Issuer
	svc   *licensing.Service // inherits the issuer of each license's code, as the local CLI's does
	clock atomic.Int64       // unix nanoseconds
}

func newTestEnv(t testing.TB) *testEnv {
	t.Helper()
	e := &testEnv{t: t}
	e.clock.Store(t0.UnixNano())
	dir := t.TempDir()
	st, err := store.Open(context.Background(), filepath.Join(dir, "db.sqlite"), store.Options{Now: e.now})
	if err != nil {
		t.Fatalf("store.Open() err = %v", err)
	}
	t.Cleanup(func() { st.Close() })
	ring, _, err := keys.InitRing(filepath.Join(dir, "keys"), bytes.NewReader(make([]byte, 32)))
	if err != nil {
		t.Fatalf("InitRing() err = %v", err)
	}
	e.st, e.ring, e.is = st, ring, NewIssuer(ring, "licentia", time.Hour)
	e.svc = e.service(e.is, true)
	return e
}

func (e *testEnv) advance(d time.Duration) { e.clock.Add(int64(d)) }
func (e *testEnv) now() time.Time          { return time.Unix(0, e.clock.Load()).UTC() }

// support returns a Desk over the env's store, as the local CLI builds it.
func (e *testEnv) support() *Desk {
	return New(e.svc, e.ring)
}

// service returns a Service over the env's store signing with is.
func (e *testEnv) service(is *license.Issuer, inherit bool) *licensing.Service {
	svc, err := licensing.New(e.st, licensing.Options{Issuer: is, InheritIssuer: inherit, Now: e.now})
	if err != nil {
		e.t.Fatal(err)
	}
	return svc
}

func cliActor(name string) licensing.Actor {
	return licensing.Actor{Source: store.SourceCLI, Name: name, RequestID: "cli-test"}
}

// market is the delivery of a marketplace callback of activity.
func (e *testEnv) market(activity string) license.Delivery {
	return license.Delivery{At: e.now().Unix(), Source: store.SourceKooGallery, Actor: "koogallery", Activity: activity}
}

// newInstance creates a license as a newInstance callback does and returns its first code.
func (e *testEnv) newInstance(id, order, customer, product string, exp time.Time) string {
	e.t.Helper()
	l, out, err := license.Create(license.License{ID: id, OrderID: order, OrderLineID: order + "-1", Flow: store.FlowInstance,
		ProductID: product, SKU: "S1", CustomerID: customer, ExpiresAt: exp.Unix()}, e.now())
	if err != nil {
		e.t.Fatalf("license.Create() err = %v", err)
	}
	if err := e.is.Sign(&l); err != nil {
		e.t.Fatal(err)
	}
	ev := license.NewEvent(nil, l, out, e.market("newInstance"))
	if _, created, err := e.st.Create(context.Background(), &l, []store.Event{ev}, 0); err != nil || !created {
		e.t.Fatalf("store.Create(%s) = %v, %v; want created", id, created, err)
	}
	return l.Code
}

// change applies a marketplace change to license id through the Service, as the callbacks do.
func (e *testEnv) change(id, activity string, t licensing.Transition) *store.License {
	e.t.Helper()
	l, _, err := e.svc.Change(context.Background(), id, e.market(activity), t)
	if err != nil {
		e.t.Fatalf("Change(%s, %s) err = %v", id, activity, err)
	}
	return l
}

// testCode returns a code signed as the answer to a probe (testFlag=1) of order.
func (e *testEnv) testCode(order string) string {
	e.t.Helper()
	l := license.License{ID: "test-" + order, OrderID: order, Status: license.Active, Generation: 1, Test: true}
	if err := e.is.Sign(&l); err != nil {
		e.t.Fatal(err)
	}
	return l.Code
}

// claims checks the code's signature against the ring and returns its claims.
func (e *testEnv) claims(code string) verifier.Claims {
	e.t.Helper()
	parts := strings.Split(code, ".")
	if len(parts) != 3 {
		e.t.Fatalf("code has %d parts, want 3", len(parts))
	}
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	ok := false
	for _, k := range e.ring.Keys() {
		ok = ok || ed25519.Verify(k.Public, []byte(parts[0]+"."+parts[1]), sig)
	}
	if !ok {
		e.t.Fatalf("code signature does not verify")
	}
	var c verifier.Claims
	if err := json.Unmarshal(payload, &c); err != nil {
		e.t.Fatal(err)
	}
	return c
}

func (e *testEnv) license(ref string) *store.License {
	e.t.Helper()
	l, err := e.st.License(context.Background(), ref)
	if err != nil {
		e.t.Fatalf("License(%s) err = %v", ref, err)
	}
	return l
}

// tamperSignature flips one character in the middle of code's signature.
func tamperSignature(code string) string {
	i := strings.LastIndexByte(code, '.') + 20
	c := byte('A')
	if code[i] == 'A' {
		c = 'B'
	}
	return code[:i] + string(c) + code[i+1:]
}
