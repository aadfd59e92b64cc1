#!/usr/bin/env bash
# The verification examples (examples/verify/{python,java,node,c}) against the golden vectors and against a
# code from a real licentia server on 127.0.0.1, and the image-product scripts (examples/image) against the
# same server. Installs what is missing (Debian python3-cryptography, libsodium-dev, nodejs/npm; jose from
# the lock file with npm ci). JDK 17 is expected as `java`.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin:$(go env GOPATH 2>/dev/null || echo /root/go)/bin"
export CGO_ENABLED=1

step() { printf '\n== examples: %s\n' "$*"; }
PY=/usr/bin/python3 # Debian's python, where python3-cryptography installs

step "install"
need=()
[ -x "$PY" ] && "$PY" -c 'import cryptography' 2>/dev/null || need+=(python3 python3-cryptography)
[ -f /usr/include/sodium.h ] || need+=(libsodium-dev)
command -v pkg-config >/dev/null || need+=(pkg-config)
command -v cc >/dev/null || need+=(gcc libc6-dev)
command -v make >/dev/null || need+=(make)
command -v node >/dev/null || need+=(nodejs)
command -v npm >/dev/null || need+=(npm)
command -v curl >/dev/null || need+=(curl)
if [ "${#need[@]}" -gt 0 ]; then
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
java -version 2>&1 | head -n1
node --version
"$PY" -c 'import cryptography, sys; print("python", sys.version.split()[0], "cryptography", cryptography.__version__)'

