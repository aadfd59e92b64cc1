#!/usr/bin/env bash
# The Python and Node.js verifier packages (sdk/python, sdk/node), installed as their users install them: a
# wheel built with Debian's pip into a fresh venv, and `npm pack` into a fresh project. The installed
# packages run their tests there: every golden vector (verifier/testdata/vectors.json), and the codes,
# revocation list and state file of a real licentia server on 127.0.0.1. The state files they write are
# then read by licentia-verify, so the three verifiers share one format. Installs what is missing
# (Debian packages only: python3-venv, python3-cryptography, python3-setuptools, python3-wheel,
# python3-pip, nodejs, npm); needs no package registry.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin:$(go env GOPATH 2>/dev/null || echo /root/go)/bin"
repo=$(pwd)

step() { printf '\n== sdk: %s\n' "$*"; }
PY=/usr/bin/python3 # Debian's python, where the python3-* packages install

step "install"
need=()
[ -x "$PY" ] || need+=(python3)
for m in venv:python3-venv cryptography:python3-cryptography setuptools:python3-setuptools wheel:python3-wheel pip:python3-pip; do
	[ -x "$PY" ] && "$PY" -c "import ${m%%:*}" 2>/dev/null || need+=("${m#*:}")
done
command -v node >/dev/null || need+=(nodejs)
command -v npm >/dev/null || need+=(npm)
command -v curl >/dev/null || need+=(curl)
if [ "${#need[@]}" -gt 0 ]; then
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
"$PY" -c 'import cryptography, sys; print("python", sys.version.split()[0], "cryptography", cryptography.__version__)'
echo "node $(node --version), npm $(npm --version)"

work=$(mktemp -d /tmp/licentia-sdk.XXXXXX)
server_pid=""
cleanup() {
	if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT
fx="$work/fixtures"
mkdir -p "$fx"

step "python: wheel, fresh venv"
cp -r sdk/python "$work/py-src" # built outside the tree: no build/ or egg-info left behind
rm -rf "$work/py-src/tests"
"$PY" -m pip wheel --quiet --no-deps --no-build-isolation --wheel-dir "$work/wheels" "$work/py-src"
ls "$work/wheels"
"$PY" -m venv --system-site-packages "$work/venv" # the Debian cryptography module comes from the system
"$work/venv/bin/pip" install --quiet --no-index "$work"/wheels/licentia_verify-*.whl
cp -r sdk/python/tests "$work/py-tests"
where=$(cd "$work" && "$work/venv/bin/python" -c 'import licentia_verify; print(licentia_verify.__file__)')
case "$where" in "$work/venv/"*) echo "installed: $where" ;; *) echo "licentia_verify imported from $where, not the venv"; exit 1 ;; esac

step "node: npm pack, fresh project"
(cd sdk/node && npm pack --silent --pack-destination "$work" >/dev/null)
ls "$work"/licentia-verify-*.tgz
mkdir "$work/node-project"
printf '{"name":"sdk-check","version":"1.0.0","private":true,"type":"module"}\n' >"$work/node-project/package.json"
(cd "$work/node-project" && npm install --offline --no-audit --no-fund --loglevel=error "$work"/licentia-verify-*.tgz)
[ -f "$work/node-project/node_modules/licentia-verify/index.d.ts" ] || { echo "the tarball has no type declarations"; exit 1; }
[ ! -L "$work/node-project/node_modules/licentia-verify" ] || { echo "licentia-verify was linked, not installed"; exit 1; }
cp -r sdk/node/test "$work/node-project/test"

step "a real server on 127.0.0.1"
go build -o "$work/licentia" ./cmd/licentia
CGO_ENABLED=0 go build -o "$work/licentia-verify" ./cmd/licentia-verify
LICENTIA_KOOGALLERY_KEY="sdk-access-key-$RANDOM$RANDOM" "$work/licentia" serve --addr 127.0.0.1:0 \
	--addr-file "$work/addr" --data "$work/data" --log-level warn >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 300); do
	[ -s "$work/addr" ] && curl -fsS "http://$(cat "$work/addr")/readyz" >/dev/null 2>&1 && break
	kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log"; exit 1; }
	sleep 0.1
done
url="http://$(cat "$work/addr")"
curl -fsS "$url/readyz" >/dev/null || { cat "$work/server.log"; exit 1; }
curl -fsS "$url/.well-known/jwks.json" >"$fx/jwks.json"
"$work/licentia" keys public --data "$work/data" >"$fx/keys.pem"
# Two licenses of OFFI001 for a year, imported into the server's database; a support token for its admin API.
exp=$(date -u -d '+365 days' +%Y-%m-%dT%H:%M:%SZ)
printf 'instance_id,order_id,order_line_id,product_id,sku,customer_id,expires_at\nsdk-a,SDK-A-%s,,OFFI001,sku-std,c-sdk,%s\nsdk-b,SDK-B-%s,,OFFI001,sku-std,c-sdk,%s\n' \
	"$RANDOM" "$exp" "$RANDOM" "$exp" >"$work/licenses.csv"
"$work/licentia" codes import "$work/licenses.csv" --data "$work/data"
"$work/licentia" tokens create sdk-check --role support --out "$work/token" --data "$work/data" >/dev/null
export LICENTIA_TOKEN_FILE="$work/token"
code() { # LICENSE-ID: its current code, through the admin API
	"$work/licentia" codes show "$1" --reveal --json --server "$url" | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["license"]["code"])'
}
# sdk-a's code as the public refresh endpoint answers it.
code sdk-a | "$PY" -c 'import json, sys; print(json.dumps({"code": sys.stdin.read().strip()}))' >"$work/refresh.json"
curl -fsS -H 'Content-Type: application/json' --data-binary @"$work/refresh.json" "$url/v1/codes/refresh" |
	"$PY" -c 'import json, sys; print(json.load(sys.stdin)["code"])' >"$fx/code-a"
