// Command licentia-verify checks a licentia authorization code offline, for scripts, installers and
// audits. It is built with CGO_ENABLED=0 into one static file and uses only the verifier package.
//
// Usage:
//
//	licentia-verify --keys FILE (--product ID | --sku CODE | --any-product) [--issuer ISS]
//	                [--revocations FILE] [--max-list-age DURATION] [--state FILE]
//	                [--refresh URL | --activate URL] [--save FILE] [--deployment auto|FILE]
//	                [--allow-test] [--at RFC3339] [--json] [--tz ZONE] [--lang en|zh-CN] [CODE | -]
//	licentia-verify --print-deployment
//	licentia-verify --version
//
// The code is the argument, or standard input when the argument is "-" or missing. --keys holds one or
// more PEM "PUBLIC KEY" blocks or a JWKS. --at judges the code at another time (audits); with --state the
// state file is still consulted and updated, so an --at in the past reports a clock rollback.
//
// A product binding is required: --product or --sku, or --any-product to say that a code of any of the
// seller's products will do. One seller key signs the codes of all the seller's products, so a check
// that forgot its binding would let the code of a cheap product unlock a dear one; without any of the
// three the command exits 64.
//
// Revocation lists: --revocations names a revocation document: a list fetched from GET /v1/revocations,
// perhaps followed by deltas (one per line, as --refresh keeps it; see package verifier's documentation,
// "Revocation document"). With --state, the newest list's "iat" is remembered, and an older list is
// refused (exit 7), so an old list put back cannot make a revoked code valid again. --max-list-age D
// refuses (exit 7) a list made more than D before the check (or no list at all): software that cannot
// reach the server for that long stops trusting what it holds. --refresh URL fetches the license's
// current code and the list first: when the --revocations file holds a document, only the changes since
// it (GET /v1/revocations?since=), appended to the file; the whole list when there is none, when the
// server answers one, when a delta does not continue the document, or when the deltas together outgrow
// the list. It keeps the result in the --revocations file unless it is older than the one there or one
// the state has seen, and checks offline when the server cannot be reached; an answer too large to read
// exits 66.
//
// Activation (KooGallery License 2.0): --activate URL takes the code the marketplace showed the buyer,
// posts it to URL/v1/activations (with --deployment, naming this installation), and checks the
// licentia code the server answers offline with the usual flags. --save FILE keeps that code (or, with
// --refresh, the refreshed one) when it is valid, written atomically with mode 0600; check it offline
// later, and refresh it with --refresh.
//
// Deployments (seats): --deployment names this installation, "auto" for this machine as
// verifier.LocalDeployment reads it (machine id, DMI product UUID, MACs of the physical interfaces, disk
// serials, hostname: the sources per OS are in package verifier's documentation, "Deployment binding"),
// or a JSON FILE holding {"id":"...","components":{"mac":["..."],...}} or a plain JSON string (the id
// alone). A code bound to a deployment (its "dep" claim) is then checked against it offline, and one bound
// to another machine exits 8; without --deployment the binding is not checked. With --activate and
// --refresh the deployment is sent to the server in the request's "deployment" member (the object form),
// which answers a code bound to it. --print-deployment prints, as such a JSON file, what auto reads on
// this machine: its raw values, for the machine's user and support, never for a log.
//
// Language and zone: the verdict line, usage and messages are in Simplified Chinese with --lang zh-CN or a
// Chinese locale (the first set of LC_ALL, LC_MESSAGES and LANG starting with zh), in English otherwise
// (package cmd/internal/locale, as the licentia CLI). In Chinese the verdict is a sentence explaining the
// reason; in English it is key=value pairs. Times people read (the verdict's expiry, the revocation lists'
// dates) are in --tz ZONE, else TZ, else the system's zone. --json, its field and reason names and the exit
// statuses are the same in every language and zone (times in UTC).
//
// Exit status:
//
//	0   valid (also inside grace; --json then says "in_grace": true)
//	1   malformed, bad signature, unknown key, wrong algorithm
//	2   expired
//	3   not yet valid
//	4   wrong product, sku or issuer; test code not allowed
//	5   revoked, superseded, frozen or released (also: --activate, the license was released)
//	6   clock rollback detected (state file saw a later time)
//	7   revocation list not fresh: older than --max-list-age allows, missing, or older than one the
//	    state file has seen; fetch the current list and check again
//	8   the code is bound to another deployment (wrong_deployment; also --activate refused with
//	    seats_exhausted: every seat of the license is taken)
//	64  usage error
//	65  --activate: the server or KooGallery refused the code (bad_request, not_found): check the code
//	66  cannot read the code, keys, revocation list, state file or deployment (or write the state file);
//	    --deployment auto or --print-deployment found nothing to name this machine by
//	69  --activate: the URL did not answer as a licentia server with activation does
//	75  --activate: try again later (not_received, rate_limited, marketplace_unavailable, unreachable)
//	78  --activate: the seller's server is not set up for KooGallery (marketplace_unconfigured)
//
// The whole code is never printed, nor the KooGallery code: output names the license id, generation,
// key id and a short fingerprint (see verifier.Fingerprint). --json prints one object with the fields
// valid, reason, license_id, generation, status, product_id, sku, order_id, customer_id, expires_at
// (RFC 3339, null when perpetual or unknown), in_grace, key_id, fingerprint and refreshed (plus
// activated after an --activate); reason is verifier.Reason's stable name (stale_list for exit 7),
// "unreadable" for exit status 66 before the code was checked, or "activation_failed" when --activate
// was refused, with activation_error naming the server's error code (or unreachable, bad_answer,
// too_large).
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // --tz and TZ name zones on hosts without a zone database (Windows, minimal images)
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