work=$(mktemp -d /tmp/licentia-examples.XXXXXX)
server_pid=""
cleanup() {
	if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT

step "build"
# The C and Java examples use the packages of sdk/c and sdk/java (.ci/sdk-java-c.sh builds and tests those as
# their users install them); here they are built straight from the tree.
make -s -C sdk/c install PREFIX="$work/c" >/dev/null
cc -O2 -Wall -Wextra -Werror -o "$work/verify-c" examples/verify/c/verify.c -Wl,-rpath,"$work/c/lib" \
	$(PKG_CONFIG_PATH="$work/c/lib/pkgconfig" pkg-config --cflags --libs licentia_verify)
(cd examples/verify/node && timeout 300 npm ci --no-audit --no-fund --loglevel=error)
javac -d "$work/java-sdk" $(find sdk/java/src/main -name '*.java')
jar --create --file "$work/licentia-verify.jar" -C "$work/java-sdk" .
javac -cp "$work/licentia-verify.jar" -d "$work/java" examples/verify/java/Verify.java
go build -o "$work/licentia" ./cmd/licentia
CGO_ENABLED=0 go build -o "$work/licentia-verify" ./cmd/licentia-verify

# The programs, as a verifier would run them. Java runs from its compiled class for the vectors (a JVM start
# per vector); the single-file form `java Verify.java` is run against the server's code below.
cat >"$work/programs" <<PROGRAMS
python	env PYTHONPATH=sdk/python/src $PY examples/verify/python/verify.py
java	java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp $work/licentia-verify.jar:$work/java Verify
node	node examples/verify/node/verify.mjs
c	$work/verify-c
PROGRAMS

step "golden vectors (verifier/testdata/vectors.json)"
# Every vector that needs neither the revocation list nor a state file (the examples implement neither):
# exit 0 and the claims as JSON when want.valid, else exit 1 and want.reason on standard error.
"$PY" - "$work" <<'PYEOF'
import base64, json, os, subprocess, sys
work = sys.argv[1]
d = json.load(open("verifier/testdata/vectors.json"))
der = base64.b64decode("".join(l for l in d["public_key_pem"].splitlines() if not l.startswith("-----")))
x = base64.urlsafe_b64encode(der[-32:]).rstrip(b"=").decode()
jwks = os.path.join(work, "vectors-jwks.json")
json.dump({"keys": [{"kty": "OKP", "crv": "Ed25519", "x": x, "kid": d["key_id"], "alg": "EdDSA", "use": "sig"}]}, open(jwks, "w"))
programs = [l.split("\t", 1) for l in open(os.path.join(work, "programs")).read().splitlines()]
passed = failed = skipped = 0
for v in d["vectors"]:
    if "state" in v or v["name"] == "revoked_by_list":
        skipped += 1
        continue
    env = dict(os.environ, LICENTIA_NOW=str(d["now_unix"]), LICENTIA_PRODUCT=d["options"]["product"],
               LICENTIA_SKU=d["options"]["sku"], LICENTIA_ISSUER=d["options"]["issuer"])
    if v.get("allow_test"):
        env["LICENTIA_ALLOW_TEST"] = "1"
    for name, cmd in programs:
        r = subprocess.run(cmd.split() + [jwks, v["code"]], env=env, capture_output=True, text=True, timeout=60)
        ok = True
        if v["want"]["valid"]:
            try:
                ok = r.returncode == 0 and "sub" in json.loads(r.stdout)
            except ValueError:
                ok = False
        else:
            ok = r.returncode == 1 and r.stderr.strip().endswith("invalid code: " + v["want"]["reason"])
        if ok:
            passed += 1
        else:
            failed += 1
            print("FAIL %s %s: got exit %d, stderr %r; want %s" % (name, v["name"], r.returncode, r.stderr.strip(), v["want"]["reason"]))
# RFC 9864's fully specified alg "Ed25519": the valid vector re-signed under that header with the file's seed.
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
payload = next(v for v in d["vectors"] if v["name"] == "valid")["code"].split(".")[1]
header = b64(json.dumps({"alg": "Ed25519", "kid": d["key_id"], "typ": "licentia+jwt"}, separators=(",", ":")).encode())
signed = header + "." + payload
ed25519_code = signed + "." + b64(Ed25519PrivateKey.from_private_bytes(bytes.fromhex(d["seed"])).sign(signed.encode()))
env = dict(os.environ, LICENTIA_NOW=str(d["now_unix"]), LICENTIA_PRODUCT=d["options"]["product"])
for name, cmd in programs:
    r = subprocess.run(cmd.split() + [jwks, ed25519_code], env=env, capture_output=True, text=True, timeout=60)
    if r.returncode == 0:
        passed += 1
    else:
        failed += 1
        print("FAIL %s alg Ed25519: got exit %d, stderr %r; want valid" % (name, r.returncode, r.stderr.strip()))
print("vectors: %d passed, %d failed, %d skipped" % (passed, failed, skipped))
sys.exit(1 if failed or not passed else 0)
PYEOF

step "deployment vectors (verifier/testdata/deployment_vectors.json), the deployment in LICENTIA_DEPLOYMENT_FILE"
# Every code vector and every scripted machine change: exit 0 when valid, 8 and "invalid code:
# wrong_deployment" on another machine, 66 when the deployment is out of bounds, else 1 and the reason.
"$PY" - "$work" <<'PYEOF'
import base64, json, os, subprocess, sys
work = sys.argv[1]
d = json.load(open("verifier/testdata/deployment_vectors.json"))
der = base64.b64decode("".join(l for l in d["public_key_pem"].splitlines() if not l.startswith("-----")))
x = base64.urlsafe_b64encode(der[-32:]).rstrip(b"=").decode()
jwks = os.path.join(work, "deployment-jwks.json")
json.dump({"keys": [{"kty": "OKP", "crv": "Ed25519", "x": x, "kid": d["key_id"], "alg": "EdDSA", "use": "sig"}]}, open(jwks, "w"))
programs = [l.split("\t", 1) for l in open(os.path.join(work, "programs")).read().splitlines()]
machines = {m["name"]: m for m in d["machines"]}
cases = [(c["name"], c["code"], c.get("deployment"), c["want"]["reason"]) for c in d["codes"]]
cases += [("change " + s["name"], machines[s["machine"]]["code"], s["deployment"], s["want"]["reason"]) for s in d["changes"]]
cases.append(("an unreadable deployment file", d["machines"][0]["code"], os.path.join(work, "no-such-file"), "deployment_error"))
passed = failed = 0
for i, (name, code, dep, want) in enumerate(cases):
    env = dict(os.environ, LICENTIA_NOW=str(d["now_unix"]), LICENTIA_PRODUCT=d["options"]["product"],
               LICENTIA_SKU=d["options"]["sku"], LICENTIA_ISSUER=d["options"]["issuer"])
    if isinstance(dep, str) and dep.startswith(work):
        env["LICENTIA_DEPLOYMENT_FILE"] = dep
    elif dep is not None:
        path = os.path.join(work, "deployment-%d.json" % i)
        json.dump(dep, open(path, "w"))
        env["LICENTIA_DEPLOYMENT_FILE"] = path
    exit_want = {"valid": 0, "wrong_deployment": 8, "deployment_error": 66}.get(want, 1)
    for prog, cmd in programs:
        r = subprocess.run(cmd.split() + [jwks, code], env=env, capture_output=True, text=True, timeout=60)
        ok = r.returncode == exit_want
        if want == "valid":
            ok = ok and json.loads(r.stdout or "null") is not None
        elif want != "deployment_error":
            ok = ok and r.stderr.strip().endswith("invalid code: " + want)
        if ok:
            passed += 1
        else:
            failed += 1
            print("FAIL %s %s: got exit %d, stderr %r; want %s (exit %d)" % (prog, name, r.returncode, r.stderr.strip(), want, exit_want))
print("deployment vectors: %d passed, %d failed" % (passed, failed))
sys.exit(1 if failed or not passed else 0)
PYEOF

step "a real server on 127.0.0.1"
port=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export LICENTIA_TEST_URL="http://127.0.0.1:$port"
export LICENTIA_TEST_KEY="examples-access-key-$RANDOM$RANDOM"
LICENTIA_KOOGALLERY_KEY="$LICENTIA_TEST_KEY" LICENTIA_ADDR="127.0.0.1:$port" LICENTIA_DATA="$work/data" \
	LICENTIA_LOG_FORMAT=text "$work/licentia" serve >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 200); do
	curl -fsS "$LICENTIA_TEST_URL/readyz" >/dev/null 2>&1 && break
	kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log"; exit 1; }
	sleep 0.1
