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

// File names inside a ring directory: one "<kid>.pem" PKCS#8 file per key and an "active" file naming
// the key that signs new codes.
const (
	keySuffix  = ".pem"
	activeFile = "active"
)

// Key is one key of a ring.
type Key struct {
	// ID is the key id (see KeyID).
	ID string
	// Public is the public half.
	Public ed25519.PublicKey
	// Active is true for the key that signs new codes.
	Active bool
	// Created is the modification time of the key file.
	Created time.Time
	priv    ed25519.PrivateKey
}

// Ring is the set of signing keys in one directory: one active key that signs, and retired keys whose
// codes still verify. A Ring is read-only after it is opened and safe for concurrent use; Rotate writes a
// new key to disk and returns a new Ring.
type Ring struct {
	dir    string
	keys   []Key // sorted by creation time, oldest first
	active int
}

// OpenRing reads the key ring in dir. It returns an error wrapping fs.ErrNotExist when the directory
// holds no key.
func OpenRing(dir string) (*Ring, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("open key ring: %w", err)
	}
	r := &Ring{dir: dir, active: -1}
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
		r.keys = append(r.keys, k)
	}
	if len(r.keys) == 0 {
		return nil, fmt.Errorf("open key ring %s: no key: %w", dir, fs.ErrNotExist)
	}
	sort.SliceStable(r.keys, func(i, j int) bool {
		if !r.keys[i].Created.Equal(r.keys[j].Created) {
			return r.keys[i].Created.Before(r.keys[j].Created)
		}
		return r.keys[i].ID < r.keys[j].ID
	})
	want, err := os.ReadFile(filepath.Join(dir, activeFile))
	switch {
	case err == nil:
		id := strings.TrimSpace(string(want))
		for i := range r.keys {
			if r.keys[i].ID == id {
				r.active = i
			}
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

// Dir returns the ring's directory.
func (r *Ring) Dir() string { return r.dir }

// Active returns the id and signer of the key that signs new codes. The signer is a crypto.Signer so that
// a KMS or HSM key can take its place.
func (r *Ring) Active() (string, crypto.Signer) {
	k := r.keys[r.active]
	return k.ID, k.priv
}

// Keys returns every key in the ring, oldest first, without the private halves.
func (r *Ring) Keys() []Key {
	out := make([]Key, len(r.keys))
	for i, k := range r.keys {
		k.priv = nil
		out[i] = k
	}
	return out
}

// Signer returns the signer of the key with id kid, or ErrUnknownKey.
func (r *Ring) Signer(kid string) (crypto.Signer, error) {
	for _, k := range r.keys {
		if k.ID == kid {
			return k.priv, nil
		}
	}
	return nil, ErrUnknownKey
}

// PublicPEM returns every public key of the ring as concatenated PEM blocks, oldest first.
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

// addKey generates a key, writes it with O_EXCL and mode 0600, then points the active file at it.
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
