#!/usr/bin/env bash
# The Python and Node.js verifier packages (sdk/python, sdk/node), installed as their users install them: a
# wheel built with Debian's pip into a fresh venv, and `npm pack` into a fresh project. The installed
# packages run their tests there: every golden vector (verifier/testdata/vectors.json), and the codes,
# revocation list and state file of a real licentia server on 127.0.0.1, which their online clients also
# call. The state files they write are then read by licentia-verify, so the three verifiers share one
# format, and all three must give the same reason for hundreds of mutated and re-signed codes. Installs
# what is missing (Debian packages only: python3-venv, python3-cryptography, python3-setuptools,
# python3-wheel, python3-pip, nodejs, npm); needs no package registry.
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

. .ci/lib.sh
ci_workdir sdk
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
start_licentia "sdk-access-key-$RANDOM$RANDOM" --log-level warn
url=$server_url
curl -fsS "$url/.well-known/jwks.json" >"$fx/jwks.json"
echo "$url" >"$fx/url"
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
[ "$got" = 0 ] && grep -q '^# skipped 0$' "$work/node.log" && grep -q '^ok [0-9]* - a real server$' "$work/node.log" ||
	{ cat "$work/node.log"; echo "node tests failed or skipped"; exit 1; }

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

step "differential: licentia-verify and both packages on the same mutated and re-signed codes"
# Codes whose header or claims JSON is mutated (member names folded or duplicated, integers written as 2.0,
# 2e0, -0 or past int64, nulls, wrong types, broken syntax) and then signed with the vectors' key, plus byte
# mutations of a valid code: each package must give the reason licentia-verify gives, for every one.
"$PY" - "$vf" "$work/diff-cases.json" <<'PYEOF'
import base64, json, random, sys
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
vf = json.load(open(sys.argv[1]))
key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(vf["seed"]))
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
rng = random.Random(22)
claims = ('{"iss":"licentia","sub":"inst-0001","gen":2,"iat":1767225600,"nbf":1767225600,"exp":1798761600,'
          '"grace":604800,"st":"active","pid":"OFFI001","sku":"sku-std","ord":"CS0001","qty":5}')
header = '{"alg":"EdDSA","kid":"%s","typ":"licentia+jwt"}' % vf["key_id"]
values = ['2.0', '2e0', '-0', '0', '-1', '9223372036854775807', '9223372036854775808', '9007199254740993', 'null',
          '"2"', 'true', 'false', '{}', '[]', '"active"', '"OFFI001"', '"sku-std"', '"licentia"', '"EdDSA"',
          '"Ed25519"', '"none"', '"licentia+jwt"', '"\\u0061ctive"', '"\\ud800"', '1772323200', '1772323199',
          '["OFFI001"]', '["OFFI002"]', '["OFFI002","OFFI001"]', '[null]', '["OFFI001",null]', '[""]', '["OFFI001",7]',
          '[["OFFI001"]]', '["P1","P2","P3","P4","P5","P6","P7","P8","OFFI001"]', '["P1","P2","P3","P4","P5","P6","P7","OFFI001"]']
names = ['iss', 'sub', 'gen', 'iat', 'nbf', 'exp', 'grace', 'st', 'pid', 'sku', 'ord', 'qty', 'test', 'alg', 'kid',
         'typ', 'crit', 'ISS', 'Sub', 'GEN', 'ST', 'PID', 'EXP', 'ALG', 'Typ', 'KID', '\u017fub', '\u017ft', 'crit ', 'pids', 'pids', 'PIDS', 'Pids']
def mutate(text):
    for _ in range(rng.randint(1, 3)):
        op = rng.randrange(6)
        if op == 0:  # a member added at the end (a later duplicate wins in Go)
            text = text[:-1] + ',"%s":%s}' % (rng.choice(names), rng.choice(values))
        elif op == 1:  # a member added at the start
            text = '{"%s":%s,' % (rng.choice(names), rng.choice(values)) + text[1:]
        elif op == 2:  # a value replaced
            members = text[1:-1].split(',')
            i = rng.randrange(len(members))
            k = members[i].split(':', 1)[0]
            members[i] = k + ':' + rng.choice(values)
            text = '{' + ','.join(members) + '}'
        elif op == 3:  # a name changed
            members = text[1:-1].split(',')
            i = rng.randrange(len(members))
            members[i] = '"%s":' % rng.choice(names) + members[i].split(':', 1)[-1]
            text = '{' + ','.join(members) + '}'
        else:  # a character replaced, removed or added
            i = rng.randrange(len(text))
            c = rng.choice('{}[],:"0123456789.eE-+ \\\x00\u00e9')
            text = [text[:i] + c + text[i + 1:], text[:i] + text[i + 1:], text[:i] + c + text[i:]][rng.randrange(3)]
    return text