done
curl -fsS "$LICENTIA_TEST_URL/readyz" >/dev/null || { cat "$work/server.log"; exit 1; }
curl -fsS "$LICENTIA_TEST_URL/.well-known/jwks.json" >"$work/jwks.json"

# callback ACTIVITY NAME=VALUE…: a signed License 1.0 call (docs/koogallery.md "Authentication"); prints the answer.
callback() {
	"$PY" - "$@" <<'PYEOF'
import base64, datetime, hashlib, hmac, json, os, sys, urllib.parse, urllib.request
key = os.environ["LICENTIA_TEST_KEY"]
ts = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%d%H%M%S%f")[:17]
p = dict(a.split("=", 1) for a in sys.argv[2:])
p.update(activity=sys.argv[1], timeStamp=ts)
msg = "&".join("%s=%s" % (k, p[k]) for k in sorted(p))
p["authToken"] = base64.b64encode(hmac.new((key + ts).encode(), msg.encode(), hashlib.sha256).digest()).decode()
url = os.environ["LICENTIA_TEST_URL"] + "/koogallery/license?" + urllib.parse.urlencode(p)
body = json.load(urllib.request.urlopen(url, timeout=10))
if body.get("resultCode") != "000000":
    sys.exit("%s answered %r" % (sys.argv[1], body))
print(json.dumps(body))
PYEOF
}
# getlicense ORDER PRODUCT: buys a year of PRODUCT; prints the code.
getlicense() {
	local exp
	exp=$(date -u -d '+365 days' +%Y%m%d%H%M%S)
	callback getLicense "businessId=b-$1" customerId=c-examples "orderId=$1" "productId=$2" skuCode=sku-std \
		"expireTime=$exp" | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["license"])'
}
getlicense "EX-$RANDOM-1" OFFI001 >"$work/code"

