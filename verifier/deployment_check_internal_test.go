package verifier

import (
	"errors"
	"testing"
)

// TestSaltCacheBound: the hashes of the local deployment are remembered for at most maxSalts salts, and
// a claim whose salt was evicted is still judged right.
func TestSaltCacheBound(t *testing.T) {
	d := Deployment{ID: "i", Components: map[string][]string{ComponentMachineID: {"m"}, ComponentHostname: {"h"}}}
	l := newLocalDeployment(d)
	claims := make([]*DeploymentClaim, 3*maxSalts)
	for i := range claims {
		salt := make([]byte, DeploymentSaltLen)
		salt[0] = byte(i)
		c, err := BindDeployment(d, salt, 0)
		if err != nil {
			t.Fatal(err)
		}
		claims[i] = c
	}
	for round := range 2 {
		for i, c := range claims {
			if err := l.check(c); err != nil {
				t.Fatalf("round %d claim %d: check() = %v, want nil", round, i, err)
			}
			if n := len(l.hashes); n > maxSalts {
				t.Fatalf("%d salts remembered, at most %d", n, maxSalts)
			}
		}
	}
	c := *claims[0]
	c.Salt = "!!"
	if err := l.check(&c); !errors.Is(err, ErrMalformed) {
		t.Errorf("check(bad salt) = %v, want ErrMalformed", err)
	}
}
