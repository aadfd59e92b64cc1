package support

import (
	"errors"
	"fmt"
)

// Errors of the support desk and of code proofs. Package server's errorStatus maps them to HTTP answers.
var (
	// ErrAmbiguous means a reference (an order or customer id) matches more than one license.
	ErrAmbiguous = errors.New("more than one license matches")
	// ErrInvalidCode means a presented code is not a genuine authorization code of this server: it is
	// malformed, or its signature does not verify with any key of the ring. It wraps the verifier's error.
	ErrInvalidCode = errors.New("not a genuine authorization code")
	// ErrSupersededProof means a genuine code was presented as proof of holding a license, but the license
	// was reissued (or revoked) after it: it no longer fetches the current code.
	ErrSupersededProof = errors.New("this code was superseded by a reissue and no longer proves the license; use the newer code")
)

// ProofError means a genuine code was presented as proof of holding a license that was reissued or revoked
// after that code was issued; it wraps ErrSupersededProof. Status is the license's status now.
type ProofError struct {
	LicenseID  string
	Generation int64 // of the presented code
	Status     string
}

// Error names the license and the generation presented.
func (e *ProofError) Error() string {
	return fmt.Sprintf("license %s, generation %d: %v", e.LicenseID, e.Generation, ErrSupersededProof)
}

// Unwrap returns ErrSupersededProof.
func (e *ProofError) Unwrap() error { return ErrSupersededProof }