step "the four programs against the server's code"
# Valid for its product; refused for another product, when tampered, and when forged with another key
# (under the server's kid, and under the forging key's own kid).
"$PY" - "$work" <<'PYEOF'
import base64, json, os, subprocess, sys
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
work = sys.argv[1]
jwks = os.path.join(work, "jwks.json")
code = open(os.path.join(work, "code")).read().strip()
h, p, s = code.split(".")
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
other = Ed25519PrivateKey.generate()
forged = h + "." + p + "." + b64(other.sign((h + "." + p).encode()))
hdr = json.loads(base64.urlsafe_b64decode(h + "=" * (-len(h) % 4)))
hdr["kid"] = "0123456789abcdef"
h2 = b64(json.dumps(hdr, separators=(",", ":")).encode())
forged_kid = h2 + "." + p + "." + b64(other.sign((h2 + "." + p).encode()))
claims = json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))
claims["exp"] = 4102444800
tampered = h + "." + b64(json.dumps(claims, separators=(",", ":")).encode()) + "." + s
cases = [
    ("the server's code", code, "OFFI001", 0, None),
    ("the server's code for another product", code, "OFFI999", 1, "wrong_product"),
    ("forged with another key under the server's kid", forged, "OFFI001", 1, "bad_signature"),
    ("forged with another key under its own kid", forged_kid, "OFFI001", 1, "unknown_key"),
    ("tampered claims (exp moved to 2100)", tampered, "OFFI001", 1, "bad_signature"),
]
programs = [l.split("\t", 1) for l in open(os.path.join(work, "programs")).read().splitlines()]
programs.append(("java (single-file)", "java -cp %s/licentia-verify.jar examples/verify/java/Verify.java" % work))
passed = failed = 0
for name, cmd in programs:
    for what, c, product, want, reason in cases:
        env = dict(os.environ, LICENTIA_PRODUCT=product)
        # The code goes in on standard input ("-"), as software should pass a bearer credential.
        r = subprocess.run(cmd.split() + [jwks, "-"], input=c, env=env, capture_output=True, text=True, timeout=120)
        ok = r.returncode == want
        if ok and want == 0:
            got = json.loads(r.stdout)
            ok = got["pid"] == "OFFI001" and got["st"] == "active" and got["sub"] == claims["sub"]
        if ok and reason:
            ok = r.stderr.strip().endswith("invalid code: " + reason)
        passed, failed = passed + ok, failed + (not ok)
        if not ok:
            print("FAIL %s, %s: exit %d, stderr %r, want exit %d %s" % (name, what, r.returncode, r.stderr.strip(), want, reason or ""))
print("server code: %d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
PYEOF

step "a renewal that switches month to year: the four programs bound to either productId"
# KooGallery gives one SKU another productId per period type; a refreshLicense that switches the period
# carries the new one (docs/koogallery.md). The renewed code names it in "pid" and the product it was
# sold under in "pids": software bound to either accepts it, software of another product does not.
order="EX-$RANDOM-3"
sold=$(callback getLicense "businessId=b-$order" customerId=c-examples "orderId=$order" productId=OFFI001 \
	skuCode=sku-std "expireTime=$(date -u -d '+30 days' +%Y%m%d%H%M%S)")
inst=$(printf '%s' "$sold" | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["instanceId"])')
printf '%s' "$sold" | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["license"])' >"$work/code-month"
callback refreshLicense "orderId=$order-R" "instanceId=$inst" productId=OFFI002 periodType=year periodNumber=1 \
	"expireTime=$(date -u -d '+395 days' +%Y%m%d%H%M%S)" >/dev/null
"$PY" - "$work/code-month" >"$work/code-year" <<'PYEOF'
import json, os, sys, urllib.request
req = urllib.request.Request(os.environ["LICENTIA_TEST_URL"] + "/v1/codes/refresh", method="POST",
                             data=json.dumps({"code": open(sys.argv[1]).read().strip()}).encode(),
                             headers={"Content-Type": "application/json"})
print(json.load(urllib.request.urlopen(req, timeout=10))["code"])
PYEOF
"$PY" - "$work" <<'PYEOF'
import json, os, subprocess, sys
work = sys.argv[1]
jwks = os.path.join(work, "jwks.json")
code = open(os.path.join(work, "code-year")).read().strip()
programs = [l.split("\t", 1) for l in open(os.path.join(work, "programs")).read().splitlines()]
passed = failed = 0
for name, cmd in programs:
    for product, want, reason in (("OFFI001", 0, None), ("OFFI002", 0, None), ("OFFI999", 1, "wrong_product")):
        r = subprocess.run(cmd.split() + [jwks, "-"], input=code, env=dict(os.environ, LICENTIA_PRODUCT=product),
                           capture_output=True, text=True, timeout=120)
        ok = r.returncode == want
        if ok and want == 0:
            got = json.loads(r.stdout)
            ok = got["pid"] == "OFFI002" and got.get("pids") == ["OFFI001"]
        if ok and reason:
            ok = r.stderr.strip().endswith("invalid code: " + reason)
        passed, failed = passed + ok, failed + (not ok)
        if not ok:
            print("FAIL %s, renewed code bound to %s: exit %d, stdout %r, stderr %r, want exit %d %s" %
                  (name, product, r.returncode, r.stdout.strip(), r.stderr.strip(), want, reason or ""))
