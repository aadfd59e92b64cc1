package verifier

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/licentia/licentia/keys"
)

// StateFormat is the "format" member of every state file; a file without it is not a licentia state
// file and is refused.
const StateFormat = "licentia-verifier-state/1"

// stateWriteEvery is how far, in seconds, the trusted time must advance before an otherwise unchanged
// state is written again. It is far below the rollback tolerance.
const stateWriteEvery = 60

// maxStateLen bounds the state file read by OpenState.
const maxStateLen = 16 << 20

// State is the verifier's memory between runs, kept in one small JSON file: the latest trusted time seen,
// the issue time of the newest revocation list seen and, per license, the lowest generation still
// acceptable (the newest generation seen, or the revocation list's min_gen when higher). It lets an
// offline verifier notice a clock set back, an older code put back after a renewal, freeze or
// revocation, and an older revocation list put back in place of a newer one.
//
// The file is a speed bump, not a secret: whoever can delete or edit it resets it. Keep it where the
// licensed software, not its users, can write. One process should own a state file; a State is safe for
// concurrent use within that process.
type State struct {
	path    string
	mu      sync.Mutex
	seen    int64            // latest trusted unix time
	listIat int64            // iat of the newest revocation list seen; 0 if none
	minGen  map[string]int64 // license id → lowest acceptable generation
	written int64            // seen as last written; -1 if never written
}

// stateFile is the on-disk form. ListIat is omitted while no list has been seen, so such a file reads
// exactly as before the member existed.
type stateFile struct {
	Format  string           `json:"format"`
	Seen    int64            `json:"seen"`
	ListIat int64            `json:"list_iat,omitempty"`
	MinGen  map[string]int64 `json:"min_gen"`
}

// OpenState reads the state file at path. A missing file gives an empty state, created on first write;
// an unreadable, empty, corrupt or foreign file gives an error wrapping ErrState (delete the file to
// start afresh). The file is written, atomically and with mode 0600, by the verifications that change it.
func OpenState(path string) (*State, error) {
	s := &State{path: path, minGen: map[string]int64{}, written: -1}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrState, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxStateLen+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrState, err)
	}
	if err := s.decode(data); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrState, filepath.Base(path), err)
	}
	s.written = s.seen
	return s, nil
}

func (s *State) decode(data []byte) error {
	if len(data) > maxStateLen {
		return errors.New("larger than a state file can be")
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return errors.New("file is empty (delete it to start afresh)")
	}
	var sf stateFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&sf); err != nil {
		return fmt.Errorf("not a licentia state file: %w", err)
	}
	if dec.More() {
		return errors.New("not a licentia state file: trailing data")
	}
	if sf.Format != StateFormat {
		return fmt.Errorf("not a licentia state file: format %q, want %q", sf.Format, StateFormat)
	}
	if sf.Seen < 0 || sf.ListIat < 0 {
		return fmt.Errorf("corrupt: seen %d, list_iat %d", sf.Seen, sf.ListIat)
	}
	for id, g := range sf.MinGen {
		if id == "" || g < 1 {
			return fmt.Errorf("corrupt: min_gen entry %q: %d", id, g)
		}
		s.minGen[id] = g
	}
	s.seen, s.listIat = sf.Seen, sf.ListIat
	return nil
}

// Seen returns the latest trusted unix time the state has recorded.
func (s *State) Seen() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seen
}

// ListIssuedAt returns the "iat" of the newest revocation list the state has seen with a code (0 if
// none). A list older than that is refused (ErrStaleList); compare with it before replacing a saved list.
func (s *State) ListIssuedAt() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.listIat
}

// MinGeneration returns the lowest generation of license id the state still accepts (0 if none is
// recorded).
func (s *State) MinGeneration(id string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.minGen[id]
}

// observe checks the authentic claims c at unix time now against the state, records what they teach
// (trusted times: now, c's iat and the list's iat; generations: c's and the list's min_gen for c's
// license; the list's iat as the newest list seen) and writes the file when that changed it. A list
// older than the newest seen teaches nothing. observe returns the lowest acceptable generation of c's
// license as known before c and, when l is older than a list already seen, that list's iat (else 0); or
// ErrClockRollback, or ErrState when the file cannot be written.
func (s *State) observe(c *Claims, l *RevocationList, now, tolerance int64) (prevMin, newerList int64, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	prevMin = s.minGen[c.LicenseID]
	trusted := max(s.seen, c.IssuedAt)
	newMin := max(prevMin, c.Generation)
	listIat := s.listIat
	if l != nil && l.IssuedAt < s.listIat {
		newerList = s.listIat
	} else if l != nil {
		trusted = max(trusted, l.IssuedAt)
		newMin = max(newMin, l.MinGen[c.LicenseID])
		listIat = l.IssuedAt
	}
	rollback := now < trusted-tolerance
	if !rollback {
		trusted = max(trusted, now)
	}
	changed := newMin != prevMin || listIat != s.listIat
	s.seen, s.listIat = trusted, listIat
	s.minGen[c.LicenseID] = newMin
	if changed || s.written < 0 || s.seen-s.written >= stateWriteEvery {
		if err := s.write(); err != nil {
			return 0, 0, err
		}
	}
	if rollback {
		return 0, 0, fmt.Errorf("%w: clock at %s, but %s was already seen", ErrClockRollback, unixUTC(now), unixUTC(trusted))
	}
	return prevMin, newerList, nil
}

// write replaces the file with the current state, atomically (mode 0600). The caller holds s.mu.
func (s *State) write() error {
	data, err := json.Marshal(stateFile{Format: StateFormat, Seen: s.seen, ListIat: s.listIat, MinGen: s.minGen})
	if err != nil {
		return fmt.Errorf("%w: %w", ErrState, err)
	}
	data = append(data, '\n')
	if err := keys.WriteFileAtomic(s.path, data); err != nil {
		return fmt.Errorf("%w: %w", ErrState, err)
	}
	s.written = s.seen
	return nil
}
