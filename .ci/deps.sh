#!/usr/bin/env bash
# Dependency rules of the offline verifier and of the packages below server (style.md G1), checked with
# `go list -deps` (non-test dependencies: a test may drive the real server):
#   - verifier decides a code's validity offline: no net/http at all (the network client is verifier/online).
#   - verifier/online uses net/http as a client only: no server-side net/http API in its files.
#   - server/simulator and server/loadgen (and their sub-packages) are the marketplace's side: they import
#     neither server nor server/store.
#   - server/license decides a license's life without I/O: none of net/http, database/sql, sqlx, chi,
#     Prometheus or the store.
#   - server/desk is the application layer outside HTTP: none of chi, Prometheus, html/template, and no HTTP
#     server; net/http may reach it only through verifier/online, a client that serves nothing.
# Offline; a few seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

mod=github.com/licentia/licentia
failed=0
fail() { printf 'FAIL: %s\n' "$*"; failed=1; }

# golist ARGS...: go list, exiting on failure (a forbidden import can also be an import cycle).
golist() {
	local out
	if ! out=$(go list "$@" 2>&1); then
		printf 'FAIL: go list %s:\n%s\n' "$*" "$out" >&2
		exit 1
	fi
	printf '%s\n' "$out"
}

# forbidden PATTERN PKG...: the dependencies of PKG... (themselves included) matching the extended regexp.
forbidden() {
	local pattern=$1 deps
	shift
	deps=$(golist -deps "$@") || exit 1
	grep -E "$pattern" <<<"$deps" || true
}

# importers TARGET PKG...: the packages among the dependencies of PKG... that import TARGET directly.
importers() {
	local target=$1 deps
	shift
	deps=$(golist -deps -f '{{.ImportPath}} {{join .Imports " "}}' "$@") || exit 1
	awk -v t="$target" '{ for (i = 2; i <= NF; i++) if ($i == t) { print $1; break } }' <<<"$deps"
}

# http_only_via_online NAME PKG...: net/http reaches PKG... only through verifier/online, which serves nothing.
http_only_via_online() {
	local name=$1 p
	shift
	local via
	via=$(importers net/http "$@") || exit 1
	for p in $via; do
		[ "$p" = "$mod/verifier/online" ] || fail "net/http reaches $name through $p (only verifier/online may bring it)"
	done
}

echo "== verifier: no net/http"
bad=$(forbidden '^net/http(/.*)?$' ./verifier) || exit 1
[ -z "$bad" ] || fail "verifier depends on: $(echo $bad)"

echo "== verifier/online: net/http as a client only"
files=$(golist -f '{{range .GoFiles}}{{$.Dir}}/{{.}} {{end}}' ./verifier/online) || exit 1
# shellcheck disable=SC2086
srv=$(grep -nE 'http\.(Server|ListenAndServe|ListenAndServeTLS|Serve|ServeTLS|Handle|HandleFunc|Handler|HandlerFunc|ResponseWriter|ServeMux|NewServeMux)\b' $files || true)
[ -z "$srv" ] || fail "verifier/online uses net/http's server side: $srv"

echo "== server/simulator, server/loadgen: neither server nor server/store"
bad=$(forbidden "^$mod/server(/store(/.*)?)?\$" ./server/simulator/... ./server/loadgen/...) || exit 1
[ -z "$bad" ] || fail "server/simulator or server/loadgen depends on: $(echo $bad)"

echo "== server/license: no net/http, database/sql, sqlx, chi, Prometheus or store"
bad=$(forbidden '^net/http(/.*)?$|^database/sql$|jmoiron/sqlx|go-chi/chi|prometheus|'"^$mod/server/store" ./server/license/...) || exit 1
[ -z "$bad" ] || fail "server/license depends on: $(echo $bad)"

echo "== server/desk: no chi, Prometheus, html/template or HTTP server"
bad=$(forbidden 'go-chi/chi|prometheus|^html/template$|^net/http/(httptest|pprof|httputil|fcgi|cgi)$|'"^$mod/server\$" ./server/desk/...) || exit 1
[ -z "$bad" ] || fail "server/desk depends on: $(echo $bad)"
http_only_via_online server/desk ./server/desk/...

if [ "$failed" -ne 0 ]; then
	exit 1
fi
echo "dependency rules hold"
