package keys

import (
	"crypto"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// File names inside a ring directory: one "<kid>.pem" PKCS#8 file per key, an "active" file naming
// the key that signs new codes, and one "<kid>.withdrawn" file (the public key as PEM) per withdrawn key.
const (
	keySuffix       = ".pem"
	withdrawnSuffix = ".withdrawn"
	activeFile      = "active"
)

// Key is one key of a ring.
type Key struct {
	// ID is the key id (see KeyID).
	ID string
	// Public is the public half.
	Public ed25519.PublicKey
	// Active is true for the key that signs new codes.
	Active bool
	// Withdrawn is true for a key taken out of use by Ring.Retire: it neither signs nor verifies.
	Withdrawn bool
	// Created is the modification time of the key file; for a withdrawn key, the time it was withdrawn.
	Created time.Time
	priv    ed25519.PrivateKey
}

// Ring is the set of signing keys in one directory: one active key that signs, retired keys (rotated
// out by Rotate) whose codes still verify, and withdrawn keys (taken out by Retire, after a compromise)
// whose codes no longer verify. A Ring is read-only after it is opened and safe for concurrent use;
// Rotate and Retire change the directory and return a new Ring.
type Ring struct {
	dir       string
	keys      []Key // the keys that verify, sorted by creation time, oldest first
	active    int
	withdrawn []Key // sorted by withdrawal time
}

// OpenRing reads the key ring in dir. It returns an error wrapping fs.ErrNotExist when the directory
// holds no key.
func OpenRing(dir string) (*Ring, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("open key ring: %w", err)
	}
	r := &Ring{dir: dir, active: -1}
	withdrawn := map[string]bool{}
	for _, e := range entries {
		if name := e.Name(); !e.IsDir() && strings.HasSuffix(name, withdrawnSuffix) {
			k, err := readWithdrawn(filepath.Join(dir, name))
			if err != nil {
				return nil, err
			}
			withdrawn[k.ID] = true
			r.withdrawn = append(r.withdrawn, k)
		}
	}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, keySuffix) {
			continue
		}
		k, err := readKey(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		if k.ID+keySuffix != name {
			return nil, fmt.Errorf("open key ring: %s holds key %s, not the key its name says", name, k.ID)
		}
		if withdrawn[k.ID] {
			continue // Retire stopped between writing the marker and removing the key: the marker wins
		}
		r.keys = append(r.keys, k)
	}
	if len(r.keys) == 0 {
		return nil, fmt.Errorf("open key ring %s: no key: %w", dir, fs.ErrNotExist)
	}
	sortKeys(r.keys)
	sortKeys(r.withdrawn)
	want, err := os.ReadFile(filepath.Join(dir, activeFile))
	switch {
	case err == nil:
		id := strings.TrimSpace(string(want))
		for i := range r.keys {
			if r.keys[i].ID == id {
				r.active = i
			}
		}
		if r.active < 0 && withdrawn[id] {
			return nil, fmt.Errorf("open key ring: active key %q: %w", id, ErrWithdrawn)
		}
		if r.active < 0 {
			return nil, fmt.Errorf("open key ring: active key %q: %w", id, ErrUnknownKey)
		}
	case errors.Is(err, fs.ErrNotExist):
		r.active = len(r.keys) - 1 // newest
	default:
		return nil, fmt.Errorf("open key ring: %w", err)
	}
	r.keys[r.active].Active = true
	return r, nil
}

// InitRing opens the ring in dir, creating the directory (0700) and a first key (0600) drawn from rand
// when it holds none. created reports whether a key was made.
func InitRing(dir string, rand io.Reader) (r *Ring, created bool, err error) {
	r, err = OpenRing(dir)
	if err == nil {
		return r, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, false, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, false, fmt.Errorf("create key ring: %w", err)
	}
	if _, err := addKey(dir, rand); err != nil {
		return nil, false, err
	}
	r, err = OpenRing(dir)
	return r, err == nil, err
}

// Rotate writes a new key drawn from rand into the ring's directory and makes it the active key; the old
// keys stay and keep verifying. It returns the new ring.
func (r *Ring) Rotate(rand io.Reader) (*Ring, error) {
	if _, err := addKey(r.dir, rand); err != nil {
		return nil, err
	}
	return OpenRing(r.dir)
}

// Retire withdraws the key kid after a compromise: codes it signed stop verifying against the ring, it
// leaves Keys, PublicPEM and every JWKS made from them, and it can never sign again. Its private half is
// deleted; its public half stays as "<kid>.withdrawn" (mode 0600) so that the ring remembers the
// withdrawal, also when an old copy of "<kid>.pem" comes back. Retiring a withdrawn key again changes
// nothing. It returns the new ring, ErrActiveKey for the active key (rotate first), or ErrUnknownKey.
// Servers that opened the ring before keep using their copy until they restart.
func (r *Ring) Retire(kid string) (*Ring, error) {
	for _, k := range r.withdrawn {
		if k.ID == kid {
			return OpenRing(r.dir)
		}
	}
	i := r.index(kid)
	switch {
	case i < 0:
		return nil, fmt.Errorf("retire %q: %w", kid, ErrUnknownKey)
	case i == r.active:
		return nil, fmt.Errorf("retire %s: %w; rotate to a new key first", kid, ErrActiveKey)
	}
	pub, err := EncodePublicPEM(r.keys[i].Public)
	if err != nil {
		return nil, err
	}
	marker := filepath.Join(r.dir, kid+withdrawnSuffix)
	if err := WriteFileExclusive(marker, pub); err != nil && !errors.Is(err, ErrExists) {
		return nil, fmt.Errorf("retire %s: %w", kid, err)
	}
	if err := syncDir(r.dir); err != nil {
		return nil, fmt.Errorf("retire %s: %w", kid, err)
	}
	if err := os.Remove(filepath.Join(r.dir, kid+keySuffix)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("retire %s: %w", kid, err)
	}
	if err := syncDir(r.dir); err != nil {
		return nil, fmt.Errorf("retire %s: %w", kid, err)
	}
	return OpenRing(r.dir)
}