def signed(h, p):
    si = b64(h.encode("utf-8", "surrogatepass")) + "." + b64(p.encode("utf-8", "surrogatepass"))
    return si + "." + b64(key.sign(si.encode()))
cases = []
for n in range(400):
    cases.append(signed(header, mutate(claims)) if n % 2 == 0 else signed(mutate(header), claims))
valid = next(v["code"] for v in vf["vectors"] if v["name"] == "valid")
for n in range(100):
    s = list(valid)
    i = rng.randrange(len(s))
    s[i] = rng.choice("AZaz09-_.=+/ \n")
    cases.append("".join(s))
json.dump(cases, open(sys.argv[2], "w"))
PYEOF
"$PY" - "$work/diff-cases.json" "$work/licentia-verify" "$work/vectors.pem" "$work/diff-go.json" <<'PYEOF'
import json, subprocess, sys
cases, out = json.load(open(sys.argv[1])), []
for c in cases:
    r = subprocess.run([sys.argv[2], "--keys", sys.argv[3], "--product", "OFFI001", "--sku", "sku-std",
                        "--issuer", "licentia", "--at", "2026-03-01T00:00:00Z", "--json", "-"],
                       input=c.encode("utf-8", "surrogatepass"), capture_output=True, timeout=30)
    out.append(json.loads(r.stdout)["reason"])
json.dump(out, open(sys.argv[4], "w"))
PYEOF
"$work/venv/bin/python" - "$work/diff-cases.json" "$work/vectors.pem" "$work/diff-python.json" <<'PYEOF'
import json, sys
import licentia_verify as lv
cases = json.load(open(sys.argv[1]))
ver = lv.Verifier(lv.Keyring.from_file(sys.argv[2]), product="OFFI001", sku="sku-std", issuer="licentia",
                  now=lambda: 1772323200, cache_size=0)
out = []
for c in cases:
    try:
        ver.check(c.encode("utf-8", "surrogatepass"))
        out.append("valid")
    except lv.VerificationError as e:
        out.append(e.reason)
json.dump(out, open(sys.argv[3], "w"))
PYEOF
(cd "$work/node-project" && node --input-type=module - "$work/diff-cases.json" "$work/vectors.pem" "$work/diff-node.json") <<'JSEOF'
import { readFileSync, writeFileSync } from 'node:fs';
import { Keyring, Verifier } from 'licentia-verify';
const [casesFile, keysFile, outFile] = process.argv.slice(2);
const ver = new Verifier(Keyring.fromFile(keysFile), { product: 'OFFI001', sku: 'sku-std', issuer: 'licentia',
  now: () => new Date(1772323200 * 1000), cacheSize: 0 });
const out = JSON.parse(readFileSync(casesFile, 'utf8')).map((c) => {
  try {
    ver.check(c);
    return 'valid';
  } catch (e) {
    return e.reason ?? `thrown: ${e}`;
  }
});
writeFileSync(outFile, JSON.stringify(out));
JSEOF
"$PY" - "$work" <<'PYEOF'
import base64, collections, json, sys
w = sys.argv[1]
cases = json.load(open(w + "/diff-cases.json"))
go = json.load(open(w + "/diff-go.json"))
def beyond_2_53(code):
    # The Node package's documented limit: a claim integer beyond 2^53 - 1 (never issued) is malformed.
    try:
        p = code.split(".")[1]
        pairs = json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)), object_pairs_hook=list)
        return any(isinstance(v, int) and not isinstance(v, bool) and abs(v) > 2**53 - 1 for _, v in pairs)
    except Exception:
        return False
bad = limit = 0
for lang in ("python", "node"):
    got = json.load(open("%s/diff-%s.json" % (w, lang)))
    for i, (g, p) in enumerate(zip(go, got)):
        if g != p and lang == "node" and p == "malformed" and beyond_2_53(cases[i]):
            limit += 1
        elif g != p:
            bad += 1
            print("DIFF %s case %d: licentia-verify %s, %s %s" % (lang, i, g, lang, p))
print("reasons:", dict(collections.Counter(go)))
print("differential: %d cases, %d differences (and %d integers past 2^53 - 1 refused by node, as documented)"
      % (len(cases), bad, limit))
sys.exit(1 if bad or len(go) != len(cases) else 0)
PYEOF

step "done"
