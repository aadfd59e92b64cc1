#!/usr/bin/env bash
# The Java and C verifier packages (sdk/java, sdk/c), built and installed as their users would:
#   Java: `mvn -o package` against Debian's /usr/share/maven-repo (no network registry), then the JUnit tests
#         compiled against the jar and run with the JUnit console launcher;
#   C:    `make && make install PREFIX=<temp>`, then the tests built against the installed library through
#         pkg-config and run once under valgrind (no leak, no invalid read on the malformed inputs).
# Then examples/verify/{java,c}, built against the installed packages, check codes of a real licentia server
# on 127.0.0.1 next to the Go licentia-verify: valid, wrong product, forged, tampered, expired,
# revoked by a fresh revocation list, superseded and rolled back (one state file shared by Go, Java and C);
# every outcome must carry the Go reason; and on signed edge cases of the format (folded member names, repeated
# members, null, number forms, saturating time) they must reach the Go verifier's outcome code for code.
# Installs what is missing from Debian's packages.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin:$(go env GOPATH 2>/dev/null || echo /root/go)/bin"
export CGO_ENABLED=1

step() { printf '\n== sdk-java-c: %s\n' "$*"; }
PY=/usr/bin/python3
J=/usr/share/java

step "install"
need=()
command -v javac >/dev/null || need+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null || need+=(maven)
for plugin in compiler jar resources; do
	[ -d "/usr/share/maven-repo/org/apache/maven/plugins/maven-$plugin-plugin" ] || need+=("libmaven-$plugin-plugin-java")
done
[ -d /usr/share/maven-repo/org/apache/maven/plugins/maven-surefire-plugin ] || need+=(libsurefire-java)
[ -f "$J/junit-platform-console-standalone.jar" ] || need+=(junit5)
[ -f /usr/include/sodium.h ] || need+=(libsodium-dev)
command -v pkg-config >/dev/null || need+=(pkg-config)
command -v cc >/dev/null || need+=(gcc libc6-dev)
command -v make >/dev/null || need+=(make)
command -v valgrind >/dev/null || need+=(valgrind)
[ -x "$PY" ] && "$PY" -c 'import cryptography' 2>/dev/null || need+=(python3 python3-cryptography)
command -v curl >/dev/null || need+=(curl)
if [ "${#need[@]}" -gt 0 ]; then
	timeout 300 apt-get update -qq
	DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y -qq "${need[@]}" >/dev/null
fi
java -version 2>&1 | sed -n 1p
mvn -v 2>/dev/null | sed -n 1p

. .ci/lib.sh
ci_workdir sdk
vectors=$PWD/verifier/testdata/vectors.json

step "java: mvn -o package against /usr/share/maven-repo"
# Maven writes resolution records into its local repository, so it gets a private tree of links to
# Debian's read-only one.
mkdir -p "$work/m2"
cp -rs /usr/share/maven-repo/. "$work/m2/"
cp -r sdk/java "$work/java-src"
rm -rf "$work/java-src/target"
(cd "$work/java-src" && timeout 600 mvn -o -B -q -Dmaven.repo.local="$work/m2" -DskipTests package)
jar="$work/java-src/target/licentia-verify-0.1.0.jar"
jar tf "$jar" | grep 'io/github/licentia/verify/Verifier.class' >/dev/null

step "java: the tests, against the jar"
junit="$J/junit-jupiter-api.jar:$J/apiguardian-api.jar:$J/opentest4j.jar"
javac -d "$work/java-tests" -cp "$jar:$junit" $(find sdk/java/src/test -name '*.java')
timeout 600 java -Dlicentia.vectors="$vectors" -jar "$J/junit-platform-console-standalone.jar" \
	-cp "$jar:$work/java-tests" --select-package io.github.licentia.verify --disable-banner --details=summary \
	--fail-if-no-tests | tail -n 6

