package keys

import (
	"crypto/ed25519"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// threeKeyRing returns a ring in a temp dir with keys from seeds 1, 2 and 3 (3 active), and their ids.
func threeKeyRing(t *testing.T) (*Ring, [3]string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "keys")
	r, _, err := InitRing(dir, seed(1))
	if err != nil {
		t.Fatal(err)
	}
	var ids [3]string
	ids[0], _ = r.Active()
	for i, b := range []byte{2, 3} {
		if r, err = r.Rotate(seed(b)); err != nil {
			t.Fatal(err)
		}
		ids[i+1], _ = r.Active()
	}
	return r, ids
}

func keyIDs(ks []Key) []string {
	var out []string
	for _, k := range ks {
		out = append(out, k.ID)
	}
	return out
}

func TestRetire(t *testing.T) {
	r, ids := threeKeyRing(t)
	r2, err := r.Retire(ids[0])
	if err != nil {
		t.Fatalf("Retire(%s) err = %v", ids[0], err)
	}
	for name, ring := range map[string]*Ring{"returned": r2, "reopened": mustOpen(t, r.Dir())} {
		if got := keyIDs(ring.Keys()); len(got) != 2 || got[0] == ids[0] || got[1] == ids[0] {
			t.Errorf("%s ring Keys() = %v, want %v without %s", name, got, ids[1:], ids[0])
		}
		if w := ring.Withdrawn(); len(w) != 1 || w[0].ID != ids[0] || !w[0].Withdrawn || w[0].Public == nil {
			t.Errorf("%s ring Withdrawn() = %v, want %s", name, keyIDs(w), ids[0])
		}
		if _, err := ring.Signer(ids[0]); !errors.Is(err, ErrWithdrawn) {
			t.Errorf("%s ring Signer(withdrawn) err = %v, want %v", name, err, ErrWithdrawn)
		}
		if kid, _ := ring.Active(); kid != ids[2] {
			t.Errorf("%s ring active = %s, want %s", name, kid, ids[2])
		}
		pem, _ := ring.PublicPEM()
		if pubs, err := ParsePublicPEM(pem); err != nil || len(pubs) != 2 {
			t.Errorf("%s ring PublicPEM() = %d keys, %v; want 2", name, len(pubs), err)
		}
	}
	// The private half is gone; the marker is 0600 in the 0700 directory.
	if _, err := os.Stat(filepath.Join(r.Dir(), ids[0]+".pem")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("private key file after Retire: stat err = %v, want it deleted", err)
	}
	st, err := os.Stat(filepath.Join(r.Dir(), ids[0]+".withdrawn"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("marker stat = %v, %v; want mode 0600", st, err)
	}
	if st, _ := os.Stat(r.Dir()); st.Mode().Perm() != 0o700 {
		t.Errorf("ring dir mode = %v, want 0700", st.Mode().Perm())
	}
	// Again: nothing changes.
	if r3, err := r2.Retire(ids[0]); err != nil || len(r3.Keys()) != 2 {
		t.Errorf("Retire(withdrawn) = %v; want no change", err)
	}
}

func TestRetireRefuses(t *testing.T) {
	r, ids := threeKeyRing(t)
	tests := []struct {
		name string
		kid  string
		want error
	}{
		{"active key", ids[2], ErrActiveKey},
		{"unknown key", "0000000000000000", ErrUnknownKey},
		{"empty id", "", ErrUnknownKey},
		{"path", "../keys/" + ids[0], ErrUnknownKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := r.Retire(tt.kid); !errors.Is(err, tt.want) {
				t.Errorf("Retire(%q) err = %v, want %v", tt.kid, err, tt.want)
			}
			if got := keyIDs(mustOpen(t, r.Dir()).Keys()); len(got) != 3 {
				t.Errorf("ring after a refused Retire = %v, want all three keys", got)
			}
		})
	}
}

// TestRetireSurvivesRestoredKey checks that the withdrawal holds when the private key file comes back
// (an interrupted Retire, or a replica's directory copied over without deleting).
func TestRetireSurvivesRestoredKey(t *testing.T) {
	r, ids := threeKeyRing(t)
	priv, err := os.ReadFile(filepath.Join(r.Dir(), ids[1]+".pem"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Retire(ids[1]); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileExclusive(filepath.Join(r.Dir(), ids[1]+".pem"), priv); err != nil {
		t.Fatal(err)
	}
	ring := mustOpen(t, r.Dir())
	if got := keyIDs(ring.Keys()); len(got) != 2 || got[1] == ids[1] || got[0] == ids[1] {
		t.Errorf("Keys() with the key file restored = %v, want %s left out", got, ids[1])
	}
	// Rotating to the withdrawn key again is refused.
	if _, err := ring.Rotate(seed(2)); !errors.Is(err, ErrWithdrawn) {
		t.Errorf("Rotate(withdrawn key) err = %v, want %v", err, ErrWithdrawn)
	}
	// A ring whose active file names a withdrawn key does not open.
	if err := WriteFileAtomic(filepath.Join(r.Dir(), "active"), []byte(ids[1]+"\n")); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenRing(r.Dir()); !errors.Is(err, ErrWithdrawn) {
		t.Errorf("OpenRing(active withdrawn) err = %v, want %v", err, ErrWithdrawn)
	}
}

func TestOpenRingBadMarker(t *testing.T) {
	r, ids := threeKeyRing(t)
	other, _ := Generate(seed(9))
	pub, _ := EncodePublicPEM(other.Public().(ed25519.PublicKey))
	for name, data := range map[string][]byte{"garbage": []byte("not a key"), "another key": pub} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(r.Dir(), ids[0]+".withdrawn")
			os.Remove(path)
			if err := WriteFileExclusive(path, data); err != nil {
				t.Fatal(err)
			}
			if _, err := OpenRing(r.Dir()); err == nil {
				t.Errorf("OpenRing(%s marker) err = nil, want an error", name)
			}
		})
	}
}

func mustOpen(t *testing.T, dir string) *Ring {
	t.Helper()
	r, err := OpenRing(dir)
	if err != nil {
		t.Fatalf("OpenRing() err = %v", err)
	}
	return r
}
