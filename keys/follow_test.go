package keys

import (
	"crypto/ed25519"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// fakeClock is a clock a test moves by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *fakeClock) advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// TestFollow checks a following ring against changes another process makes to its directory: a rotation
// shows after the check interval, not before; a withdrawal never lets SigningKey return the withdrawn key;
// a directory that cannot be read keeps the ring and is reported once.
func TestFollow(t *testing.T) {
	r, ids := threeKeyRing(t)
	clock := &fakeClock{t: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}
	var changes []string
	var errs []error
	f := r.Follow(FollowOptions{Every: time.Second, Now: clock.now, Changed: func(kid string, err error) {
		if err != nil {
			errs = append(errs, err)
			return
		}
		changes = append(changes, kid)
	}})
	signing := func() string {
		t.Helper()
		kid, signer, err := f.SigningKey()
		if err != nil || signer == nil {
			t.Fatalf("SigningKey() = %s, %v, %v; want a key", kid, signer, err)
		}
		return kid
	}
	if kid := signing(); kid != ids[2] || f.Version() != 0 {
		t.Fatalf("SigningKey() = %s, version %d; want %s, 0", kid, f.Version(), ids[2])
	}

	// Another process rotates: seen after the interval.
	other, err := mustOpen(t, r.Dir()).Rotate(seed(4))
	if err != nil {
		t.Fatal(err)
	}
	fourth, _ := other.Active()
	clock.advance(999 * time.Millisecond)
	if kid := signing(); kid != ids[2] {
		t.Errorf("SigningKey() before the interval = %s, want %s (no look yet)", kid, ids[2])
	}
	clock.advance(time.Millisecond)
	if kid := signing(); kid != fourth || f.Version() != 1 || len(f.Keys()) != 4 {
		t.Errorf("SigningKey() after the interval = %s, version %d, %d keys; want %s, 1, 4", kid, f.Version(), len(f.Keys()), fourth)
	}
	if len(changes) != 1 || changes[0] != fourth {
		t.Errorf("Changed calls = %v, want [%s]", changes, fourth)
	}

	// Another process rotates and withdraws the key f signs with, within one interval: SigningKey
	// notices at once.
	if other, err = other.Rotate(seed(5)); err != nil {
		t.Fatal(err)
	}
	fifth, _ := other.Active()
	if _, err := other.Retire(fourth); err != nil {
		t.Fatal(err)
	}
	if kid, _ := f.Active(); kid != fourth {
		t.Fatalf("Active() within the interval = %s, want %s (no look yet)", kid, fourth)
	}
	if kid := signing(); kid != fifth {
		t.Errorf("SigningKey() right after %s was withdrawn = %s, want %s", fourth, kid, fifth)
	}
	if got := keyIDs(f.Keys()); len(got) != 4 || got[3] != fifth {
		t.Errorf("Keys() after the withdrawal = %v, want 4 keys without %s", got, fourth)
	}

	// A key file that cannot be read: the ring stays as it was, reported once, and is read again once
	// the file is whole.
	broken := filepath.Join(r.Dir(), "0000000000000000.pem")
	if err := os.WriteFile(broken, []byte("-----BEGIN PRIVATE KEY-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		clock.advance(time.Second)
		if kid := signing(); kid != fifth {
			t.Errorf("SigningKey() with a broken key file = %s, want %s", kid, fifth)
		}
	}
	if len(errs) != 1 {
		t.Errorf("Changed got %d errors for one broken file, want 1: %v", len(errs), errs)
	}
	os.Remove(broken)
	if other, err = other.Rotate(seed(6)); err != nil {
		t.Fatal(err)
	}
	sixth, _ := other.Active()
	clock.advance(time.Second)
	if kid := signing(); kid != sixth {
		t.Errorf("SigningKey() after the file was removed = %s, want %s", kid, sixth)
	}

	// The active key withdrawn and the active file naming it: nothing signs.
	priv, err := os.ReadFile(filepath.Join(r.Dir(), sixth+".pem"))
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteFileExclusive(filepath.Join(r.Dir(), sixth+".withdrawn"), mustPublicPEM(t, priv)); err != nil {
		t.Fatal(err)
	}
	if kid, _, err := f.SigningKey(); !errors.Is(err, ErrWithdrawn) {
		t.Errorf("SigningKey() with the active key withdrawn = %s, %v; want %v", kid, err, ErrWithdrawn)
	}
}

// TestSigningKeyStatic: a ring that does not follow its directory refuses to sign once its active key
// is withdrawn there.
func TestSigningKeyStatic(t *testing.T) {
	r, ids := threeKeyRing(t)
	if kid, _, err := r.SigningKey(); err != nil || kid != ids[2] {
		t.Fatalf("SigningKey() = %s, %v; want %s", kid, err, ids[2])
	}
	next, err := mustOpen(t, r.Dir()).Rotate(seed(4))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := next.Retire(ids[2]); err != nil {
		t.Fatal(err)
	}
	if kid, _, err := r.SigningKey(); !errors.Is(err, ErrWithdrawn) {
		t.Errorf("SigningKey() of a ring whose key was withdrawn on disk = %s, %v; want %v", kid, err, ErrWithdrawn)
	}
	if r.Version() != 0 {
		t.Errorf("Version() of a ring that does not follow = %d, want 0", r.Version())
	}
}

func mustPublicPEM(t *testing.T, privPEM []byte) []byte {
	t.Helper()
	priv, err := ParsePrivatePEM(privPEM)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := EncodePublicPEM(priv.Public().(ed25519.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	return pub
}
