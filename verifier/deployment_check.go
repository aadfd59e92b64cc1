package verifier

import (
	"fmt"
	"slices"
	"sync"
)

// WithDeployment makes the verifier check codes bound to a deployment (the "dep" claim) against d, the
// deployment the software runs as (LocalDeployment reads this machine's): a bound code must match it, k
// of its n components, or its id for a claim that binds the id alone, else ErrWrongDeployment. A code
// without "dep" verifies as it would without this option.
//
// Without WithDeployment a verifier does not check "dep" at all and accepts a bound code anywhere: software
// that installs deployment-bound codes must give it.
//
// d is copied. An invalid d (see Deployment.Validate) cannot be reported here; it makes every check fail,
// unread, with an error wrapping ErrDeployment (Reason "deployment_error"), never skip the binding.
func WithDeployment(d Deployment) Option {
	return func(v *Verifier) { v.deployment = newLocalDeployment(d) }
}

// maxSalts bounds how many salts a verifier keeps the hashes of its deployment for: one code carries one
// salt, and software holds few codes.
const maxSalts = 16

// localDeployment is the deployment a verifier checks "dep" claims against, with its hashes remembered
// per salt, so that a repeated check of the same code costs a map look-up rather than a SHA-256 per
// value. It is safe for concurrent use.
type localDeployment struct {
	d   Deployment
	err error // d.Validate(), wrapping ErrDeployment

	mu     sync.RWMutex
	hashes map[string]*saltedDeployment // by the claim's salt as written (base64url)
}

// saltedDeployment is a deployment's hashes under one salt: its id's and each component value's.
type saltedDeployment struct {
	id         string
	components map[string][]string
}

func newLocalDeployment(d Deployment) *localDeployment {
	l := &localDeployment{d: Deployment{ID: d.ID}, err: d.Validate(), hashes: map[string]*saltedDeployment{}}
	if len(d.Components) > 0 {
		l.d.Components = make(map[string][]string, len(d.Components))
		for name, vals := range d.Components {
			l.d.Components[name] = slices.Clone(vals)
		}
	}
	if l.err != nil {
		l.err = fmt.Errorf("WithDeployment: %w", l.err)
	}
	return l
}

// check reports whether c binds this deployment; errors wrap ErrWrongDeployment.
func (l *localDeployment) check(c *DeploymentClaim) error {
	h, err := l.salted(c.Salt)
	if err != nil {
		return err
	}
	if matched, needed, ok := c.matchHashes(h); !ok {
		if needed == 0 {
			return fmt.Errorf("%w: the code is bound to another deployment id", ErrWrongDeployment)
		}
		return fmt.Errorf("%w: %d of the %d components bound match, %d needed", ErrWrongDeployment, matched, len(c.Components), needed)
	}
	return nil
}

// salted returns the deployment's hashes under salt (the claim's, base64url), computing and remembering
// them the first time. When maxSalts are remembered, one arbitrary entry makes room.
func (l *localDeployment) salted(salt string) (*saltedDeployment, error) {
	l.mu.RLock()
	h := l.hashes[salt]
	l.mu.RUnlock()
	if h != nil {
		return h, nil
	}
	raw, ok := decodeSalt(salt)
	if !ok { // wellFormed refused it already; never trust that alone
		return nil, fmt.Errorf("%w: \"dep\" salt", ErrMalformed)
	}
	h = hashDeployment(l.d, raw)
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.hashes[salt]; !ok && len(l.hashes) >= maxSalts {
		for old := range l.hashes {
			delete(l.hashes, old)
			break
		}
	}
	l.hashes[salt] = h
	return h, nil
}

// hashDeployment hashes d's id and component values with salt, as BindDeployment does.
func hashDeployment(d Deployment, salt []byte) *saltedDeployment {
	h := &saltedDeployment{id: DeploymentHash(salt, "id", d.ID)}
	if len(d.Components) > 0 {
		h.components = make(map[string][]string, len(d.Components))
		for name, vals := range d.Components {
			hs := make([]string, len(vals))
			for i, v := range vals {
				hs[i] = DeploymentHash(salt, name, v)
			}
			h.components[name] = hs
		}
	}
	return h
}

// matchHashes is Matches on a deployment already hashed with c's salt.
func (c *DeploymentClaim) matchHashes(h *saltedDeployment) (matched, needed int, ok bool) {
	if len(c.Components) == 0 {
		return 0, 0, h.id == c.ID
	}
	for name, hs := range c.Components {
		for _, v := range h.components[name] {
			if slices.Contains(hs, v) {
				matched++
				break
			}
		}
	}
	return matched, c.Match, matched >= c.Match
}