// Withdrawn returns the keys taken out of use by Retire, public halves only, in the order they were
// withdrawn.
func (r *Ring) Withdrawn() []Key {
	return append([]Key(nil), r.withdrawn...)
}

func (r *Ring) index(kid string) int {
	for i, k := range r.keys {
		if k.ID == kid {
			return i
		}
	}
	return -1
}

// Dir returns the ring's directory.
func (r *Ring) Dir() string { return r.dir }

// Active returns the id and signer of the key that signs new codes. The signer is a crypto.Signer so that
// a KMS or HSM key can take its place.
func (r *Ring) Active() (string, crypto.Signer) {
	k := r.keys[r.active]
	return k.ID, k.priv
}

// Keys returns every key of the ring that verifies (the active key and the retired ones, not the
// withdrawn ones), oldest first, without the private halves.
func (r *Ring) Keys() []Key {
	out := make([]Key, len(r.keys))
	for i, k := range r.keys {
		k.priv = nil
		out[i] = k
	}
	return out
}

// Signer returns the signer of the key with id kid, ErrWithdrawn for a withdrawn key, or ErrUnknownKey.
func (r *Ring) Signer(kid string) (crypto.Signer, error) {
	if i := r.index(kid); i >= 0 {
		return r.keys[i].priv, nil
	}
	for _, k := range r.withdrawn {
		if k.ID == kid {
			return nil, ErrWithdrawn
		}
	}
	return nil, ErrUnknownKey
}

// PublicPEM returns the public key of every key in Keys as concatenated PEM blocks, oldest first.
func (r *Ring) PublicPEM() ([]byte, error) {
	var out []byte
	for _, k := range r.keys {
		b, err := EncodePublicPEM(k.Public)
		if err != nil {
			return nil, err
		}
		out = append(out, b...)
	}
	return out, nil
}

func readKey(path string) (Key, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Key{}, fmt.Errorf("read key: %w", err)
	}
	priv, err := ParsePrivatePEM(data)
	if err != nil {
		return Key{}, fmt.Errorf("read key %s: %w", filepath.Base(path), err)
	}
	st, err := os.Stat(path)
	if err != nil {
		return Key{}, fmt.Errorf("read key: %w", err)
	}
	pub := priv.Public().(ed25519.PublicKey)
	return Key{ID: KeyID(pub), Public: pub, Created: st.ModTime(), priv: priv}, nil
}

// readWithdrawn reads the public key of a "<kid>.withdrawn" marker.
func readWithdrawn(path string) (Key, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Key{}, fmt.Errorf("read withdrawn key: %w", err)
	}
	pubs, err := ParsePublicPEM(data)
	if err != nil {
		return Key{}, fmt.Errorf("read withdrawn key %s: %w", filepath.Base(path), err)
	}
	if len(pubs) != 1 {
		return Key{}, fmt.Errorf("read withdrawn key %s: %d public keys, want 1", filepath.Base(path), len(pubs))
	}
	st, err := os.Stat(path)
	if err != nil {
		return Key{}, fmt.Errorf("read withdrawn key: %w", err)
	}
	k := Key{ID: KeyID(pubs[0]), Public: pubs[0], Withdrawn: true, Created: st.ModTime()}
	if k.ID+withdrawnSuffix != filepath.Base(path) {
		return Key{}, fmt.Errorf("open key ring: %s holds key %s, not the key its name says", filepath.Base(path), k.ID)
	}
	return k, nil
}

func sortKeys(ks []Key) {
	sort.SliceStable(ks, func(i, j int) bool {
		if !ks[i].Created.Equal(ks[j].Created) {
			return ks[i].Created.Before(ks[j].Created)
		}
		return ks[i].ID < ks[j].ID
	})
}

// syncDir flushes the directory entry changes of dir to disk.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// addKey generates a key, writes it with O_EXCL and mode 0600, then points the active file at it. A key
// once withdrawn is never written back (ErrWithdrawn).
func addKey(dir string, rand io.Reader) (string, error) {
	priv, err := Generate(rand)
	if err != nil {
		return "", err
	}
	data, err := EncodePrivatePEM(priv)
	if err != nil {
		return "", err
	}
	kid := KeyID(priv.Public().(ed25519.PublicKey))
	if _, err := os.Stat(filepath.Join(dir, kid+withdrawnSuffix)); err == nil {
		return "", fmt.Errorf("add key %s: %w", kid, ErrWithdrawn)
	}
	if err := WriteFileExclusive(filepath.Join(dir, kid+keySuffix), data); err != nil {
		return "", err
	}
	if err := WriteFileAtomic(filepath.Join(dir, activeFile), []byte(kid+"\n")); err != nil {
		return "", err
	}
	return kid, nil
}

// WriteFileExclusive creates path with mode 0600 and writes data to it, synced to disk. It never
// overwrites: an existing file gives ErrExists.
func WriteFileExclusive(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("write %s: %w", filepath.Base(path), ErrExists)
	}
	if err != nil {
		return fmt.Errorf("write key: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write key: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("write key: %w", err)
	}
	return f.Close()
}

// WriteFileAtomic replaces path with data (mode 0600) through a synced temporary file in the same
// directory and a rename, so a reader sees the old content or the new, never a mix.
func WriteFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	defer os.Remove(tmp.Name())
	err = tmp.Chmod(0o600)
	if err == nil {
		_, err = tmp.Write(data)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	return nil
}
