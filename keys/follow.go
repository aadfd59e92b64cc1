package keys

import (
	"crypto"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// DefaultFollowEvery is how often a following ring looks at its directory unless FollowOptions says
// otherwise: a rotation reaches a running server within it.
const DefaultFollowEvery = time.Second

// FollowOptions tune Follow.
type FollowOptions struct {
	// Every is the least time between two looks at the directory (default DefaultFollowEvery).
	Every time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Changed, when set, is called after the ring was reread because the directory changed, with the
	// id of the key that now signs, or with the error that kept the ring as it was (each distinct error
	// once). It must not call the ring.
	Changed func(activeKey string, err error)
}

// follower is what a following ring needs to notice changes of its directory.
type follower struct {
	every   time.Duration
	now     func() time.Time
	changed func(string, error)

	mu      sync.Mutex // held while the directory is read: one reader at a time
	last    time.Time  // when the directory was last looked at; guarded by mu
	lastErr string     // the last error passed to changed; guarded by mu
}

// Follow returns a ring on r's directory that notices changes made there by other processes (licentia
// keys rotate and retire): at most once per opt.Every, a method of the ring lists the directory and reads
// the active file (one directory read and one small file read), and rereads the ring when either
// changed. A ring that cannot be read (a key file still being written, a broken file) is kept as it was
// and read again at the next look. SigningKey also checks, on every call, that the active key has not
// been withdrawn since the last look.
func (r *Ring) Follow(opt FollowOptions) *Ring {
	if opt.Every <= 0 {
		opt.Every = DefaultFollowEvery
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Changed == nil {
		opt.Changed = func(string, error) {}
	}
	f := &Ring{dir: r.dir, follow: &follower{every: opt.Every, now: opt.Now, changed: opt.Changed, last: opt.Now()}}
	f.state.Store(r.state.Load())
	return f
}

// look rereads r's directory when it changed: when the last look is at least every ago (or the clock
// went back), or at once when force is set. Without force, a caller that finds another look under way
// goes on with the current state instead of waiting.
func (f *follower) look(r *Ring, force bool) {
	if force {
		f.mu.Lock()
	} else if !f.mu.TryLock() {
		return
	}
	defer f.mu.Unlock()
	now := f.now()
	if d := now.Sub(f.last); !force && d >= 0 && d < f.every {
		return
	}
	f.last = now
	old := r.state.Load()
	_, _, stamp, err := listRing(r.dir)
	if err == nil && stamp == old.stamp {
		return
	}
	var st *ringState
	if err == nil {
		st, err = readRing(r.dir)
	}
	if err != nil {
		if msg := err.Error(); msg != f.lastErr {
			f.lastErr = msg
			f.changed("", err)
		}
		return
	}
	st.version = old.version + 1
	r.state.Store(st)
	f.lastErr = ""
	f.changed(st.keys[st.active].ID, nil)
}

// Version counts the times a following ring was reread because its directory changed; it is 0 for a
// ring that does not follow. Whatever a caller derives from Keys stays current while Version is the same.
func (r *Ring) Version() uint64 { return r.current().version }

// SigningKey returns the id and signer of the key that signs new codes, after checking on disk that it
// has not been withdrawn ("<kid>.withdrawn" exists; one stat per call): a following ring then rereads the
// directory at once and returns the active key it names now. It returns an error wrapping ErrWithdrawn
// when the key it would sign with is withdrawn (for a ring that does not follow: whenever its active key
// has been withdrawn since it was opened), or the error of the check; it never returns a key the
// directory has withdrawn.
func (r *Ring) SigningKey() (string, crypto.Signer, error) {
	for attempt := 0; ; attempt++ {
		st := r.current()
		k := st.keys[st.active]
		_, err := os.Lstat(filepath.Join(r.dir, k.ID+withdrawnSuffix))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return k.ID, k.priv, nil
		case err != nil:
			return "", nil, fmt.Errorf("signing key %s: %w", k.ID, err)
		case r.follow == nil || attempt > 0:
			return "", nil, fmt.Errorf("signing key %s: %w; the key ring in %s no longer has it", k.ID, ErrWithdrawn, r.dir)
		}
		r.follow.look(r, true)
	}
}