step "c: make && make install PREFIX=$work/c"
cp -r sdk/c "$work/c-src"
rm -rf "$work/c-src/build"
make -s -C "$work/c-src" CFLAGS="-O2 -g -Werror" >/dev/null
make -s -C "$work/c-src" install PREFIX="$work/c" >/dev/null
export PKG_CONFIG_PATH="$work/c/lib/pkgconfig"
pkg-config --modversion licentia_verify
lv_cflags=$(pkg-config --cflags licentia_verify)
lv_libs="$(pkg-config --libs licentia_verify) -Wl,-rpath,$work/c/lib"

step "c: the tests, built through pkg-config, under valgrind"
cc -O1 -g -std=c11 -Wall -Wextra -Werror -D_POSIX_C_SOURCE=200809L -o "$work/test_verify" \
	"$work/c-src/test/test_verify.c" $lv_cflags $lv_libs $(pkg-config --cflags --libs libsodium)
timeout 900 valgrind -q --leak-check=full --errors-for-leak-kinds=all --error-exitcode=9 \
	"$work/test_verify" "$vectors"

step "the examples, built against the installed packages"
javac -cp "$jar" -d "$work/java-example" examples/verify/java/Verify.java
make -s -C examples/verify/c -f Makefile verify CFLAGS="-O2 -Wall -Wextra -Werror -Wl,-rpath,$work/c/lib" >/dev/null
mv examples/verify/c/verify "$work/verify-c"
go build -o "$work/licentia" ./cmd/licentia
CGO_ENABLED=0 go build -o "$work/licentia-verify" ./cmd/licentia-verify

step "a real server on 127.0.0.1"
export LICENTIA_TEST_KEY="sdk-access-key-$RANDOM$RANDOM"
start_licentia "$LICENTIA_TEST_KEY" --log-format text
export LICENTIA_TEST_URL=$server_url

step "java, c and Go licentia-verify against the server's codes"
cat >"$work/programs" <<PROGRAMS
java	java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp $jar:$work/java-example Verify
c	$work/verify-c
PROGRAMS
"$PY" - "$work" <<'PYEOF'
import base64, datetime, hashlib, hmac, json, os, shutil, subprocess, sys, time, urllib.parse, urllib.request
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

work = sys.argv[1]
url, key = os.environ["LICENTIA_TEST_URL"], os.environ["LICENTIA_TEST_KEY"]
programs = [l.split("\t", 1) for l in open(os.path.join(work, "programs")).read().splitlines()]
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
unb64 = lambda s: base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))

def callback(activity, **p):
    """A signed License 1.0 call, as the marketplace makes it; returns the answer."""
    ts = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%d%H%M%S%f")[:17]
    p.update(activity=activity, timeStamp=ts)
    msg = "&".join("%s=%s" % (k, p[k]) for k in sorted(p))
    p["authToken"] = base64.b64encode(hmac.new((key + ts).encode(), msg.encode(), hashlib.sha256).digest()).decode()
    body = json.load(urllib.request.urlopen(url + "/koogallery/license?" + urllib.parse.urlencode(p), timeout=10))
    if body.get("resultCode") != "000000":
        sys.exit("%s answered %r" % (activity, body))
    return body

def buy(order, product):
    exp = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=365)).strftime("%Y%m%d%H%M%S")
    code = callback("getLicense", businessId="b-" + order, customerId="c-sdk", orderId=order, productId=product,
                    skuCode="sku-std", expireTime=exp)["license"]
    return code, json.loads(unb64(code.split(".")[1]))

def fetch(path, name):
    data = urllib.request.urlopen(url + path, timeout=10).read()
    open(os.path.join(work, name), "wb").write(data)
    return os.path.join(work, name)

jwks = fetch("/.well-known/jwks.json", "jwks.json")
suffix = str(os.getpid())
code1, claims1 = buy("SDK-%s-1" % suffix, "OFFI001")
code2, claims2 = buy("SDK-%s-2" % suffix, "OFFI001")
# The marketplace freezes license 2: generation 2 (frozen) supersedes the code held.
callback("expireLicense", instanceId=claims2["sub"], orderId="SDK-%s-2" % suffix)
frozen = json.loads(urllib.request.urlopen(urllib.request.Request(url + "/v1/codes/refresh", data=json.dumps({"code": code2}).encode(),
                                                                   headers={"Content-Type": "application/json"}), timeout=10).read())["code"]
