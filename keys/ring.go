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
	"sync/atomic"
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
// whose codes no longer verify. A Ring is safe for concurrent use. A ring from OpenRing or InitRing is
// the directory as it was read; one from Follow rereads the directory when it changes (see Follow).
// Rotate and Retire change the directory and return a new Ring.
type Ring struct {
	dir    string
	state  atomic.Pointer[ringState]
	follow *follower // nil: the ring keeps the state it was opened with
}

// ringState is the content of a ring directory as read at one moment.
type ringState struct {
	keys      []Key // the keys that verify, sorted by creation time, oldest first
	active    int
	withdrawn []Key // sorted by withdrawal time
	// stamp is the directory's key and marker names and the active file's content when it was read:
	// a change of either is a change of the ring.
	stamp   string
	version uint64
}

// OpenRing reads the key ring in dir. It returns an error wrapping fs.ErrNotExist when the directory
// holds no key.
func OpenRing(dir string) (*Ring, error) {
	st, err := readRing(dir)
	if err != nil {
		return nil, err
	}
	r := &Ring{dir: dir}
	r.state.Store(st)
	return r, nil
}

// readRing reads the ring directory dir.
func readRing(dir string) (*ringState, error) {
	entries, active, stamp, err := listRing(dir)
	if err != nil {
		return nil, err
	}
	r := &ringState{active: -1, stamp: stamp}
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
	if active != nil {
		id := strings.TrimSpace(string(active))
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
	} else {
		r.active = len(r.keys) - 1 // newest
	}
	r.keys[r.active].Active = true
	return r, nil
}

// listRing lists the ring directory dir: its entries, the content of its active file (nil when there is
// none) and the stamp of both (see ringState).
func listRing(dir string) (entries []os.DirEntry, active []byte, stamp string, err error) {
	entries, err = os.ReadDir(dir)
	if err != nil {
		return nil, nil, "", fmt.Errorf("open key ring: %w", err)
	}
	active, err = os.ReadFile(filepath.Join(dir, activeFile))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		active = nil
	case err != nil:
		return nil, nil, "", fmt.Errorf("open key ring: %w", err)
	case active == nil:
		active = []byte{}
	}
	var b strings.Builder
	for _, e := range entries {
		if name := e.Name(); strings.HasSuffix(name, keySuffix) || strings.HasSuffix(name, withdrawnSuffix) {
			b.WriteString(name)
			b.WriteByte('/')
		}
	}
	if active != nil {
		b.WriteString(activeFile + "=")
		b.Write(active)
	}
	return entries, active, b.String(), nil
}

// current returns the ring's state, reread first when the ring follows its directory and a look is due.
func (r *Ring) current() *ringState {
	if r.follow != nil {
		r.follow.look(r, false)
	}
	return r.state.Load()
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
// A ring that follows the directory (Follow) stops signing with the key at once (see SigningKey) and
// drops it from Keys within its check interval; a ring opened before and not following keeps its copy.
func (r *Ring) Retire(kid string) (*Ring, error) {
	st := r.current()
	for _, k := range st.withdrawn {
		if k.ID == kid {
			return OpenRing(r.dir)
		}
	}
	i := st.index(kid)
	switch {
	case i < 0:
		return nil, fmt.Errorf("retire %q: %w", kid, ErrUnknownKey)
	case i == st.active:
		return nil, fmt.Errorf("retire %s: %w; rotate to a new key first", kid, ErrActiveKey)
	}
	pub, err := EncodePublicPEM(st.keys[i].Public)
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
	return append([]Key(nil), r.current().withdrawn...)
}

func (st *ringState) index(kid string) int {
	for i, k := range st.keys {
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
// It does not look at the directory for a withdrawal; a server signs through SigningKey.
func (r *Ring) Active() (string, crypto.Signer) {
	st := r.current()
	k := st.keys[st.active]
	return k.ID, k.priv
}

// Keys returns every key of the ring that verifies (the active key and the retired ones, not the
// withdrawn ones), oldest first, without the private halves.
func (r *Ring) Keys() []Key {
	st := r.current()
	out := make([]Key, len(st.keys))
	for i, k := range st.keys {
		k.priv = nil
		out[i] = k
	}
	return out
}

// Signer returns the signer of the key with id kid, ErrWithdrawn for a withdrawn key, or ErrUnknownKey.
func (r *Ring) Signer(kid string) (crypto.Signer, error) {
	st := r.current()
	if i := st.index(kid); i >= 0 {
		return st.keys[i].priv, nil
	}
	for _, k := range st.withdrawn {
		if k.ID == kid {
			return nil, ErrWithdrawn
		}
	}
	return nil, ErrUnknownKey
}

// PublicPEM returns the public key of every key in Keys as concatenated PEM blocks, oldest first.
func (r *Ring) PublicPEM() ([]byte, error) {
	var out []byte
	for _, k := range r.current().keys {
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
