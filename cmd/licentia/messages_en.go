package main

// messagesEN is the CLI's English catalog (see lang.T). Usage texts end with a blank line when the flag
// list follows them.
var messagesEN = map[string]string{
	"usage": `usage: licentia <command> [flags]

commands:
  serve     run the license server (KooGallery callbacks, public endpoints, metrics)
  migrate   apply the database migrations and exit
  keys      manage the signing key ring: init, list, rotate, retire, public
  codes     support: list, show, reissue, revoke and history of licenses (locally or via --server)
  tokens    admin API tokens: create, list, revoke
  policy    seat policies per product: set, list, delete (locally or via --server)
  simulate  play KooGallery against a seller URL: the pre-registration self-test
  loadgen   drive bounded, signed load at a server on this machine
  version   print the version and the revision this binary was built from

Run 'licentia <command> -h' for the flags of a command. Every command takes --lang en|zh-CN (default: the
locale, LC_ALL, LC_MESSAGES or LANG; zh_CN.UTF-8 speaks Chinese); those that print times take --tz ZONE
(default TZ, else the system's zone).
`,
	"usage.codes": `usage: licentia codes <command> [flags] [ARG]

commands:
  list      list licenses: --order, --customer, --product, --status, --expiring-within DUR, --limit, --cursor, --all
  show      show a license by ID, ORDER-ID, CUSTOMER-ID or a pasted CODE (--reveal prints the whole code)
  reissue   ID --reason TEXT: sign a new generation with the same entitlement; older codes are superseded
  revoke    ID --reason TEXT: revoke the license for good; every code of it stops verifying
  history   ID: every event of the license, oldest first
  retry-upload ID --reason TEXT: upload again the code uploads the marketplace refused until their attempts ran out
  retry-usage ID --reason TEXT: report again today's (UTC) uses the marketplace refused until their attempts ran out
  seats     ID: the seat limit, the seats in use and each seat (deployment hash, taken, last seen, lease, clone)
  free-seat ID DEPLOYMENT --reason TEXT: free a deployment's seat
  activate  CODE: activate a KooGallery License 2.0 code for a buyer and bind it to a license
  import    FILE: bring in licenses issued before licentia (CSV or JSON lines; local database only)

Every command takes --json, and works on the local database (--data, --db; same flags and environment as
serve) or on a remote server through its admin API (--server URL with LICENTIA_TOKEN or --token-file FILE;
https://, or http:// to a loopback address only). Locally the actor recorded in the audit log is --actor (env LICENTIA_ACTOR) or the OS
user; remotely it is the token's name. Times are shown in --tz ZONE (an IANA name such as Asia/Shanghai;
default TZ, else the system's zone), named in the column header or after the value; --json keeps them in UTC.
`,
	"usage.codes.list": `usage: licentia codes list [--order ID] [--customer ID] [--product ID] [--status S]
                          [--expiring-within DUR] [--limit N] [--cursor C | --all] [--json]
       licentia codes list --unactivated [--older-than DUR] [--limit N] [--json]

Lists licenses ordered by id, one page at a time (--limit, default 50); the next page's --cursor is printed
on stderr. --all follows the cursors to the end. --expiring-within takes 30d, 72h and the like and includes
licenses already expired; perpetual licenses never match.

--unactivated lists instead what was paid for and never activated on this server, oldest first: the orders
KooGallery notified (orderNotify) that no license carries, and the License 2.0 codes KooGallery sent callbacks
for that no license is bound to. --older-than keeps what has waited at least that long (3d, 72h).

`,
	"usage.codes.show": `usage: licentia codes show ID|ORDER-ID|CUSTOMER-ID|CODE [--reveal] [--json]

Shows one license: status, expiry, generation and the decoded claims of its current code. A pasted code
(recognised by its shape) is checked too: whether it is genuine, current or superseded, and what an offline
verifier says about it now. The whole current code is printed only with --reveal.

`,
	"usage.codes.history": `usage: licentia codes history ID|ORDER-ID|CODE [--json]

Lists every event that touched the license, oldest first: marketplace callbacks, CLI and admin API
actions, with time, source, actor, action, generation, status and expiry before → after, reason and
request id.

`,
	"usage.codes.reissue": `usage: licentia codes reissue ID|ORDER-ID|CODE --reason TEXT [--reveal] [--free-seats] [--actor NAME] [--json]

Signs a new generation of the license with the same entitlement. Every older code of it is superseded: it
appears in the revocation list, and POST /v1/codes/refresh (or the buyer page at /) hands the buyer the new
code. --reveal prints the new code. --free-seats also frees every seat of the license (audited as seat_freed),
so that a leaked code cannot keep serving more deployments than were paid for: each installation takes a seat
again with the new code.

`,
	"usage.codes.revoke": `usage: licentia codes revoke ID|ORDER-ID|CODE --reason TEXT [--actor NAME] [--json]

Revokes the license for good: a new generation with status revoked, so every code of it fails wherever the
revocation list reaches. Marketplace callbacks cannot bring it back.

`,
	"usage.codes.retry-upload": `usage: licentia codes retry-upload ID|ORDER-ID|CODE --reason TEXT [--actor NAME] [--json]

Tries again, at once, the uploads of the license's code that the marketplace refused until their attempts
ran out (G1b getLicenseAsync; "dead" in codes show, the licentia_uploads_dead metric and an error log line).
Each gets a fresh count of attempts. The retry is recorded in the license's audit log with the reason. Fix
the cause first (AK/SK, the marketplace's answer in last_error).

`,
	"usage.codes.retry-usage": `usage: licentia codes retry-usage ID|ORDER-ID|CODE --reason TEXT [--actor NAME] [--json]

Reports again, at once, the uses of today (UTC) of the license's marketplace code that the marketplace did
not accept until their attempts ran out (the daily usage report of License 2.0; "dead-lettered" in codes
show, the licentia_usage_reports_dead metric and a warning log line). Each gets a fresh count of attempts.
The retry is recorded in the license's audit log with the reason. Uses of earlier days stay as they are: the
report carries no date and the marketplace counts it on the day it arrives, so they can no longer be
reported for their own day. Fix the cause first (AK/SK, the marketplace's answer in the log).

`,
	"usage.codes.activate": `usage: licentia codes activate CODE|- [--deployment ID] [--reveal] [--actor NAME] [--issuer ISS] [--grace DUR] [--json]

Activates a KooGallery License 2.0 code for a buyer, as POST /v1/activations does for their software: the
code is activated with the marketplace once, bound to a license, and licentia's offline code for it is
answered (again: the same license and code, no second activation). --reveal prints the offline code, to hand
to the buyer. CODE - reads the code from standard input.

Locally the marketplace OpenAPI is reached with LICENTIA_KOOGALLERY_AK / LICENTIA_KOOGALLERY_SK (environment
only) and --koogallery-api (env LICENTIA_KOOGALLERY_API); through --server it is the server's, and the token
must have the support role. Locally the new license's code is signed with --issuer and --grace (env
LICENTIA_ISSUER, LICENTIA_GRACE): give serve's, so that it matches the codes serve signs.

`,
	"usage.codes.import": `usage: licentia codes import FILE [--dry-run] [--format auto|csv|jsonl] [--json] [--tz ZONE]
                            [--actor NAME] [--issuer ISS] [--grace DUR] [--data DIR] [--db DSN]

Brings in the licenses issued before licentia ran, so that the marketplace's later callbacks for their
orders (renewals, freezes, releases, a resent getLicense or newInstance) find them. FILE is CSV with a header
row, or JSON lines with the same names as keys:

  instance_id,order_id,order_line_id,product_id,sku,customer_id,expires_at[,status,quantity]

instance_id is the instanceId the marketplace was given for the order. An empty order_line_id makes a
License 1.0 license (keyed on the order alone, as getLicense is); otherwise it is keyed on order and order
line (newInstance). expires_at is an RFC 3339 time such as 2027-03-01T00:00:00Z, or a spreadsheet's date
(2027-03-01, 2027/03/01, 2027/3/1 8:00, 2027年3月1日) in --tz (env TZ; default UTC); empty for perpetual; a
past expiry is imported as it is. status is active (the default), frozen, released or revoked. The format
follows the extension (.csv; .jsonl, .ndjson, .json), else the first non-blank line ("{": JSON lines);
--format overrides both. One row a line (a quoted CSV cell may span lines), at most 100000 rows a file.

Each row becomes a generation-1 license signed with the active key, audited with source import. Importing is
idempotent: a row whose order and order line already have a license is skipped and the license left alone.
A bad row is reported as FILE:LINE: reason and nothing of it is written; the valid rows are imported. The
exit status is 1 when any row was bad. --dry-run checks the file (and, when the database exists, which rows
it would skip) without writing anything.

Works on the local database only (--data, --db: the same flags and environment as serve; fine while a server
runs on it), with the key ring in <data>/keys (created in a new SQLite data directory, as serve does). Give it
serve's --issuer and --grace (or LICENTIA_ISSUER, LICENTIA_GRACE) so the codes match the ones serve signs.

`,
	"usage.tokens": `usage: licentia tokens <create|list|revoke> [flags]

  create NAME [--role read|support] [--out FILE]
                                       make an admin API token; it is printed once (or written to a new
                                       file, mode 0600, for LICENTIA_TOKEN_FILE), only its hash is kept
  list                                 list tokens: id, name, role, created, revoked
  revoke NAME|ID                       revoke a token; requests with it fail from then on

Roles: read may list and show licenses and read their history; support may also reissue, revoke and
reveal whole codes. Tokens live in the database (--data, --db), so every server sharing it accepts them.

`,
	"usage.keys": `usage: licentia keys <init|list|rotate|retire KID|public> [--data DIR]

  init     create the key ring with a first signing key (no-op when one exists)
  list     list key ids, their role (active, retired, withdrawn) and when each was made
  rotate   add a new signing key; older keys become retired: they sign no more but keep verifying
  retire   KID: withdraw a compromised old key for good: codes it signed stop verifying here, it leaves
           the JWKS and 'keys public', and refresh refuses its codes; its private key is deleted.
           The active key cannot be withdrawn: rotate first
  public   print every public key that verifies, as PEM (embed this in the buyer's software)

A server running on the same data directory picks up rotate and retire by itself: it never signs with a
withdrawn key, and serves the new keys (JWKS, revocation list) within a second. Other replicas' copies of
the keys directory must be updated the same way (docs/deployment.md).
`,
	"usage.simulate": `usage: licentia simulate --url URL [--scenario NAME|all] [--concurrency N] [--json]
                         [--path /koogallery/license] [--keys FILE] [--allow-remote] [--market-addr ADDR]

Plays KooGallery against a seller's production interface (licentia or any other implementation) and
prints a pass/fail table; exits 1 when any step fails. Run it before registering the production URL.
Only loopback URLs are accepted unless --allow-remote is given (e.g. your own staging server).
The access key comes from LICENTIA_KOOGALLERY_KEY or --key-file FILE (env LICENTIA_KOOGALLERY_KEY_FILE).

The License 2.0 and G1b scenarios also play the KooGallery OpenAPI: with LICENTIA_KOOGALLERY_AK and
LICENTIA_KOOGALLERY_SK set, simulate starts a stand-in for it on --market-addr; start the seller with
--koogallery-api http://ADDR and the same AK/SK (for licentia: licentia serve --koogallery-api
http://127.0.0.1:8090 --activation-per-address 1000, as the scenarios activate more codes from one address
than the default 20 an hour). Without them those scenarios are skipped. Activation steps need licentia's own
POST /v1/activations and are skipped for another seller.

scenarios:
`,
	"keys.retired": `withdrew key %[1]s: codes it signed no longer verify with this ring.
A server running on this data directory stops signing with it at once and leaves it out of the JWKS
within %[2]s s. Next: copy this keys directory to every other replica
(rsync -a --delete; each picks it up within %[2]s s), ship 'licentia keys public' to verifiers that embed
keys, and reissue the licenses whose current code it signed.
`,
	"keys.rotated": `new signing key %[1]s: a server running on this data directory signs with it within %[2]s s.
Verifiers that embed keys need it too ('licentia keys public'); copy this keys directory to every other
replica (each picks it up within %[2]s s).
`,

	// usage.serve is printed before serve's flags.
	"usage.serve": `usage: licentia serve [flags]

Runs the license server: the KooGallery production interface (--callback-path), the public endpoints
(/v1/*, the buyer page at /), the admin API (/admin/v1/*) and /metrics. Every flag has an environment
variable, named in its description. The log is JSON lines (--log-format), in English.

flags:
`,

	// Top level and shared.
	"no_command":             "no command given",
	"unknown_command":        "unknown command %q",
	"no_subcommand":          "%s: no subcommand given",
	"unknown_subcommand":     "%s: unknown subcommand %q",
	"bad_flag":               "%s",
	"no_argument":            "%s takes no argument, got %q",
	"wants":                  "%s wants %s",
	"warning":                "licentia: warning:",
	"flags_of":               "usage: licentia %s [flags]\n\nflags:\n",
	"flags":                  "flags:",
	"never":                  "never",
	"actor_remote":           "--actor is for local changes; through --server the token's name is the actor",
	"bad_within":             "%v",
	"bad_tz":                 "--tz %q: want an IANA zone name such as Asia/Shanghai or UTC",
	"bad_grace":              "--grace %q: want a non-negative duration such as 72h",
	"data_empty":             "--data must not be empty",
	"create_data":            "create data directory",
	"no_ring_postgres":       "no key ring in %s: with PostgreSQL all replicas must sign with one ring; run 'licentia keys init' once and copy its keys directory into every replica's data directory",
	"migrated":               "database at schema version %d",
	"read_stdin":             "read the code from standard input",
	"secret_both_flags":      "give --%s or --%s, not both",
	"secret_both_env":        "set %s or %s, not both",
	"secret_on_command_line": "--%s puts a secret on the command line, where every user of this host can read it; set %s or use --%s instead",
	"secret_too_large":       "%s: %s is larger than %d KiB; want the secret alone",
	"secret_empty":           "%s: %s is empty",

	// What a command wants as its arguments (parseArgs).
	"arg.ref":          "one license id, order id or code",
	"arg.ref_customer": "one license id, order id, customer id or code",
	"arg.market_code":  "one KooGallery license code, or - for standard input",
	"arg.import_file":  "one FILE (CSV or JSON lines)",
	"arg.token_name":   "one token NAME",
	"arg.token_ref":    "one token NAME or ID",
	"arg.kid":          "one key id KID (see 'licentia keys list')",

	// Flags.
	"flag.lang":                   "language of the messages: en or zh-CN (default: the locale, LC_ALL, LC_MESSAGES or LANG)",
	"flag.tz":                     "zone the times are shown in: an IANA name such as Asia/Shanghai, or UTC (default TZ, else the system's zone; JSON stays UTC)",
	"flag.server":                 "base URL of a licentia server to work on through its admin API instead of the local database (env LICENTIA_SERVER)",
	"flag.token":                  "admin API token for --server",
	"flag.actor":                  "name recorded as the actor of local changes; default the OS user (env LICENTIA_ACTOR)",
	"flag.json":                   "print JSON",
	"flag.data":                   "data directory: SQLite database and key ring (env LICENTIA_DATA)",
	"flag.db":                     "database: empty for SQLite in the data directory, or a postgres:// URL; PostgreSQL also reads PGPASSWORD and PGPASSFILE",
	"flag.sqlite_sync":            "SQLite synchronous level: FULL (survives power loss) or NORMAL (env LICENTIA_SQLITE_SYNC)",
	"flag.db_max_conns":           "PostgreSQL: most connections this process opens (env LICENTIA_DB_MAX_CONNS)",
	"flag.db_wait":                "PostgreSQL: how long start-up waits for an unreachable database before exiting (env LICENTIA_DB_WAIT)",
	"flag.secret":                 "%s (env %s; as a flag value it is visible to every user of the host: prefer the variable or --%s)",
	"flag.secret_file":            "file holding %s (env %s)",
	"flag.issuer":                 "issuer name in codes, as serve's (env LICENTIA_ISSUER)",
	"flag.grace":                  "grace period after expiry accepted by verifiers, e.g. 72h, as serve's (env LICENTIA_GRACE, default 0s)",
	"flag.order":                  "only the licenses of this order id",
	"flag.customer":               "only the licenses of this customer id",
	"flag.product":                "only the licenses of this product id",
	"flag.status":                 "only licenses in this status: active, frozen, released or revoked",
	"flag.expiring_within":        "only licenses expiring within this time, e.g. 30d or 72h",
	"flag.limit":                  "page size (default 50, at most 1000)",
	"flag.cursor":                 "continue after a previous page",
	"flag.all":                    "follow the pages to the end",
	"flag.unactivated":            "list paid orders and License 2.0 codes never activated instead",
	"flag.older_than":             "with --unactivated: only what has waited at least this long, e.g. 3d",
	"flag.reveal_current":         "print the whole current code (a bearer credential)",
	"flag.reveal_new":             "print the new code (a bearer credential)",
	"flag.reveal_offline":         "print the offline code (a bearer credential)",
	"flag.reason":                 "why; recorded in the audit log (required)",
	"flag.deployment":             "the buyer's installation, recorded in the audit log",
	"flag.koogallery_api_local":   "local mode: the OpenAPI base URLs (env %s)",
	"flag.format":                 "file format: csv, jsonl, or auto (by the extension, else the first line)",
	"flag.dry_run":                "check the file and report what would be imported, writing nothing",
	"flag.json_report":            "print the report as JSON",
	"flag.import_actor":           "name recorded as the actor of the imports; default the OS user (env LICENTIA_ACTOR)",
	"flag.import_tz":              "zone of expiry times written without one, as spreadsheets export them (2027/03/01, 2027/3/1 8:00): an IANA name such as Asia/Shanghai, or UTC (env TZ; default UTC)",
	"flag.import_server":          "not supported: import works on the local database",
	"flag.role":                   "read or support",
	"flag.out":                    "write the token to this new file (mode 0600) instead of stdout",
	"flag.koogallery_key":         "KooGallery access key(s) from the seller console, comma- or line-separated during rotation",
	"flag.simulate_key":           "the seller's KooGallery access key (the first of a comma- or line-separated list)",
	"flag.addr":                   "listen address; port 0 picks a free one, logged in the \"listening\" line (env LICENTIA_ADDR)",
	"flag.addr_file":              "once listening, write the bound address (host:port) to this file, e.g. with --addr 127.0.0.1:0 (env LICENTIA_ADDR_FILE)",
	"flag.metrics_addr":           "listen address of /metrics alone, which --addr then no longer serves; empty: /metrics on --addr (env LICENTIA_METRICS_ADDR)",
	"flag.legacy_window":          "how old a License 1.0 timeStamp may be; older URLs are refused so a captured one cannot be replayed (env LICENTIA_LEGACY_WINDOW, default 24h)",
	"flag.koogallery_api":         "KooGallery OpenAPI base URLs, comma-separated, tried in order (env %s; default the marketplace's own); credentials only from %s and %s",
	"flag.callback_path":          "production path registered with KooGallery (env LICENTIA_CALLBACK_PATH)",
	"flag.trusted_proxy":          "load balancers in front of licentia, comma-separated IPs or CIDRs: rate limits then use their X-Forwarded-For, and logs their X-Request-Id (env LICENTIA_TRUSTED_PROXIES)",
	"flag.max_client_conns":       "connections one client address (IPv6: one /64) may hold open at once; trusted proxies are not limited; 0: no limit (env LICENTIA_MAX_CLIENT_CONNS, default %d)",
	"flag.log_format":             "log format: json or text (env LICENTIA_LOG_FORMAT)",
	"flag.log_level":              "log level: debug, info, warn, error (env LICENTIA_LOG_LEVEL)",
	"flag.activation_per_address": "License 2.0 activation attempts one client address may make per hour, each costing the same whatever the answer (env LICENTIA_ACTIVATION_PER_ADDRESS)",
	"flag.activation_global":      "codes sent to the marketplace for activation per minute, by this process and, on PostgreSQL, by all replicas together (env LICENTIA_ACTIVATION_GLOBAL)",
	"flag.activation_unknown_ttl": "how long a code the marketplace does not know is answered not_found without asking it again (env LICENTIA_ACTIVATION_UNKNOWN_TTL)",

	// Table columns.
	"col.zone":          "%s (%s)", // a time column's title and the zone its times are in
	"col.id":            "ID",
	"col.order":         "ORDER",
	"col.customer":      "CUSTOMER",
	"col.product":       "PRODUCT",
	"col.status":        "STATUS",
	"col.gen":           "GEN",
	"col.expires":       "EXPIRES",
	"col.kind":          "KIND",
	"col.line":          "LINE",
	"col.type":          "TYPE",
	"col.code":          "CODE",
	"col.waiting_since": "WAITING SINCE",
	"col.time":          "TIME",
	"col.source":        "SOURCE",
	"col.actor":         "ACTOR",
	"col.action":        "ACTION",
	"col.reason":        "REASON",
	"col.request":       "REQUEST",
	"col.name":          "NAME",
	"col.role":          "ROLE",
	"col.created":       "CREATED",
	"col.revoked":       "REVOKED",

	// codes list, list --unactivated.
	"more_licenses":     "more licenses: add --cursor %s (or --all)",
	"more_unactivated":  "%d more not shown: raise --limit (at most 1000) or narrow with --older-than",
	"older_than_alone":  "--older-than goes with --unactivated",
	"unactivated_flags": "--unactivated takes only --older-than, --limit and --json",

	// codes show.
	"show.not_genuine":      "NOT GENUINE: its signature does not verify with this server's keys",
	"show.genuine":          "genuine",
	"show.current":          ", the current code",
	"show.superseded":       ", superseded by a newer generation",
	"show.presented":        "presented code",
	"show.presented_value":  "%s (fingerprint %s, key %s)",
	"show.offline_verdict":  "offline verdict",
	"show.presented_claims": "presented claims",
	"show.license":          "license",
	"show.not_here":         "not in this database",
	"show.order":            "order",
	"show.customer":         "customer",
	"show.product":          "product",
	"show.quantity":         "quantity",
	"show.status":           "status",
	"show.starts":           "starts",
	"show.expires":          "expires",
	"show.generation":       "generation",
	"show.generation_value": "%d (since %s)",
	"show.created":          "created",
	"show.created_value":    "%s (%s)",
	"show.signing_key":      "signing key",
	"show.code":             "code",
	"show.code_fingerprint": "fingerprint %s (--reveal prints it)",
	"show.claims":           "claims",
	"show.upload":           "upload",
	"upload.state":          "event %s: %s after %d attempt(s)",
	"upload.accepted":       ", accepted %s",
	"upload.dead_hint":      " — codes retry-upload tries it again",
	"upload.next":           ", next try %s",
	"upload.last_error":     "; last error: %s",
	"show.usage":            "usage report",
	"usage.never":           "no day reported yet",
	"usage.last":            "last day reported %s (UTC)",
	"usage.pending":         "; %d use(s) waiting to be reported",
	"usage.dead":            "; %d use(s) the marketplace did not accept after every attempt (dead-lettered) — codes retry-usage reports today's again",

	// codes reissue, revoke, retry-upload, retry-usage, activate.
	"needs_reason":     "%s needs --reason TEXT (it goes into the audit log)",
	"change.unchanged": "%s is already %s at generation %d; nothing changed",
	"change.reissued":  "reissued %s: generation %d → %d, status %s, expires %s, code fingerprint %s",
	"change.revoked":   "revoked %s: generation %d → %d; every code of it now fails where the revocation list reaches",
	"retry.none":       "%s has no dead-lettered upload; nothing changed",
	"retry.done":       "%s: %d dead-lettered upload(s) due again now",
	"retry_usage.none": "%s has no dead-lettered use of today (%s, UTC); nothing changed",
	"retry_usage.done": "%s: %d dead-lettered use(s) of today (%s, UTC) due again now",
	"retry_usage.older": "%d dead-lettered use(s) of earlier days stay as they are: the marketplace counts a " +
		"usage report on the day it arrives, so they can no longer be reported for their own day",
	"activated": "activated: license %s, generation %d, status %s, expires %s",

	// codes import.
	"import.nothing":        "nothing imported",
	"import.local_only":     "codes import works on the local database only (--data, --db), not through --server or LICENTIA_SERVER: run it where the server's data directory or database is reachable",
	"import.stopped":        "import of %s stopped at",
	"import.stopped_after":  "%d rows were imported before; importing the file again skips them",
	"import.postgres":       "the PostgreSQL database",
	"import.missing_db":     "%s, which does not exist yet",
	"import.skipped":        "skipped",
	"import.dry_run":        "dry run of %s: would import %d, skip %d; bad %d; nothing written (database: %s)",
	"import.done":           "imported %d, skipped %d, bad %d (%s into %s)",
	"import.bad_dry":        "%d bad rows",
	"import.bad":            "%d bad rows, not imported; fix them and import the file again (the rows imported now are skipped then)",
	"import.progress_read":  "reading %s: line %d",
	"import.progress_write": "importing %s: %d of %d rows",
	"import.p.empty":        "%s is empty",
	"import.p.too_long":     "%s is longer than %d characters",
	"import.p.spaces":       "%s %q has leading or trailing spaces",
	"import.p.control":      "%s %q holds a control character",
	"import.p.time":         "%s %q is not a time such as 2027-03-01T00:00:00Z, 2027-03-01T08:00:00+08:00, 2027/03/01 or 2027/3/1 8:00 (a time without a zone is in --tz)",
	"import.p.before_1970":  "%s %q is not after 1970-01-01T00:00:00Z",
	"import.p.status":       "%s %q is not one of active, frozen, released, revoked",
	"import.p.quantity":     "%s %q is not a whole number from 0 to %d",
	"import.p.sep":          "; ",
	"import.unreadable":     "%s",
	"import.note_other":     "the order already has license %q (the row says %q)",
	"import.id_taken":       "instance_id %q is already the license of order_id %q with order_line_id %q",
	"import.ref_taken":      "instance_id %q is a KooGallery License 2.0 code here (bound to a license, or with callbacks awaiting its activation); a license id may not equal one",
	"import.format":         "--format %q: want csv, jsonl or auto",
	"import.open":           "the import file cannot be opened",
	"import.line":           "line %d",

	// tokens, keys.
	"token.created":      "created %s token %q (id %s). It is shown only this once: store it now.",
	"token.created_file": "created %s token %q (id %s) in %s",
	"token.write_failed": "the token is stored: revoke %s and create another",
	"token.revoked":      "revoked token %q (id %s)",
	"keys.created":       "created signing key %s in %s",
	"keys.exists":        "key ring exists; signing key %s",
	"keys.none":          "run 'licentia keys init' or start the server once",

	// simulate.
	"sim.failed":              "simulate: %d of %d steps failed",
	"sim.no_aksk":             "simulate: %s and %s are not set: the License 2.0 and G1b scenarios are skipped",
	"sim.market_addr":         "simulate: --market-addr %q: want a loopback host:port",
	"sim.market_addr_other":   "pass another --market-addr",
	"sim.standin":             "simulate: KooGallery OpenAPI stand-in on %s; the seller must run with --koogallery-api %s and the same %s / %s (licentia also with --activation-per-address 1000: the scenarios activate more codes from one address than the default allows)",
	"sim.no_key":              "simulate: the access key is required: set LICENTIA_KOOGALLERY_KEY or pass --key-file",
	"sim.concurrency":         "simulate: --concurrency must be between 1 and 1000",
	"sim.retry_interval":      "simulate: --retry-interval must be more than 0 and at most 1s (the schedules are compressed)",
	"sim.timeout":             "simulate: --timeout must be positive",
	"sim.no_url":              "simulate: --url (or LICENTIA_SIMULATE_URL) is required",
	"sim.bad_url":             "simulate: --url %q: want http(s)://host[:port][/path]",
	"sim.remote":              "simulate: %s is not a loopback address; pass --allow-remote to play against it (it creates, renews and releases licenses there)",
	"sim.path":                "simulate: --path must start with /",
	"serve.legacy_window":     "--legacy-window %q: want a duration of at least 1h such as 24h (KooGallery resends getLicense hourly for 3 hours)",
	"serve.max_conns":         "--max-client-conns %q: want a number, 0 for no limit",
	"serve.trusted_proxy":     "--trusted-proxy: %q is neither an IP address nor a CIDR prefix",
	"serve.log_level":         "--log-level %q: want debug, info, warn or error",
	"serve.log_format":        "--log-format %q: want json or text",
	"serve.metrics_is_addr":   "--metrics-addr %s is --addr: give /metrics a listener of its own, or leave --metrics-addr empty",
	"serve.half_aksk":         "marketplace OpenAPI: set both %s and %s, or neither",
	"serve.bad_config":        "%s",
	"serve.activation_count":  "--%s %q: want a whole number from 1 to %d",
	"serve.unknown_ttl":       "--activation-unknown-ttl %q: want a duration from 1s to %s such as 15m",
	"serve.ring":              "the signing key ring in %s cannot be used",
	"serve.store":             "the database cannot be opened",
	"serve.run":               "the server could not start or stopped on an error",
	"bad_db_max_conns":        "--db-max-conns %q: want a positive number",
	"bad_db_wait":             "--db-wait %q: want a non-negative duration such as 30s",
	"bad_koogallery_api":      "--koogallery-api: %v",
	"bad_market_config":       "marketplace OpenAPI (%s, %s): %v",
	"secret_open":             "%s: %v",
	"secret_read":             "%s: read %s: %v",
	"token.bad_out":           "--out: %v",
	"sim.standin_failed":      "simulate: the KooGallery OpenAPI stand-in cannot start",
	"sim.unknown_scenario":    "simulate: --scenario %q: unknown scenario (licentia simulate -h lists them)",
	"sim.keys_read":           "simulate: read --keys",
	"sim.keys":                "simulate: --keys %s",
	"sim.pass":                "pass",
	"sim.fail":                "FAIL",
	"sim.skip":                "skip",
	"sim.summary":             "%s: %d steps, %d passed, %d failed, %d skipped (%s; order prefix %s)",
	"sim.format_opaque":       "opaque licenses: state checks that need a licentia code were skipped",
	"sim.format_licentia":     "licentia codes: claims checked after every change",
	"sim.format_api":          "; License 2.0 activations played",
	"col.scenario":            "SCENARIO",
	"col.step":                "STEP",
	"col.result":              "RESULT",
	"flag.sim_url":            "seller base URL, e.g. http://127.0.0.1:8080 (env LICENTIA_SIMULATE_URL)",
	"flag.sim_scenario":       "scenario to play, or all; comma-separated for several",
	"flag.sim_concurrency":    "concurrent sends in the resend storm",
	"flag.sim_json":           "print the report as JSON instead of a table",
	"flag.sim_path":           "production path (default: the path of --url, or /koogallery/license)",
	"flag.sim_keys":           "the seller's public keys (PEM or JWKS): verify every licentia code answered",
	"flag.sim_allow_remote":   "allow a URL that is not on the loopback interface",
	"flag.sim_prefix":         "order-id prefix (default SIM<time>-<random>, unique per run)",
	"flag.sim_retry_interval": "gap between compressed marketplace retries",
	"flag.sim_timeout":        "per-call timeout (KooGallery waits 5 s)",
	"flag.sim_market_addr":    "loopback address of the KooGallery OpenAPI stand-in (needs LICENTIA_KOOGALLERY_AK and LICENTIA_KOOGALLERY_SK)",

	// loadgen
	"flag.lg_url":          "production URL of the server under test",
	"flag.lg_key":          "KooGallery access key the server uses (env LICENTIA_KOOGALLERY_KEY)",
	"flag.lg_mode":         "create, resend, renew or mixed",
	"flag.lg_duration":     "how long to run (at most %s)",
	"flag.lg_concurrency":  "concurrent requests (at most %d)",
	"flag.lg_allow_remote": "allow a target that is not a loopback address",
	"flag.lg_serve_bare":   "serve the bare baseline handler on this loopback address for --duration instead",
	"lg.bad_url":           "loadgen: --url %q: want http(s)://host:port/path",
	"lg.remote":            "loadgen: --url %q is not a loopback address; load tests stay on this machine unless --allow-remote is given",
	"lg.no_key":            "loadgen: --key is required (the access key bound to the production interface; env LICENTIA_KOOGALLERY_KEY)",
	"lg.mode":              "loadgen: --mode %q: want create, resend, renew or mixed",
	"lg.duration":          "loadgen: --duration %s: want more than 0 and at most %s",
	"lg.concurrency":       "loadgen: --concurrency %d: want 1 to %d",
	"lg.bare_addr":         "loadgen: --serve-bare %q: want a loopback host:port",
	"lg.listen":            "loadgen: listen on %s",
	"lg.seed":              "loadgen: creating the orders that resend and renew work on at %s failed",
	"lg.report":            "mode %s, concurrency %d, %.1fs: %d requests, %.0f req/s, %d errors",
	"lg.latency":           "latency ms: p50 %.2f  p99 %.2f  p99.9 %.2f  max %.2f",
	"lg.first_error":       "first error: %s",
	"lg.bare":              "bare baseline on http://%s for %s",
	"usage.loadgen": `usage: licentia loadgen [--url URL] [--mode create|resend|renew|mixed] [--duration D] [--concurrency N] [--json]
       licentia loadgen --serve-bare ADDR [--duration D]

Drives bounded, correctly signed KooGallery calls at a server on this machine and prints throughput and
latency (BENCHMARKS.md). The access key comes from --key or LICENTIA_KOOGALLERY_KEY. Only loopback URLs are
accepted unless --allow-remote is given. --serve-bare serves instead the bare baseline handler the server
is compared with.

flags:
`,

	// Errors explained (lang.errorText); English prints the error alone.
	"err.explained":           "%s: %s",
	"err.ambiguous":           "more than one license matches",
	"err.invalid_code":        "not a genuine authorization code",
	"err.superseded":          "the code was superseded by a reissue",
	"err.unauthorized":        "the admin token is missing, unknown or revoked",
	"err.forbidden":           "the admin token's role may not do this",
	"err.no_signer":           "no signing key",
	"err.market_unconfigured": "the marketplace OpenAPI is not configured",
	"err.not_received":        "the buyer has not received the code yet",
	"err.market_unavailable":  "the marketplace did not answer",
	"err.code_in_use":         "the code cannot be activated here",
	"err.unknown_market_code": "the marketplace does not know the code",
	"err.no_sqlite":           "this build has no SQLite",
	"err.not_found":           "not found",
	"err.conflict":            "conflict",
	"err.released":            "the license is released",
	"err.revoked":             "the license is revoked",
	"err.rate_limited":        "too many requests",
	"err.test_code":           "a test code",
	"err.bad_request":         "the request is not valid",

	// Fixed values as the reader sees them (lang.value): English shows the values themselves.
	"status.active":           "active",
	"status.frozen":           "frozen",
	"status.released":         "released",
	"status.revoked":          "revoked",
	"kind.order":              "order",
	"kind.code":               "code",
	"source.koogallery":       "koogallery",
	"source.koogallery-query": "koogallery-query",
	"source.cli":              "cli",
	"source.admin":            "admin",
	"source.api":              "api",
	"source.import":           "import",
	"action.create":           "create",
	"action.renew":            "renew",
	"action.unrenew":          "unrenew",
	"action.set_expiry":       "set_expiry",
	"action.freeze":           "freeze",
	"action.unfreeze":         "unfreeze",
	"action.release":          "release",
	"action.reissue":          "reissue",
	"action.revoke":           "revoke",
	"action.activate":         "activate",
	"action.reconcile":        "reconcile",
	"action.ignored":          "ignored",
	"action.order_recorded":   "order_recorded",
	"action.retry_upload":     "retry_upload",
	"action.retry_usage":      "retry_usage",
	"role.read":               "read",
	"role.support":            "support",
	"key.active":              "active",
	"key.retired":             "retired",
	"key.withdrawn":           "withdrawn",
	"upload.pending":          "pending",
	"upload.done":             "done",
	"upload.dead":             "dead",

	// codes seats, free-seat; policy.
	"usage.codes.seats": `usage: licentia codes seats ID|ORDER-ID|CODE [--json] [--tz ZONE]

Lists the seats of the license: its seat limit under its product's policy (licentia policy) or unlimited,
the seats in use, and per seat the salted hash of its deployment (what free-seat takes), the machine
components its binding holds, when it was taken and last used (activation, refresh, check-in), its lease end
(or held until freed; a lapsed seat counts for nobody), when another machine last carried its deployment id
(clone), and whether its code is of the license's current generation. Raw deployment values are never shown:
the server holds only their hashes.

`,
	"usage.codes.free-seat": `usage: licentia codes free-seat ID|ORDER-ID|CODE DEPLOYMENT --reason TEXT [--actor NAME] [--json]

Frees the seat a deployment holds, so that another installation can take it: the buyer moved the software to
a new machine, or a container died without giving its seat back. DEPLOYMENT is the hash codes seats lists,
or the deployment id itself (hashed as the server hashes it; through --server only the hash is sent). The
freed seat is recorded in the license's audit log (seat_freed) with the reason. The freed deployment takes a
seat again at its next activation, refresh or check-in, if one is free.

`,
	"usage.policy": `usage: licentia policy <command> [flags] [PRODUCT]

commands:
  set       PRODUCT [--seats quantity|unlimited|N] [--match K] [--lease DUR] [--require-fingerprint] [--usage id|count]
  list      the products with a seat policy, and their policies
  delete    PRODUCT: remove the product's policy; its licenses follow the default again

A product's seat policy decides how many deployments a license of it serves. Without one, a license has as
many seats as its purchased quantity (at least one), held until freed, each deployment reported by its hash.
Every command takes --json, and works on the local database (--data, --db) or through the admin API
(--server URL with LICENTIA_TOKEN or --token-file FILE; set and delete need a support token). Who changed a
policy is recorded with it (--actor or the OS user locally, the token's name remotely) and logged.
`,
	"usage.policy.set": `usage: licentia policy set PRODUCT [--seats quantity|unlimited|N] [--match K] [--lease DUR] [--require-fingerprint] [--usage id|count] [--actor NAME] [--json]

Sets the seat policy of the product. Flags not given keep the product's policy as it is (the default for a
product without one). --seats: quantity (the license's purchased quantity), unlimited (seats are still
recorded), or a number from 1 to 999999. --match K: how many machine components a deployment-bound code must
match (0: a strict majority). --lease DUR (30m, 72h, 7d; 0 for none, at most 366d): a seat not used within
it is freed. --require-fingerprint: a G1b getLicenseAsync without a deviceFingerprint is refused (000903).
--usage: how the daily usage report counts deployments, id (each by its hash) or count.

`,
	"usage.policy.list": `usage: licentia policy list [--json] [--tz ZONE]

Lists the products with a seat policy: seats, match, lease, fingerprint, usage, and when and by whom each
was set. Products not listed follow the default (quantity, a majority, no lease).

`,
	"usage.policy.delete": `usage: licentia policy delete PRODUCT [--actor NAME] [--json]

Removes the product's seat policy: its licenses follow the default again (a seat per purchased unit, held
until freed). Seats already taken stay taken.

`,
	"arg.ref_deployment":          "one license id, order id or code, and a deployment",
	"arg.product":                 "one product id",
	"flag.free_seats":             "also free every seat of the license (a leaked code then serves no more deployments than were paid for)",
	"flag.policy_seats":           "seats: quantity, unlimited or a number",
	"flag.policy_match":           "components a deployment-bound code must match (0: a majority)",
	"flag.policy_lease":           "free a seat not used for this long (30m, 72h, 7d; 0: never)",
	"flag.policy_fingerprint":     "refuse a G1b getLicenseAsync without a deviceFingerprint (000903)",
	"flag.policy_usage":           "usage report: id or count",
	"change.seats_freed":          "seats freed: %d (each deployment takes a seat again with the new code)",
	"show.seats":                  "seats",
	"seats.heading":               "license %s: %s",
	"seats.none":                  "no deployment holds a seat",
	"seats.use":                   "%d of %d seats in use (policy %s)",
	"seats.use_unlimited":         "%d seats in use, unlimited (policy %s)",
	"seats.held":                  "held until freed",
	"seats.lapsed":                "(lapsed)",
	"seats.code_current":          "current (generation %d)",
	"seats.code_older":            "older (generation %d)",
	"seats.code_none":             "none yet",
	"seats.freed":                 "license %s: freed the seat of deployment %s",
	"seats_policy.quantity":       "quantity",
	"seats_policy.unlimited":      "unlimited",
	"usage_mode.id":               "id",
	"usage_mode.count":            "count",
	"col.deployment":              "DEPLOYMENT",
	"col.components":              "COMPONENTS",
	"col.taken":                   "TAKEN",
	"col.seen":                    "LAST SEEN",
	"col.lease":                   "LEASE",
	"col.clone":                   "CLONE",
	"col.seat_code":               "CODE",
	"col.seats":                   "SEATS",
	"col.match":                   "MATCH",
	"col.fingerprint":             "FINGERPRINT",
	"col.usage":                   "USAGE",
	"col.updated":                 "UPDATED",
	"col.updated_by":              "BY",
	"policy.bad_lease":            "--lease %q: want a duration such as 30m, 72h or 7d, or 0 for none",
	"policy.set":                  "seat policy of %s set: %s (by %s)",
	"policy.deleted":              "seat policy of %s removed; its licenses follow the default: %s",
	"policy.seats":                "seats %s",
	"policy.match":                "match %s",
	"policy.lease":                "lease %s",
	"policy.usage":                "usage report by %s",
	"policy.majority":             "a majority",
	"policy.no_lease":             "none",
	"policy.fingerprint_required": "fingerprint required",
	"policy.fingerprint_optional": "fingerprint optional",
	"policy.none":                 "no product has a seat policy: every license has as many seats as its purchased quantity",
	"policy.sep":                  "; ",
	"action.seat_taken":           "seat_taken",
	"action.seat_clone":           "seat_clone",
	"action.seat_freed":           "seat_freed",
}
