// Command licentia-verify checks a licentia authorization code offline, for scripts, installers and
// audits. It is built with CGO_ENABLED=0 into one static file and uses only the verifier package.
//
// Usage:
//
//	licentia-verify --keys FILE [--product ID] [--sku CODE] [--issuer ISS] [--revocations FILE]
//	                [--state FILE] [--allow-test] [--at RFC3339] [--json] [CODE | -]
//
// The code is the argument, or standard input when the argument is "-" or missing. --keys holds one or
// more PEM "PUBLIC KEY" blocks or a JWKS. --at judges the code at another time (audits); with --state the
// state file is still consulted and updated, so an --at in the past reports a clock rollback.
//
// Exit status:
//
//	0   valid (also inside grace; --json then says "in_grace": true)
//	1   malformed, bad signature, unknown key, wrong algorithm
//	2   expired
//	3   not yet valid
//	4   wrong product, sku or issuer; test code not allowed
//	5   revoked, superseded, frozen or released
//	6   clock rollback detected (state file saw a later time)
//	64  usage error
//	66  cannot read the code, keys, revocation list or state file (or write the state file)
//
// The whole code is never printed: output names the license id, generation, key id and a short
// fingerprint (see verifier.Fingerprint). --json prints one object with the fields valid, reason,
// license_id, generation, status, product_id, sku, order_id, customer_id, expires_at (RFC 3339, null when
// perpetual or unknown), in_grace, key_id and fingerprint; reason is verifier.Reason's stable name, or
// "unreadable" for exit status 66 before the code was checked.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