# sdk-b reissued: generation 1 is then below the revocation list's min_gen.
code sdk-b >"$fx/code-b-1"
"$work/licentia" codes reissue sdk-b --reason "sdk check" --server "$url" >/dev/null
code sdk-b >"$fx/code-b-2"
for _ in $(seq 1 100); do
	curl -fsS "$url/v1/revocations" >"$fx/revocations.jwt"
	"$PY" - "$fx/revocations.jwt" <<'PYEOF' && break
import base64, json, sys
p = open(sys.argv[1]).read().split(".")[1]
sys.exit(0 if "sdk-b" in json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))["min_gen"] else 1)
PYEOF
	sleep 0.1
done
# A state file written by licentia-verify, for the packages to read.
"$work/licentia-verify" --keys "$fx/jwks.json" --product OFFI001 --revocations "$fx/revocations.jwt" \
	--state "$fx/state-go.json" - <"$fx/code-a"

export LICENTIA_VECTORS="$repo/verifier/testdata/vectors.json" LICENTIA_SERVER_FIXTURES="$fx" LICENTIA_REQUIRE_SERVER=1

step "python: the installed package's tests"
got=0
(cd "$work" && "$work/venv/bin/python" -m unittest discover -s "$work/py-tests" -t "$work/py-tests" -v) >"$work/py.log" 2>&1 || got=$?
grep -E '^(Ran|OK|FAILED)|skipped' "$work/py.log" || true
[ "$got" = 0 ] && ! grep -q 'skipped' "$work/py.log" || { cat "$work/py.log"; echo "python tests failed or skipped"; exit 1; }

step "node: the installed package's tests"
got=0
(cd "$work/node-project" && node --test test/*.test.js) >"$work/node.log" 2>&1 || got=$?
grep -E '^# (tests|pass|fail|skipped)' "$work/node.log" || true
[ "$got" = 0 ] && grep -q '^# skipped 0$' "$work/node.log" || { cat "$work/node.log"; echo "node tests failed or skipped"; exit 1; }

step "licentia-verify reads the state files the packages wrote"
for lang in python node; do
	f="$fx/state-$lang.json"
	[ -s "$f" ] || { echo "the $lang tests wrote no $f"; exit 1; }
	got=0
	"$work/licentia-verify" --keys "$fx/keys.pem" --product OFFI001 --state "$f" - <"$fx/code-b-2" >/dev/null || got=$?
	[ "$got" = 0 ] || { echo "licentia-verify on $lang's state file, the current code: exit $got, want 0"; exit 1; }
	got=0
	"$work/licentia-verify" --keys "$fx/keys.pem" --product OFFI001 --state "$f" - <"$fx/code-b-1" >/dev/null || got=$?
	[ "$got" = 5 ] || { echo "licentia-verify on $lang's state file, the superseded code: exit $got, want 5"; exit 1; }
	got=0
	"$work/licentia-verify" --keys "$fx/keys.pem" --product OFFI001 --state "$f" \
		--at "$(date -u -d '-2 hours' +%Y-%m-%dT%H:%M:%SZ)" - <"$fx/code-a" >/dev/null || got=$?
	[ "$got" = 6 ] || { echo "licentia-verify on $lang's state file, a clock two hours back: exit $got, want 6"; exit 1; }
	echo "$lang: state file read by licentia-verify (valid, superseded, clock rollback)"
done

step "the examples as users of the installed packages"
vf=verifier/testdata/vectors.json
"$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["public_key_pem"], end="")' "$vf" >"$work/vectors.pem"
valid=$("$PY" -c 'import json, sys; print(next(v["code"] for v in json.load(open(sys.argv[1]))["vectors"] if v["name"] == "valid"))' "$vf")
now=$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["now_unix"])' "$vf")
cp examples/verify/node/verify.mjs "$work/node-project/verify.mjs"
for prog in "$work/venv/bin/python examples/verify/python/verify.py" "node $work/node-project/verify.mjs"; do
	got=0
	out=$(LICENTIA_NOW=$now LICENTIA_PRODUCT=OFFI001 $prog "$work/vectors.pem" "$valid" 2>&1) || got=$?
	[ "$got" = 0 ] && [[ $out == *'"sub":'* ]] || { echo "$prog, the valid vector: exit $got: $out"; exit 1; }
	got=0
	out=$(LICENTIA_NOW=$now LICENTIA_PRODUCT=OFFI999 $prog "$work/vectors.pem" - <<<"$valid" 2>&1) || got=$?
	[ "$got" = 1 ] && [[ $out == *'invalid code: wrong_product' ]] || { echo "$prog, another product: exit $got: $out"; exit 1; }
	got=0
	out=$(LICENTIA_NOW=$now $prog "$work/vectors.pem" "$valid" 2>&1) || got=$?
	[ "$got" = 64 ] || { echo "$prog without a product: exit $got, want 64: $out"; exit 1; }
	got=0
	out=$(LICENTIA_PRODUCT=OFFI001 LICENTIA_REVOCATIONS="$fx/revocations.jwt" $prog "$fx/jwks.json" - <"$fx/code-b-1" 2>&1) || got=$?
	[ "$got" = 1 ] && [[ $out == *'invalid code: revoked' ]] || { echo "$prog, revoked by the server's list: exit $got: $out"; exit 1; }
	echo "ok: $prog"
done

step "done"
