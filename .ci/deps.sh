#!/usr/bin/env bash
# Dependency rules of the offline verifier and of the packages below server (style.md G1), checked with
# `go list -deps` (non-test dependencies: a test may drive the real server):
#   - verifier decides a code's validity offline: no net/http at all (the network client is verifier/online).
#   - verifier, verifier/online and licentia-verify check signatures with crypto/ed25519 alone: not with
#     server/edkey's curve25519-voi.
#   - verifier/online uses net/http as a client only: no server-side net/http API in its files.
#   - server/simulator and server/loadgen (and their sub-packages) are the marketplace's side: they import
#     neither server nor server/store.
#   - server/license decides a license's life without I/O: none of net/http, database/sql, sqlx, chi,
#     Prometheus or the store.
#   - server/licensing (the application layer), server/support and server/adminclient: none of chi,
#     html/template, Prometheus or an HTTP server package, and never the HTTP package server; net/http reaches
#     them only through the clients (server/koogallery, server/marketapi, verifier/online). The marketplace
#     client has no metrics of its own either: it tells an Observer, which the HTTP side counts.
#   - no file under cmd/ (tests included) imports chi or the HTTP package server: serve runs it through
#     server/daemon.
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

echo "== verifier: no net/http"
bad=$(forbidden '^net/http(/.*)?$' ./verifier) || exit 1
[ -z "$bad" ] || fail "verifier depends on: $(echo $bad)"

echo "== verifier, licentia-verify: Ed25519 from the standard library only (the server's server/edkey stays there)"
bad=$(forbidden 'curve25519-voi|/server/edkey$' ./verifier ./verifier/online ./cmd/licentia-verify) || exit 1
[ -z "$bad" ] || fail "the offline verifier depends on: $(echo $bad)"

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

# only_via TARGET NAME ALLOWED PKG...: TARGET is imported directly, among the dependencies of PKG..., only by
# the packages matching the extended regexp ALLOWED.
only_via() {
	local target=$1 name=$2 allowed=$3 p via
	shift 3
	via=$(importers "$target" "$@") || exit 1
	for p in $via; do
		grep -qE "$allowed" <<<"$p" || fail "$target reaches $name through $p"
	done
}

# The application layer and its clients: no router, templates, metrics or HTTP server, never the HTTP package
# server. net/http reaches them only through clients: the marketplace's wire formats and OpenAPI client
# (server/koogallery, server/marketapi) and the verifier's online client.
for pkg in server/licensing server/support server/adminclient server/marketapi; do
	echo "== $pkg: no chi, html/template, Prometheus or HTTP server; never server; net/http only through clients"
	bad=$(forbidden 'go-chi/chi|^html/template$|prometheus|^net/http/(httptest|pprof|httputil|fcgi|cgi)$|'"^$mod/server\$" "./$pkg/...") || exit 1
	[ -z "$bad" ] || fail "$pkg depends on: $(echo $bad)"
	only_via net/http "$pkg" "^$mod/(verifier(/online)?|server/marketapi|server/koogallery|server/adminclient)\$|^expvar\$" "./$pkg/..."
done

echo "== cmd: no file imports chi or the HTTP package server (serve runs it through server/daemon)"
for f in $(git ls-files 'cmd/*.go'); do
	if grep -qE '"github.com/go-chi/chi' "$f"; then fail "$f imports chi"; fi
	if grep -qE '"'"$mod"'/server"' "$f"; then fail "$f imports the HTTP package server"; fi
done

if [ "$failed" -ne 0 ]; then
	exit 1
fi
echo "dependency rules hold"
