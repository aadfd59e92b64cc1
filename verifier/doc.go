// Package verifier checks licentia authorization codes offline. This comment is the normative
// specification of the code format; the server, this package, licentia-verify and any verifier written
// in another language follow it. docs/code-format.md shows how to verify a code with a standard JWT
// library, and testdata/vectors.json holds golden vectors with the expected result of each
// (testdata/deployment_vectors.json those of deployment binding, testdata/revocation_delta_vectors.json
// those of revocation documents).
//
// # Code
//
// A code is a JWS in compact serialization (RFC 7515), i.e. a JWT (RFC 7519):
//
//	BASE64URL(header) "." BASE64URL(claims) "." BASE64URL(signature)
//
// Base64url is the URL-safe alphabet without padding, decoded strictly: "=" padding, the standard
// alphabet's "+" and "/", and non-zero unused trailing bits are all rejected, so every byte string has
// exactly one accepted encoding. A verifier ignores white space (space, tab, CR, LF, VT, FF) before and
// after the code and line breaks (CR, LF) inside it, as left by pasting; any other character is an error.
// A code is at most 8 KiB, its header part at most 512 characters, and its signature part exactly 86
// characters (64 bytes).
//
// # Header
//
// The header is a JSON object. The issuer writes exactly
//
//	{"alg":"EdDSA","kid":"<key id>","typ":"licentia+jwt"}
//
// and a verifier checks:
//
//   - alg must be "EdDSA" (Ed25519, RFC 8037) or "Ed25519" (RFC 9864's fully specified name for the
//     same signature), compared byte for byte. No other value is accepted, whatever the key; "none",
//     "HS256", "Ed448", "ed25519" and every RSA and ECDSA algorithm are rejected (ErrAlgorithm). A
//     verifier never chooses the algorithm from the header: it always checks an Ed25519 signature.
//     RFC 9864 (2025) deprecates the polymorphic "EdDSA", and some JOSE libraries already warn on it,
//     but many common JWT libraries (golang-jwt among them) still know only "EdDSA" and refuse
//     "Ed25519". The issuer therefore keeps writing "EdDSA", which every library accepts, and will
//     switch once the common libraries accept "Ed25519"; verifiers accept both now so that the switch
//     needs no new software in the field.
//   - kid names the signing key: the first 8 bytes of SHA-256 over the public key's PKIX DER encoding, as
//     16 lowercase hex characters (keys.KeyID). The key is looked up by kid only, among the keys the
//     verifier was given; a missing or unknown kid is ErrUnknownKey. Several keys may be trusted at once,
//     which is how keys are rotated: the server signs with its newest key, software ships the public keys
//     of all keys still in use.
//   - typ must be exactly "licentia+jwt" (compared byte for byte). A revocation list carries
//     "licentia-revocations+jwt" instead, so neither can be passed off as the other (ErrWrongType).
//   - A "crit" member makes the code malformed: licentia defines no header extension. Other members are
//     ignored; in particular "jku", "jwk", "x5u" and "x5c" never supply a key.
//
// # Claims
//
// The payload is a JSON object; unknown members are ignored so that later servers can add claims. The
// issuer marshals the claims in the order below, omitting those marked "if …" when zero, so the same
// signed state always gives byte-identical codes. A verifier treats an absent claim as its zero value.
//
//	claim  type    written    meaning
//	iss    string  always     issuer name, "licentia" unless configured
//	sub    string  always     license id (the instanceId returned to KooGallery); required, non-empty
//	gen    int     always     generation: 1 on create, +1 on every change of the signed state; required, >= 1
//	iat    int     always     unix time of the state change that produced this generation; >= 0
//	nbf    int     always     unix time the license starts; >= 0
//	exp    int     if any     unix time the license ends; absent (0) for a perpetual license
//	grace  int     if not 0   seconds after exp during which the code is still accepted; default 0
//	st     string  always     status: "active", "frozen", "released" or "revoked"; required
//	pid    string  always     KooGallery productId
//	pids   array   if any     the other productIds the license has carried (product family, below)
//	sku    string  if known   KooGallery skuCode
//	ord    string  always     orderId of the purchase
//	oli    string  if given   orderLineId
//	cid    string  if given   customerId
//	qty    int     if given   purchased amount; >= 0
//	test   bool    if true    true for codes issued to marketplace probe calls (testFlag=1)
//	dep    object  if bound   the deployment the code is bound to, by salted hashes (Deployment binding)
//
// Integers are JSON integers (no fraction or exponent). A missing sub or st, a gen below 1, a negative
// iat, nbf, exp, grace or qty, a pids that is not an array of at most 8 (MaxProductIDs) non-empty
// strings, or a dep that is not well formed (Deployment binding) makes the code malformed (ErrMalformed). Issuers never write a claim twice or under another
// spelling.
//
// # Product family
//
// KooGallery gives one SKU another productId per period type, and a renewal that switches between
// monthly and yearly (or converts a trial) carries the new productId (refreshLicenseCode, topic
// 0070649167; refreshInstance likewise). The issuer then writes the new productId in pid and keeps the
// ones the license carried before in pids, so that software bound to the product it was sold under
// still accepts the renewed codes. pids lists them oldest first, never pid itself, without repeats; it is
// absent for a license that never changed product, whose codes are byte for byte what they were before
// this claim existed. A verifier ignores order and repeats in pids.
//
// pids is bounded: at most 8 entries, however many product changes the marketplace's callbacks carry.
// When a change would make a ninth, the issuer keeps the first entry (the product the license was
// first sold under) and drops the oldest of the others; a code with more than 8 entries is malformed.
// pids only ever names products the license itself was sold or renewed under through signed callbacks,
// so it lets no code pass for a product it never was.
//
// # Checks and their order
//
// A verifier applies these checks in order and reports the first that fails. Only steps 1 to 3 look at
// untrusted data; the claims are decoded only after the signature verified. Before step 1, a verifier
// bound to no product refuses every code unread (ErrNoBinding, see Binding a product below), and so does
// a verifier given an invalid deployment (ErrDeployment, see Deployment binding).
//
//  1. Form: size, three parts, strict base64url, header JSON, no "crit", alg, typ (ErrMalformed,
//     ErrAlgorithm, ErrWrongType).
//  2. Key: kid names a trusted key (ErrUnknownKey).
//  3. Signature: Ed25519 over the ASCII bytes of BASE64URL(header) "." BASE64URL(claims) (ErrSignature).
//  4. Claims: JSON object with the required claims in range (ErrMalformed).
//  5. Scope, when configured: iss (ErrWrongIssuer); pid, or any entry of pids, among the accepted
//     products (ErrWrongProduct); sku among the accepted SKUs (ErrWrongSKU, which is also
//     ErrWrongProduct).
//  6. Test codes: test true is rejected unless test codes are allowed (ErrTestCode).
//  7. Deployment, when the verifier has one and the code carries dep: the deployment must match
//     (ErrWrongDeployment), see Deployment binding below.
//  8. State file, when given: clock rollback (ErrClockRollback), see below.
//  9. Status: "active" passes; "revoked" is ErrRevoked; "frozen", "released" and any other value are
//     ErrInactive.
//  10. Revocation list freshness, when asked for: a list older than one the state file has already seen,
//     or, with a maximum list age, a list made longer ago than that (or no list at all), is
//     ErrStaleList. Generations: below the revocation list's min_gen for sub is ErrRevoked; below the
//     state file's remembered generation is ErrSuperseded (also ErrRevoked).
//  11. Time, below.
//
// # Time rules
//
// Let now be the verifier's clock in whole unix seconds (floor) and leeway the configured clock-skew
// allowance in whole seconds (default 0). Then, with sums saturating instead of overflowing:
//
//   - now < nbf − leeway: not yet valid (ErrNotYetValid).
//   - exp present and now >= exp + grace + leeway: expired (ErrExpired). A code is valid while now < exp.
//   - exp present and exp <= now, but not expired: accepted and reported in grace (Result.InGrace,
//     licentia-verify --json "in_grace": true). Software should urge a renewal.
//   - exp absent: no end.
//
// iat is not checked against the clock except by the state file.
//
// # Revocation list
//
// The server publishes at GET /v1/revocations a JWS signed like a code, by a key of the same ring, with
// header typ "licentia-revocations+jwt" and payload
//
//	{"iat":<unix time the list was made>,"min_gen":{"<license id>":<lowest generation still valid>,…}}
//
// A revoked or released license maps to a generation above any issued. min_gen must be present (it may
// be empty); every entry has a non-empty id and a generation >= 1. ParseRevocations verifies the list
// (steps 1 to 3 above with the list's typ); a verifier given a list rejects a code whose gen is below
// min_gen[sub] (ErrRevoked).
//
// A genuine list can still be an old one put back. A verifier with a state file records the iat of the
// newest list it has used (list_iat) and refuses an older one with ErrStaleList (a list with the same
// iat is the same list); a newer server list always has a later iat. A verifier may also require a list
// made no more than some time ago (WithMaxListAge, licentia-verify --max-list-age): with an older list,
// or none, every active code is ErrStaleList until a fresh list is fetched. Neither check applies to
// codes refused before step 10.
//
// # Revocation delta
//
// The list is signed anew at least once a minute (its iat moves), so a client that polls it gets the
// whole list nearly every time. It may ask for the changes instead: GET /v1/revocations?since=<iat of the
// list it holds> (decimal unix seconds, digits only) answers a delta, a JWS signed like the list with
// header typ "licentia-revocations-delta+jwt" and payload
//
//	{"iat":<the current list's iat>,"since":<since as asked>,"min_gen":{"<license id>":<generation>,…},"removed":["<license id>",…]}
//
// min_gen holds every entry added or changed (raised or lowered) since a little before since, with its
// current value: the value to set, not a lower bound. removed holds every license that left the list
// since then. Both members must be present (either may be empty); every min_gen entry has a non-empty id
// and a generation >= 1; every removed id is non-empty and not in min_gen; 0 <= since <= iat. A removed id
// the list does not hold, or a min_gen entry equal to the one held, changes nothing: deltas overlap (the
// server reaches 5 minutes before since, for replicas' clock skew and late commits) and applying one is
// idempotent.
//
// The server answers the whole list instead (typ "licentia-revocations+jwt"; the client tells the two
// apart by typ) when since is older than its delta horizon (7 days) or later than the current list's iat.
// A since that is not decimal digits is a 400 bad_request.
//
// # Revocation document
//
// A client keeps what it fetched as a revocation document: a whole list followed by zero or more deltas,
// one compact JWS per line. Lines are separated by LF; white space (space, tab, CR, VT, FF) around each
// line is ignored and empty lines are skipped; a JWS is never broken over lines. ParseRevocations reads a
// document and returns the list it amounts to:
//
//  1. The document is at most MaxRevocationDocumentSize bytes (128 MiB) and holds at least one line, each
//     line at most 32 MiB: otherwise ErrMalformed.
//  2. The first line is a whole list, checked as above. A delta (or anything else) there is ErrWrongType:
//     a delta alone is not a list.
//  3. Each further line is a delta, checked like a list (steps 1 to 3 above) with the delta's typ (a whole
//     list or a code there is ErrWrongType), then its payload as above (ErrMalformed). At most
//     MaxRevocationDeltas (2048) deltas: one more is ErrMalformed.
//  4. Each delta must continue the list so far (the whole list with the deltas before it applied): its
//     since no later than that list's iat, otherwise changes between them may be missing (a gap); and its
//     iat no earlier than that list's iat (an older delta). Either is ErrMalformed, since such a document
//     was put together wrongly: fetch the whole list anew.
//  5. Applying a delta sets each of its min_gen entries, deletes each of its removed ids, and makes its
//     iat the list's.
//
// The result is used like a whole list with that iat: the state file's list_iat, WithMaxListAge and
// licentia-verify --max-list-age judge it by the last delta's iat, unchanged. An error in a delta names
// it by number (1 for the first delta).
//
// AppendRevocations adds an answer of GET /v1/revocations to a document: a whole list replaces it; a
// delta is verified, checked to continue the document's list (step 4) and appended on a line of its own
// (the document then ends with LF). An answer older than the document's list (a whole list or a delta
// whose iat is earlier, say from a replica that lags) is ErrStaleList there: keep the document. A client
// fetches the whole list again (without since) when a delta does not append, when the document is empty
// or unreadable, and when RevocationsCompactDue says so: its deltas together are longer than its whole
// list, or it holds MaxRevocationDeltas deltas. A document therefore stays below about twice the size of
// the whole list. online.Client.UpdateRevocations and licentia-verify --refresh follow these rules.
//
// # State file
//
// A verifier may keep a state file (WithState) to resist a clock set back and an older code put back. It
// is one JSON object, written atomically (temporary file, fsync, rename) with mode 0600:
//
//	{"format":"licentia-verifier-state/1","seen":<unix time>,"list_iat":<unix time>,"min_gen":{"<license id>":<generation>,…}}
//
// seen is the latest trusted time: the maximum of the clock at past checks and the iat of every authentic
// code and revocation list seen. min_gen is, per license, the lowest generation still acceptable: the
// highest gen seen in an authentic code, or the revocation list's min_gen if higher. list_iat is the iat
// of the newest revocation list used with the state; it is absent (0) until a list is used, so older
// files read unchanged. On each check that reaches step 8, the verifier
//
//   - reports ErrClockRollback when now < max(seen, iat, list iat) − tolerance (default 10 minutes),
//     without ever lowering seen;
//   - otherwise raises seen to now, and raises min_gen[sub] to gen (and to the list's min_gen);
//   - raises list_iat to the list's iat, or, when the list is older than list_iat, learns nothing from
//     it and reports ErrStaleList at step 10;
//   - writes the file when min_gen changed or seen advanced by a minute or more; a failed write is
//     ErrState, and the code is not accepted.
//
// A missing file is an empty state. An empty, unparsable or foreign file (unknown members, another
// format, negative or zero values) is ErrState and is left untouched: it is never silently replaced.
// The file is a safeguard, not a secret: whoever can delete it resets it.
//
// # Errors
//
// Every error is one of the sentinel errors of this package or wraps one; Verify and Check return a
// *CodeError (nil claims) on any failure. Reason gives each a stable snake_case name: valid, no_binding, malformed,
// wrong_type, wrong_algorithm, unknown_key, bad_signature, expired, not_yet_valid, wrong_issuer,
// wrong_product, wrong_sku, test_code, wrong_deployment, revoked, superseded, inactive, stale_list,
// clock_rollback, state_error, keyring_error, deployment_error.
//
// # Binding a product
//
// One seller key signs the codes of all the seller's products, so a verifier that does not check "pid"
// (or "sku") accepts the code of the cheapest product as a license for the dearest. (A product binding
// accepts a code whose pid, or any entry of whose pids, is a bound product: see Product family.) The
// binding is therefore never implicit. In Go a Verifier needs WithProduct or WithSKU, or WithAnyProduct to say that
// any product is meant; made without any of them, its Verify and Check refuse every code with
// ErrNoBinding (Reason "no_binding"), before reading it. licentia-verify likewise needs --product, --sku
// or --any-product, and exits 64 without. Software sold as one product binds it; WithAnyProduct is for
// programs that serve all of a seller's products, such as the license server checking its own codes
// (refresh, the buyer page, support) and the marketplace simulator.
//
// # Revocation list freshness, per entry point
//
// A code stays valid offline until its exp; only a revocation list (or a state file that saw a newer
// generation) tells a verifier that it was superseded, revoked, frozen after the fact or released. How
// current that list must be is the integrator's choice, since software on an isolated network may never
// reach the server; no entry point picks a default age:
//
//   - Verifier.Verify, Check and Watch use a list only when given one (WithRevocations). Without a list
//     they accept a superseded or revoked code until it expires. WithMaxListAge(d) requires a list made
//     no more than d before the time the code is judged at: with an older list, or none, every active
//     code is ErrStaleList, so software that has not fetched a list for d stops trusting what it holds
//     (online.Client.Revocations fetches one). WithState refuses a list older than one already seen.
//   - licentia-verify does the same with --revocations FILE and --max-list-age D (exit 7); --refresh URL
//     fetches the list's changes since the document in the --revocations file first (or the whole list)
//     and keeps the document there; --state refuses an older list.
//   - The license server does not use a list for its own checks (POST /v1/codes/refresh, the buyer page,
//     licentia codes show): it judges a code against its database, which the list is made from.
//   - The programs in examples/verify check a code without any list, as a demonstration of the format.
//
// # Repeat verification
//
// Software may check its code on every use of a feature. A Verifier remembers (WithCacheSize, default
// DefaultCacheSize entries) the codes it has found authentic: form, key, signature and well-formed
// claims, steps 1 to 4, which depend on nothing but the code and the key ring. Entries are found by a
// hash of the whole cleaned code and match only a byte-identical code. A repeat skips steps 1 to 4 and
// runs steps 5 to 11 anew against the verifier's options, clock, state file and revocation list, so it
// reaches exactly the outcome a first check would, at a small fraction of the cost of a signature
// check. The cache is in memory only, per Verifier, holds no refused code, and starts with a verifier's
// second check, so a Verifier made for a single check pays nothing for it.
//
// # Deployment binding
//
// A code answered to a deployment (an installation of the buyer's software, named in the activation or
// refresh request) carries the claim dep, which binds it to that deployment by salted hashes only:
//
//	"dep": {"s": "<salt>", "id": "<hash>", "c": {"<component>": ["<hash>", …], …}, "k": <n>}
//
// Its members:
//
//   - s: 16 random bytes (DeploymentSaltLen) chosen per binding, as exactly 22 base64url characters.
//   - id: the hash of the deployment id.
//   - c: per component name, the sorted hashes of its values, without repeats; absent when the
//     deployment named no components. A name is 1 to 32 bytes, a lower-case letter, then a-z, 0-9 and _;
//     at most 16 components (MaxComponents) of 1 to 16 hashes each (MaxComponentValues).
//   - k: how many components must match, 1 to the number in c; absent (0) without c.
//
// A hash (DeploymentHash) is the first 16 bytes of SHA-256(salt ‖ name ‖ 0x00 ‖ normalized value), as 22
// base64url characters; the id's name is "id". Normalization trims white space at both ends (exactly
// Go's unicode.IsSpace: tab, LF, VT, FF, CR, space, U+0085, U+00A0, U+1680, U+2000 to U+200A, U+2028,
// U+2029, U+202F, U+205F and U+3000), lowers the ASCII letters A to Z and changes no other character;
// for "mac" it also removes every ':', '-' and '.', so 52:54:00:AB:CD:EF, 52-54-00-ab-cd-ef and
// 5254.00ab.cdef are one MAC. Values are hashed as UTF-8.
//
// A dep that is not an object; a salt that is not 22 characters decoding to 16 bytes; an id or a
// component hash that is not 22 characters decoding to 16 bytes; a bad component name; an empty or too
// long list of hashes; more than 16 components; a k outside 1 to len(c) with components, or other than 0
// without: each makes the code malformed (step 4). Unknown members of dep are ignored; dep null is the
// same as no dep.
//
// Matching (step 7; DeploymentClaim.Matches): with components, a component matches when any of the
// deployment's values for it hashes to any of the claim's hashes for it, and the code passes when at
// least k components match; the id plays no part (it is the server's key for the seat). Without
// components the code passes when the deployment id hashes to id. Otherwise the code is refused with
// ErrWrongDeployment (reason wrong_deployment, licentia-verify exit 8).
//
// The default k (DefaultMatch), used unless the seller's policy sets another, is a strict majority of
// the n components bound, n/2 + 1. A replaced NIC, an added or replaced disk, a new hostname, an OS
// reinstalled on the same hardware (new machine id and hostname, the rest kept) still match; a copy of
// the disk on another machine, which brings along only what the disk holds (machine id, hostname), does
// not. testdata/deployment_vectors.json holds a table of such changes with the verdict of each.
//
// A verifier checks dep only when given a deployment (WithDeployment; licentia-verify --deployment
// auto|FILE). Without one it accepts a bound code anywhere, as it accepts an unbound code: software
// that installs deployment-bound codes must give its deployment. A code without dep passes step 7
// whatever the verifier's deployment. An invalid deployment given to WithDeployment (Deployment.Validate:
// no id, an id over 1024 characters, a control character other than white space around a value, a bad
// component name, too many components or values, an empty or over-256-character value) makes every
// check fail unread with ErrDeployment (reason deployment_error), never skip the binding. A Verifier
// keeps the hashes of its deployment for the last 16 salts it saw, so a repeated check of a code costs a
// map look-up, not a SHA-256 per value.
//
// In JSON, as requests and licentia-verify --deployment FILE take it, a deployment is
// {"id": "...", "components": {"mac": ["...", "..."], "hostname": "..."}}, each component a string or a
// list of strings, or a plain string for the id alone.
//
// LocalDeployment reads this machine's deployment. Its id is the machine id, else the product UUID,
// else the first MAC, else the hostname (none of them: ErrDeployment). Unreadable sources are skipped
// quietly; values outside the bounds and placeholders (all zeros or all ones, "uninitialized",
// "localhost") are left out; lists are sorted and cut to 16. Per operating system:
//
//   - Linux: machine_id from /etc/machine-id, else /var/lib/dbus/machine-id; product_uuid from
//     /sys/class/dmi/id/product_uuid (readable by root only on most systems: skipped otherwise); mac
//     from /sys/class/net/*/address of the interfaces that have a device link (physical ones, not lo,
//     bridges, veth, tun, docker and the like), or from the interface list when /sys/class/net is
//     missing; disk from /sys/block/*/device/serial (SCSI; NVMe: the controller's), /sys/block/*/serial
//     (virtio) or the unit serial number VPD page /sys/block/*/device/vpd_pg80, leaving out loop, ram,
//     zram, dm-, md, sr, fd, nbd, rbd and drbd devices; hostname from /proc/sys/kernel/hostname, else
//     /etc/hostname, else the kernel's.
//   - Windows: machine_id from the registry value HKLM\SOFTWARE\Microsoft\Cryptography\MachineGuid
//     (64-bit view); mac from the interfaces with a 6-byte address that are neither loopback nor, by
//     name, virtual; hostname.
//   - macOS: machine_id from the IOPlatformUUID that `ioreg -rd1 -c IOPlatformExpertDevice` prints;
//     mac as on Windows; hostname.
//   - Other systems: mac as on Windows, and hostname.
//
// These are the machine's own raw values. Software sends them to its license server, which keeps
// salted hashes only, and never logs them; licentia-verify --print-deployment shows them to the
// machine's user.
//
// # Keys
//
// ParseKeyring takes one or more PEM "PUBLIC KEY" (PKIX) blocks, or a JWKS document of OKP/Ed25519 keys
// as served at /.well-known/jwks.json. Key material with a private part is refused.
//
// # Online refresh and activation
//
// This package does no I/O but files (the state file); the network client is package
// github.com/licentia/licentia/verifier/online. Software that is online some of the time can trade the
// code it has for the license's current one (after a renewal or a reissue) with online.Client.Refresh,
// which calls POST /v1/codes/refresh, and fetch the signed revocation list with
// online.Client.Revocations (GET /v1/revocations), or keep a revocation document up to date with its
// changes with online.Client.UpdateRevocations (GET /v1/revocations?since=). Neither is trusted as
// fetched: the new code goes through Verify, and the list and each delta are checked with the local key
// ring. When the server cannot be reached
// (online.ErrOnline), check the code already held, offline; `licentia-verify --refresh URL` does exactly
// this. An answer larger than the largest answer a verifier accepts (MaxRevocationListSize) is
// online.ErrTooLarge, which is not online.ErrOnline: it is never read in part, nor taken for "not
// fetched".
//
// For KooGallery License 2.0, where the marketplace generates the code the buyer sees,
// online.Client.Activate (POST /v1/activations, `licentia-verify --activate URL`) exchanges that code once
// for licentia's offline code. Both answers have the form of online.CodeResponse; a refusal is an
// *online.ServerError carrying the server's error code.
package verifier