revocations = fetch("/v1/revocations", "revocations.jws")

h, p, s = code1.split(".")
other = Ed25519PrivateKey.generate()
forged = h + "." + p + "." + b64(other.sign((h + "." + p).encode()))
hdr = json.loads(unb64(h))
hdr["kid"] = "0123456789abcdef"
h2 = b64(json.dumps(hdr, separators=(",", ":")).encode())
forged_kid = h2 + "." + p + "." + b64(other.sign((h2 + "." + p).encode()))
tampered = h + "." + b64(json.dumps(dict(claims1, exp=4102444800), separators=(",", ":")).encode()) + "." + s
now = int(time.time())
late = claims1["exp"] + claims1.get("grace", 0) + 86400

def rfc3339(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

def run_go(code, product, at=None, revs=None, state=None):
    cmd = [os.path.join(work, "licentia-verify"), "--keys", jwks, "--product", product, "--json"]
    cmd += ["--at", rfc3339(at)] if at else []
    cmd += ["--revocations", revs] if revs else []
    cmd += ["--state", state] if state else []
    r = subprocess.run(cmd + ["-"], input=code, capture_output=True, text=True, timeout=60)
    try:
        return json.loads(r.stdout)["reason"]
    except ValueError:
        return "exit %d: %s" % (r.returncode, r.stderr.strip())

def run(cmd, code, product, at=None, revs=None, state=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LICENTIA_")}
    env.update(LICENTIA_PRODUCT=product)
    if at: env["LICENTIA_NOW"] = str(at)
    if revs: env["LICENTIA_REVOCATIONS"] = revs
    if state: env["LICENTIA_STATE"] = state
    # The code goes in on standard input ("-"), as software should pass a bearer credential.
    r = subprocess.run(cmd.split() + [jwks, "-"], input=code, env=env, capture_output=True, text=True, timeout=120)
    if r.returncode == 0:
        got = json.loads(r.stdout)
        return "valid" if got["sub"] == json.loads(unb64(code.split(".")[1]))["sub"] else "wrong claims %r" % got
    last = r.stderr.strip().splitlines()[-1] if r.stderr.strip() else ""
    return last.split("invalid code: ", 1)[1] if r.returncode == 1 and "invalid code: " in last else "exit %d: %s" % (r.returncode, r.stderr.strip())

cases = [
    ("the server's code", code1, "OFFI001", {}, "valid"),
    ("the server's code for another product", code1, "OFFI999", {}, "wrong_product"),
    ("forged with another key under the server's kid", forged, "OFFI001", {}, "bad_signature"),
    ("forged with another key under its own kid", forged_kid, "OFFI001", {}, "unknown_key"),
    ("tampered claims (exp moved to 2100)", tampered, "OFFI001", {}, "bad_signature"),
    ("expired (a day after exp and grace)", code1, "OFFI001", {"at": late}, "expired"),
    ("the frozen code", frozen, "OFFI001", {}, "inactive"),
    ("a superseded code, revoked by the fresh list", code2, "OFFI001", {"revs": revocations}, "revoked"),
    ("a code the list does not touch", code1, "OFFI001", {"revs": revocations}, "valid"),
]
passed = failed = 0
def expect(who, what, got, want):
    global passed, failed
    if got == want:
        passed += 1
    else:
        failed += 1
        print("FAIL %s, %s: got %s, want %s" % (who, what, got, want))

for what, code, product, opts, want in cases:
    expect("go licentia-verify", what, run_go(code, product, **opts), want)
    for name, cmd in programs:
        expect(name, what, run(cmd, code, product, **opts), want)

# One state file, shared in turn by Go, Java and C: each reads what the others wrote.
state = os.path.join(work, "state.json")
for name, cmd in [("go", None)] + programs:
    got = run_go(code1, "OFFI001", state=state) if cmd is None else run(cmd, code1, "OFFI001", state=state)
    expect(name, "the server's code with the shared state file", got, "valid")
seen = json.load(open(state))
if seen.get("format") != "licentia-verifier-state/1" or seen["min_gen"].get(claims1["sub"]) != claims1["gen"]:
    expect("state", "the shared state file", repr(seen), "format licentia-verifier-state/1, min_gen of the license")
# The frozen generation teaches the state file about license 2; its older code is then superseded.
for name, cmd in [("go", None)] + programs:
    st = os.path.join(work, "state-%s.json" % name)
    shutil.copy(state, st)
    judge = (lambda c, **o: run_go(c, "OFFI001", state=st, **o)) if cmd is None else (lambda c, **o: run(cmd, c, "OFFI001", state=st, **o))
    expect(name, "the frozen code with a state file", judge(frozen), "inactive")
    expect(name, "the older code after the frozen one", judge(code2), "superseded")
    expect(name, "the clock set back two hours", judge(code1, at=now - 7200), "clock_rollback")
    expect(name, "the clock back where it was", judge(code1), "valid")
print("sdk-java-c server codes: %d passed, %d failed" % (passed, failed))
sys.exit(1 if failed or not passed else 0)
PYEOF

step "java and c agree with Go licentia-verify on signed edge cases (names, types, numbers, time, pids)"
"$PY" - "$work" <<'PYEOF'
# Edge cases of the format, signed with the golden vectors' seed: Java and C must reach the reason (and
# in_grace) the Go licentia-verify reaches, code for code.
import base64, datetime, json, os, subprocess, sys
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
work = sys.argv[1]
d = json.load(open("verifier/testdata/vectors.json"))
programs = [l.split("\t", 1) for l in open(os.path.join(work, "programs")).read().splitlines()]
key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(d["seed"]))
der = base64.b64decode("".join(l for l in d["public_key_pem"].splitlines() if not l.startswith("-----")))
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
jwks = os.path.join(work, "agree-jwks.json")
json.dump({"keys": [{"kty": "OKP", "crv": "Ed25519", "x": b64(der[-32:]), "kid": d["key_id"]}]}, open(jwks, "w"))
kid, now = d["key_id"], d["now_unix"]
def signed(header, payload, hb64=None, pb64=None):
    h = hb64 if hb64 is not None else b64(header.encode() if isinstance(header, str) else header)
    p = pb64 if pb64 is not None else b64(payload.encode() if isinstance(payload, str) else payload)
    return h + "." + p + "." + b64(key.sign((h + "." + p).encode()))
H = '{"alg":"EdDSA","kid":"%s","typ":"licentia+jwt"}' % kid
B = '"iss":"licentia","gen":1,"iat":1,"nbf":1,"st":"active","pid":"OFFI001","ord":"o"'
C = '{' + B + ',"sub":"x"}'
cases = {
    "folded header names": signed('{"ALG":"EdDSA","Kid":"%s","TYP":"licentia+jwt"}' % kid, C),
    "crit null": signed(H[:-1] + ',"crit":null}', C),
    "CRIT folded": signed(H[:-1] + ',"CRIT":[]}', C),
    "kid a number": signed(H[:-1] + ',"kid":7}', C),
    "alg twice, the later good": signed('{"alg":"none","alg":"EdDSA","kid":"%s","typ":"licentia+jwt"}' % kid, C),
    "alg twice, the later bad": signed('{"alg":"EdDSA","alg":"HS256","kid":"%s","typ":"licentia+jwt"}' % kid, C),
    "alg null": signed('{"alg":null,"kid":"%s","typ":"licentia+jwt"}' % kid, C),
    "typ with an invalid UTF-8 byte": signed(b'{"alg":"EdDSA","kid":"' + kid.encode() + b'","typ":"licentia+jwt\xff"}', C),
    "header an array": signed('[1]', C),
    "header null": signed('null', C),
    "header with white space": signed(' { "alg" : "EdDSA" , "kid" : "%s" , "typ" : "licentia+jwt" } ' % kid, C),
    "kid escaped": signed('{"alg":"EdDSA","kid":"\\u0066d110d301d2f077d","typ":"licentia+jwt"}' if kid == "fd110d301d2f077d" else H, C),
    "SUB folded": signed(H, '{' + B + ',"SUB":"x"}'),
    "long s sub": signed(H, ('{' + B + ',"\u017fub":"x"}').encode()),
    "sub twice": signed(H, '{' + B + ',"sub":"x","sub":"y"}'),
    "sub then null": signed(H, '{' + B + ',"sub":"x","sub":null}'),
    "sub a number, overridden": signed(H, '{' + B + ',"sub":1,"sub":"x"}'),
    "qty 1.0": signed(H, '{' + B + ',"sub":"x","qty":1.0}'),
    "qty 1e3": signed(H, '{' + B + ',"sub":"x","qty":1e3}'),
    "gen -0": signed(H, '{"iss":"licentia","gen":-0,"iat":1,"nbf":1,"st":"active","pid":"OFFI001","sub":"x"}'),
    "gen 2^63": signed(H, '{"iss":"licentia","gen":9223372036854775808,"iat":1,"nbf":1,"st":"active","pid":"OFFI001","sub":"x"}'),
    "exp -1": signed(H, '{' + B + ',"sub":"x","exp":-1}'),
    "status with a NUL": signed(H, '{' + B[:-len(',"st":"active","pid":"OFFI001","ord":"o"')] + ',"st":"active\\u0000","pid":"OFFI001","sub":"x"}'),
    "pid escaped": signed(H, '{"iss":"licentia","gen":1,"iat":1,"nbf":1,"st":"active","pid":"\\u004fFFI001","sub":"x"}'),
    "pid with an invalid byte": signed(H, b'{"iss":"licentia","gen":1,"iat":1,"nbf":1,"st":"active","pid":"OFFI001\xff","sub":"x"}'),
    "unknown claims nested": signed(H, '{' + B + ',"sub":"x","z":' + '[' * 100 + ']' * 100 + '}'),
    "claims an array": signed(H, '[' + C + ']'),
    "trailing data": signed(H, C + ' 1'),
    "white space around claims": signed(H, ' \n' + C + '\t '),
    "test null": signed(H, '{' + B + ',"sub":"x","test":null}'),
    "test a string": signed(H, '{' + B + ',"sub":"x","test":"true"}'),
    "grace saturating": signed(H, '{' + B + ',"sub":"x","exp":%d,"grace":9223372036854775807}' % (now - 10)),
    "in grace by a second": signed(H, '{' + B + ',"sub":"x","exp":%d,"grace":11}' % (now - 10)),
    "expired at exp+grace": signed(H, '{' + B + ',"sub":"x","exp":%d,"grace":10}' % (now - 10)),
    "nbf now": signed(H, '{"iss":"licentia","gen":1,"iat":1,"nbf":%d,"st":"active","pid":"OFFI001","sub":"x"}' % now),
    "nbf a second ahead": signed(H, '{"iss":"licentia","gen":1,"iat":1,"nbf":%d,"st":"active","pid":"OFFI001","sub":"x"}' % (now + 1)),
    "payload non-canonical base64": (lambda p: signed(H, None, pb64=p[:-1] + chr(ord(p[-1]) + 1)))(b64(C.encode() + b" ")),
    "header padded": signed(None, C, hb64=base64.urlsafe_b64encode(H.encode() + b" ").decode()),
    "status frozen, product other": signed(H, '{"iss":"licentia","gen":1,"iat":1,"nbf":1,"st":"frozen","pid":"X","sub":"x"}'),
    "test code frozen": signed(H, '{"iss":"licentia","gen":1,"iat":1,"nbf":1,"st":"frozen","pid":"OFFI001","sub":"x","test":true}'),
}
# The product family ("pids"): read as Go reads a []string, bounded at 8, checked with pid.
F = '{"iss":"licentia","gen":1,"iat":1,"nbf":1,"st":"active","pid":"OFFI002","sub":"x",%s}'
cases.update({
    "pids names the product": signed(H, F % '"pids":["OFFI001"]'),
    "pids names another product": signed(H, F % '"pids":["OFFI003"]'),
    "pids empty": signed(H, F % '"pids":[]'),
    "pids null": signed(H, F % '"pids":null'),
    "pids then null": signed(H, F % '"pids":["OFFI001"],"pids":null'),
    "pids twice, the later names it": signed(H, F % '"pids":["OFFI003"],"pids":["OFFI001"]'),
    "pids a number, overridden": signed(H, F % '"pids":7,"pids":["OFFI001"]'),
    "PIDS folded": signed(H, F % '"PIDS":["OFFI001"]'),
    "pids a string": signed(H, F % '"pids":"OFFI001"'),
    "pids an object": signed(H, F % '"pids":{"a":"OFFI001"}'),
    "pids with a null entry": signed(H, F % '"pids":["OFFI001",null]'),
    "pids with an empty entry": signed(H, F % '"pids":["","OFFI001"]'),
    "pids with a number": signed(H, F % '"pids":["OFFI001",1]'),
    "pids nested": signed(H, F % '"pids":[["OFFI001"]]'),
    "pids escaped": signed(H, F % '"pids":["\\u004fFFI001"]'),
    "pids 8 entries": signed(H, F % ('"pids":[%s,"OFFI001"]' % ",".join('"P%d"' % i for i in range(7)))),
    "pids 9 entries": signed(H, F % ('"pids":[%s,"OFFI001"]' % ",".join('"P%d"' % i for i in range(8)))),
    "pids 9 entries, overridden by 1": signed(H, F % ('"pids":[%s],"pids":["OFFI001"]' % ",".join('"P%d"' % i for i in range(9)))),
    "pids with pid the product": signed(H, '{"iss":"licentia","gen":1,"iat":1,"nbf":1,"st":"active","pid":"OFFI001","sub":"x","pids":["OFFI002"]}'),
    "pids and frozen": signed(H, '{"iss":"licentia","gen":1,"iat":1,"nbf":1,"st":"frozen","pid":"X","sub":"x","pids":["Y"]}'),
})
at = datetime.datetime.fromtimestamp(now, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
passed = failed = 0
for name, code in cases.items():
    r = subprocess.run([os.path.join(work, "licentia-verify"), "--keys", jwks, "--product", "OFFI001", "--at", at, "--json", "-"],
                       input=code, capture_output=True, text=True, timeout=60)
    go = json.loads(r.stdout)
    want = go["reason"]
    for prog, cmd in programs:
        env = {k: v for k, v in os.environ.items() if not k.startswith("LICENTIA_")}
        env.update(LICENTIA_PRODUCT="OFFI001", LICENTIA_NOW=str(now))
        p = subprocess.run(cmd.split() + [jwks, "-"], input=code, env=env, capture_output=True, text=True, timeout=120)
        last = (p.stderr.strip().splitlines() or [""])[-1]
        got = "valid" if p.returncode == 0 else last.split("invalid code: ", 1)[1] if "invalid code: " in last else "exit %d %s" % (p.returncode, p.stderr)
        if got == "valid" and go.get("in_grace") != ("grace period" in p.stderr):
            got = "valid, in_grace %s" % ("grace period" in p.stderr)
        if got == want:
            passed += 1
        else:
            failed += 1
            print("FAIL %s, %s: got %s, Go says %s" % (prog, name, got, want))
print("agreement with Go licentia-verify: %d cases, %d passed, %d failed" % (len(cases), passed, failed))
sys.exit(1 if failed else 0)
PYEOF

step "done"