print("renewed across products: %d passed, %d failed" % (passed, failed))
sys.exit(1 if failed or not passed else 0)
PYEOF

step "image product scripts (examples/image) against the server"
# The pasted-code path of license-activate.sh and the daily license-check.sh, on a fake root in $work.
img="$work/image"
mkdir -p "$img/etc" "$img/opt"
"$work/licentia" keys public --data "$work/data" >"$img/opt/keys.pem"
write_conf() { # PRODUCT URL
	cat >"$img/etc/licentia.conf" <<CONF
LICENTIA_URL=$2
LICENTIA_PRODUCT=$1
LICENTIA_KEYS=$img/opt/keys.pem
LICENSE_FILE=$img/var/license.jwt
STATE_FILE=$img/var/licentia-state.json
INPUT_FILE=$img/etc/license.input
STATUS_FILE=$img/run/license-status.json
APP_SERVICE=
LICENTIA_VERIFY=$work/licentia-verify
CONF
}
export LICENTIA_CONF="$img/etc/licentia.conf"
passed=0
check() { # WANT_EXIT (or "fail": any but 0) DESCRIPTION COMMAND…
	local want=$1 what=$2 got=0
	shift 2
	"$@" >"$work/out" 2>&1 || got=$?
	if [ "$got" != "$want" ] && ! { [ "$want" = fail ] && [ "$got" != 0 ]; }; then
		echo "FAIL image: $what: exit $got, want $want"; cat "$work/out"; exit 1
	fi
	if grep -qF "$(cat "$work/code2")" "$work/out"; then
		echo "FAIL image: $what: the output shows the whole code"; exit 1
	fi
	passed=$((passed + 1))
}
reason() { "$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["reason"])' "$img/run/license-status.json"; }
want_reason() {
	local got
	got=$(reason)
	[ "$got" = "$1" ] || { echo "FAIL image: status reason $got, want $1"; exit 1; }
	passed=$((passed + 1))
}

order="EX-$RANDOM-2"
getlicense "$order" OFFI001 >"$work/code2"
write_conf OFFI001 "$LICENTIA_TEST_URL"
check 66 "check before any license is installed" examples/image/license-check.sh
want_reason no_license
# A tampered code is refused and nothing is installed.
"$PY" -c 'import sys; h, p, s = open(sys.argv[1]).read().strip().split("."); print(h + "." + p + "." + ("A" if s[0] != "A" else "B") + s[1:])' \
	"$work/code2" >"$img/etc/license.input"
check 1 "activate a tampered code" examples/image/license-activate.sh
[ ! -e "$img/var/license.jwt" ] || { echo "FAIL image: a refused code was installed"; exit 1; }
# The genuine code, pasted from an e-mail with line breaks, is installed 0600 and its input removed.
fold -w 60 "$work/code2" | sed 's/^/  /' >"$img/etc/license.input"
check 0 "activate the pasted code" examples/image/license-activate.sh
[ "$(stat -c %a "$img/var/license.jwt")" = 600 ] || { echo "FAIL image: license file mode $(stat -c %a "$img/var/license.jwt")"; exit 1; }
[ ! -e "$img/etc/license.input" ] || { echo "FAIL image: the input was left behind"; exit 1; }
check 0 "daily check, online" examples/image/license-check.sh
want_reason valid
# The marketplace freezes the license: the online check picks the frozen code up and refuses.
instance=$("$PY" -c 'import base64, json, sys; p = open(sys.argv[1]).read().split(".")[1]; print(json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))["sub"])' "$work/code2")
callback expireLicense "instanceId=$instance" "orderId=$order" >/dev/null
check 5 "daily check after a freeze, online" examples/image/license-check.sh
want_reason inactive
# Offline afterwards (server unreachable): the installed, older code is refused as superseded.
write_conf OFFI001 "http://127.0.0.1:9"
check 5 "daily check after a freeze, offline" examples/image/license-check.sh
want_reason superseded
# A code for another product is refused at activation.
rm -f "$img/var/"*
getlicense "EX-$RANDOM-3" OFFI002 >"$img/etc/license.input"
write_conf OFFI001 "$LICENTIA_TEST_URL"
check 4 "activate a code of another product" examples/image/license-activate.sh
# License 2.0: a KooGallery code goes to licentia-verify --activate (docs/image-products.md).
printf 'KOOGALLERY-CODE-0001\n' >"$img/etc/license.input"
verify_help=$("$work/licentia-verify" -h 2>&1 || true) # whole: grep -q on a pipe may break it under pipefail
if grep -q -- '-activate' <<<"$verify_help"; then
	# ---- ACTIVATION PATH: this server has no marketplace AK/SK, so activation must fail, installing nothing.
	check fail "activate a KooGallery code without marketplace credentials" examples/image/license-activate.sh
	[ ! -e "$img/var/license.jwt" ] || { echo "FAIL image: a failed activation installed a code"; exit 1; }
else
	# ---- ACTIVATION PATH: licentia-verify has no --activate yet; the script must say so and install nothing.
	check 64 "activate a KooGallery code (no --activate in this licentia-verify)" examples/image/license-activate.sh
fi

# The .path unit, end to end as far as a machine without systemd as PID 1 allows: a watcher reads
# myapp-license-activate.path (PathChanged, Unit) and the service it names (ConditionPathExists, ExecStart),
# and runs that ExecStart when the file is written, as systemd would; the buyer writes the code after boot;
# the license is installed and myapp restarted (a fake systemctl records the call).
units=examples/image/systemd
rm -f "$img/var/"* "$img/etc/license.input"
getlicense "EX-$RANDOM-4" OFFI001 >"$work/code4"
write_conf OFFI001 "$LICENTIA_TEST_URL"
sed -i 's/^APP_SERVICE=.*/APP_SERVICE=myapp.service/' "$img/etc/licentia.conf"
printf '#!/bin/sh\necho "$*" >>"%s"\n' "$work/systemctl.log" >"$work/systemctl"
chmod +x "$work/systemctl"
: >"$work/systemctl.log"
SYSTEMCTL="$work/systemctl" "$PY" - "$units" "$img" <<'PYEOF' &
import os, subprocess, sys, time
units, img = sys.argv[1], sys.argv[2]
def unit(name):
    keys = {}
    for line in open(os.path.join(units, name)):
        line = line.strip()
        if line and not line.startswith(("#", "[")):
            k, _, v = line.partition("=")
            keys.setdefault(k, []).append(v)
    return keys
path = unit("myapp-license-activate.path")
svc = unit(path["Unit"][0])
where = {"/etc/myapp/license.input": os.path.join(img, "etc/license.input"),
         "/opt/myapp/licentia/license-activate.sh": "examples/image/license-activate.sh"}
watched = where[path["PathChanged"][0]]
conditions = [where[c] for c in svc.get("ConditionPathExists", [])]
cmd = where[svc["ExecStart"][0]]
seen = None
deadline = time.time() + 60
while time.time() < deadline:
    st = os.stat(watched) if os.path.exists(watched) else None
    stamp = st and (st.st_mtime_ns, st.st_size)
    if stamp and stamp != seen:
        seen = stamp
        if all(os.path.exists(c) for c in conditions):
            r = subprocess.run([cmd], capture_output=True, text=True)
            sys.stderr.write(r.stderr)
            if r.returncode == 0:
                sys.exit(0)
    time.sleep(0.05)
sys.exit("the path unit's service never installed a license")
PYEOF
watcher=$!
sleep 0.2
fold -w 60 "$work/code4" >"$img/etc/license.input" # the buyer pastes the code after boot
if ! wait "$watcher"; then echo "FAIL image: the .path activation did not install the license"; exit 1; fi
[ -s "$img/var/license.jwt" ] || { echo "FAIL image: no license after the .path activation"; exit 1; }
grep -qx -- "--no-block restart myapp.service" "$work/systemctl.log" ||
	{ echo "FAIL image: myapp was not restarted after activation: $(cat "$work/systemctl.log")"; exit 1; }
passed=$((passed + 1))
# A refused code tells the buyer what to do, in English and in Chinese.
getlicense "EX-$RANDOM-5" OFFI002 >"$img/etc/license.input"
check 4 "activate a code of another product, told why" env SYSTEMCTL="$work/systemctl" examples/image/license-activate.sh
grep -q "the code is for another product" "$work/out" && grep -q "该授权码属于其他商品" "$work/out" ||
	{ echo "FAIL image: the refusal does not say what to do in both languages"; cat "$work/out"; exit 1; }
passed=$((passed + 1))
echo "image: $passed passed, 0 failed"

step "done"
