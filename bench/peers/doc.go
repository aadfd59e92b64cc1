// Package peers benchmarks licentia's offline verifier side by side with general-purpose JWT libraries
// and the bare Ed25519 check they all rest on (issue 8, item 4). It is a separate module so that the
// product never depends on any of the peers; it reaches licentia through a replace directive.
//
// Every benchmark verifies the same code, the golden valid code of verifier/testdata (an active license
// signed with the fixed-seed Ed25519 key, checked at the vectors' fixed time 2026-03-01T00:00:00Z), with
// the same public key, and does what its library does by default. What each one checks:
//
//	benchmark       alg accepted       typ  kid  exp     nbf  iat  iss  pid,sku  st   revocation  claims decoded into
//	Licentia        EdDSA only         yes  yes  yes(+)  yes  (1)  yes  yes      yes  yes         verifier.Claims
//	GolangJWT       WithValidMethods   no   (2)  yes     yes  (3)  no   no       no   no          RegisteredClaims + struct
//	JWX             WithKey(EdDSA)     no   (2)  yes     yes  (4)  no   no       no   no          jwx Token (private: map)
//	GoJOSE          ParseSigned list   no   (2)  (5)     (5)  (5)  no   no       no   no          jwt.Claims + struct
//	Ed25519Verify   -                  -    -    no      no   no   no   no       no   no          nothing
//
//	Every row checks the Ed25519 signature with the same public key; Ed25519Verify does nothing else
//	(signing input and signature split once, outside the loop). yes(+): exp plus the code's grace period.
//	(1) no: licentia checks iat only against its optional state file (not configured here).
//	(2) no: the single trusted key is handed over directly; the kid in the header is not consulted.
//	(3) no: golang-jwt checks iat only with jwt.WithIssuedAt().
//	(4) yes: jwx by default rejects an iat in the future.
//	(5) no: go-jose's Claims only verifies and decodes; time claims need a separate Claims.Validate call,
//	    which BenchmarkGoJOSEValidate adds for reference.
//
// Licentia is configured as software would use it: issuer, product and SKU pinned, a signed revocation
// list (the golden list of verifier/testdata, which lists other licenses) loaded with
// verifier.WithRevocations. The peers leave these checks to their callers. TestPeersAcceptValid,
// TestPeersRejectTampered, TestPeersTimeChecks and TestLicentiaChecksRevocationsAndScope prove each of
// the benchmarks above does real work and that the table is right.
//
// Each benchmark reports, besides ns/op, cpu-ns/op: the process CPU time per verification, which leaves
// out time other processes held the CPU. Compare each peer with BenchmarkEd25519Verify of the same run.
//
// Run from this directory:
//
//	go test -run '^$' -bench . -benchmem -count 5
package peers
