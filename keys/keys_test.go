package keys

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// seed returns a fixed 32-byte reader so tests get reproducible keys.
func seed(b byte) *bytes.Reader { return bytes.NewReader(bytes.Repeat([]byte{b}, 32)) }

func TestKeyID(t *testing.T) {
	priv, err := Generate(seed(0))
	if err != nil {
		t.Fatal(err)
	}
	pub := priv.Public().(ed25519.PublicKey)
	got := KeyID(pub)
	if len(got) != 16 || strings.ToLower(got) != got {
		t.Fatalf("KeyID() = %q, want 16 lowercase hex characters", got)
	}
	if again := KeyID(pub); again != got {
		t.Errorf("KeyID() = %q then %q, want stable", got, again)
	}
	other, _ := Generate(seed(1))
	if KeyID(other.Public().(ed25519.PublicKey)) == got {
		t.Errorf("two keys share a key id")
	}
}

func TestPEMRoundTrip(t *testing.T) {
	priv, _ := Generate(seed(2))
	privPEM, err := EncodePrivatePEM(priv)
	if err != nil || !bytes.Contains(privPEM, []byte("BEGIN PRIVATE KEY")) {
		t.Fatalf("EncodePrivatePEM() = %q, %v", privPEM, err)
	}
	back, err := ParsePrivatePEM(privPEM)
	if err != nil || !back.Equal(priv) {
		t.Fatalf("ParsePrivatePEM() = %v, want the same key", err)
	}
	pubPEM, _ := EncodePublicPEM(priv.Public().(ed25519.PublicKey))
	other, _ := Generate(seed(3))
	otherPEM, _ := EncodePublicPEM(other.Public().(ed25519.PublicKey))
	pubs, err := ParsePublicPEM(append(append([]byte("comment\n"), pubPEM...), otherPEM...))
	if err != nil || len(pubs) != 2 || !pubs[0].Equal(priv.Public()) {
		t.Fatalf("ParsePublicPEM() = %d keys, %v; want 2", len(pubs), err)
	}
}

func TestParseErrors(t *testing.T) {
	if _, err := ParsePrivatePEM([]byte("nothing here")); !errors.Is(err, ErrNoKey) {
		t.Errorf("ParsePrivatePEM(junk) err = %v, want %v", err, ErrNoKey)
	}
	if _, err := ParsePublicPEM(nil); !errors.Is(err, ErrNoKey) {
		t.Errorf("ParsePublicPEM(nil) err = %v, want %v", err, ErrNoKey)
	}
	bad := []byte("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")
	if _, err := ParsePublicPEM(bad); err == nil {
		t.Errorf("ParsePublicPEM(corrupt) err = nil, want an error")
	}
}

func TestRing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	if _, err := OpenRing(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("OpenRing(missing) err = %v, want fs.ErrNotExist", err)
	}
	r, created, err := InitRing(dir, seed(4))
	if err != nil || !created {
		t.Fatalf("InitRing() = %v, %v; want created", created, err)
	}
	kid1, signer := r.Active()
	if KeyID(signer.Public().(ed25519.PublicKey)) != kid1 {
		t.Errorf("active signer does not match its key id")
	}
	st, _ := os.Stat(dir)
	if st.Mode().Perm() != 0o700 {
		t.Errorf("ring dir mode = %v, want 0700", st.Mode().Perm())
	}
	st, _ = os.Stat(filepath.Join(dir, kid1+".pem"))
	if st.Mode().Perm() != 0o600 {
		t.Errorf("key file mode = %v, want 0600", st.Mode().Perm())
	}
	if _, created, err := InitRing(dir, seed(5)); err != nil || created {
		t.Errorf("InitRing(existing) = %v, %v; want the existing ring", created, err)
	}
	r2, err := r.Rotate(seed(6))
	if err != nil {
		t.Fatal(err)
	}
	kid2, _ := r2.Active()
	if kid2 == kid1 || len(r2.Keys()) != 2 {
		t.Fatalf("after Rotate: active %s, %d keys; want a new active key and 2 keys", kid2, len(r2.Keys()))
	}
	if _, err := r2.Signer(kid1); err != nil {
		t.Errorf("retired key not in ring: %v", err)
	}
	if _, err := r2.Signer("0000000000000000"); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("Signer(unknown) err = %v, want %v", err, ErrUnknownKey)
	}
	reopened, err := OpenRing(dir)
	if err != nil {
		t.Fatal(err)
	}
	if k, _ := reopened.Active(); k != kid2 {
		t.Errorf("reopened active = %s, want %s", k, kid2)
	}
	// The same key again is never written over an existing file.
	if _, err := r2.Rotate(seed(6)); !errors.Is(err, ErrExists) {
		t.Errorf("Rotate(same key) err = %v, want %v", err, ErrExists)
	}
	pemAll, _ := reopened.PublicPEM()
	if pubs, err := ParsePublicPEM(pemAll); err != nil || len(pubs) != 2 {
		t.Errorf("PublicPEM() holds %d keys, %v; want 2", len(pubs), err)
	}
}

func TestRingRejectsMisnamedKey(t *testing.T) {
	dir := t.TempDir()
	priv, _ := Generate(seed(7))
	data, _ := EncodePrivatePEM(priv)
	if err := WriteFileExclusive(filepath.Join(dir, "0123456789abcdef.pem"), data); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenRing(dir); err == nil {
		t.Errorf("OpenRing(misnamed key) err = nil, want an error")
	}
}
