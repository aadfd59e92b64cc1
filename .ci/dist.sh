#!/usr/bin/env bash
# The release builds (scripts/dist.sh): every target builds, the sums check, each file is of its platform
# and prints its version; then the linux/arm64 binaries run under qemu-user: licentia-verify against the
# golden vectors (every exit status), licentia serving on 127.0.0.1 (cgo SQLite, key ring, JWKS).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin:$(go env GOPATH 2>/dev/null || echo /root/go)/bin"

step() { printf '\n== dist: %s\n' "$*"; }
PY=/usr/bin/python3

step "install"
need=()
command -v qemu-aarch64 >/dev/null || command -v qemu-aarch64-static >/dev/null || need+=(qemu-user)
[ -x "$PY" ] || need+=(python3)
command -v curl >/dev/null || need+=(curl)
if [ "${#need[@]}" -gt 0 ]; then
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
qemu=$(command -v qemu-aarch64 || command -v qemu-aarch64-static)
"$qemu" --version | head -n1

work=$(mktemp -d /tmp/licentia-dist.XXXXXX)
server_pid=""
cleanup() {
	if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT
version="0.0.0-ci.$(git rev-parse --short HEAD 2>/dev/null || echo local)"

step "scripts/dist.sh --version $version --sign-key (a throwaway Ed25519 key)"
openssl genpkey -algorithm ed25519 -out "$work/release.key"
chmod 600 "$work/release.key"
openssl pkey -in "$work/release.key" -pubout -out "$work/release.pub"
timeout 3000 scripts/dist.sh --out "$work/dist" --version "$version" --sign-key "$work/release.key"
(cd "$work/dist" && sha256sum -c --quiet SHA256SUMS)
openssl pkeyutl -verify -pubin -inkey "$work/release.pub" -rawin -in "$work/dist/SHA256SUMS" -sigfile "$work/dist/SHA256SUMS.sig"
cp "$work/dist/SHA256SUMS" "$work/tampered"
sed -i '1s/^./0/' "$work/tampered"
if openssl pkeyutl -verify -pubin -inkey "$work/release.pub" -rawin -in "$work/tampered" -sigfile "$work/dist/SHA256SUMS.sig" >/dev/null 2>&1; then
	echo "a changed SHA256SUMS verified against the signature"
	exit 1
fi
echo "signature: SHA256SUMS verifies, a changed one does not"

step "archives: one per platform, with its binaries, the READMEs, LICENSE and (Linux) the units"
"$PY" - "$work/dist" "$version" <<'PYEOF'
import sys, tarfile, zipfile, os
d, v = sys.argv[1], sys.argv[2]
common = {"README.md", "README.zh-CN.md", "LICENSE"}
units = {"deploy/licentia@.service", "deploy/licentia-migrate.service", "deploy/licentia.env.example"}
for os_, arch in [("linux", "amd64"), ("linux", "arm64"), ("windows", "amd64"), ("darwin", "arm64")]:
    top = "licentia_%s_%s_%s" % (v, os_, arch)
    ext = ".exe" if os_ == "windows" else ""
    want = common | {"licentia" + ext, "licentia-verify" + ext} | (units if os_ == "linux" else set())
    if os_ == "windows":
        names = zipfile.ZipFile(os.path.join(d, top + ".zip")).namelist()
    else:
        names = [m.name for m in tarfile.open(os.path.join(d, top + ".tar.gz")).getmembers() if m.isfile()]
    got = {n[len(top) + 1:] for n in names if n.startswith(top + "/")}
    if got != want or len(names) != len(want):
        sys.exit("%s holds %s, want %s" % (top, sorted(names), sorted(want)))
    print("%-45s %d files" % (top, len(got)))
PYEOF

step "each file: its platform, its version"
"$PY" - "$work/dist" "$version" <<'PYEOF'
import os, struct, subprocess, sys
d, version = sys.argv[1], sys.argv[2]
want = {  # name: (format, machine)
    "licentia-verify_%s_linux_amd64": ("elf", 62), "licentia-verify_%s_linux_arm64": ("elf", 183),
    "licentia-verify_%s_windows_amd64.exe": ("pe", 0x8664), "licentia-verify_%s_darwin_arm64": ("macho", 0x0100000C),
    "licentia_%s_linux_amd64": ("elf", 62), "licentia_%s_linux_arm64": ("elf", 183),
    "licentia_%s_windows_amd64.exe": ("pe", 0x8664), "licentia_%s_darwin_arm64": ("macho", 0x0100000C),
}
archives = ["licentia_%s_linux_amd64.tar.gz", "licentia_%s_linux_arm64.tar.gz", "licentia_%s_windows_amd64.zip",
            "licentia_%s_darwin_arm64.tar.gz"]
listed = sorted(l.split()[1] for l in open(os.path.join(d, "SHA256SUMS")))
if listed != sorted(n % version for n in list(want) + archives):
    sys.exit("SHA256SUMS lists %s" % listed)
for pattern, (fmt, machine) in want.items():
    name = pattern % version
    b = open(os.path.join(d, name), "rb").read()
    if fmt == "elf":
        ok = b[:4] == b"\x7fELF" and struct.unpack_from("<H", b, 18)[0] == machine
        # static: no program interpreter (PT_INTERP = 3) among the program headers (CGO_ENABLED=0 builds are static too)
        phoff, phentsize, phnum = struct.unpack_from("<Q", b, 32)[0], struct.unpack_from("<H", b, 54)[0], struct.unpack_from("<H", b, 56)[0]
        ok = ok and all(struct.unpack_from("<I", b, phoff + i * phentsize)[0] != 3 for i in range(phnum))
    elif fmt == "pe":
        pe = struct.unpack_from("<I", b, 0x3C)[0]
        ok = b[:2] == b"MZ" and b[pe:pe + 4] == b"PE\0\0" and struct.unpack_from("<H", b, pe + 4)[0] == machine
    else:
        ok = struct.unpack_from("<I", b, 0)[0] == 0xFEEDFACF and struct.unpack_from("<I", b, 4)[0] == machine
    print("%-50s %-6s %s" % (name, fmt, "ok" if ok else "WRONG PLATFORM OR NOT STATIC"))
    if not ok:
        sys.exit(1)
PYEOF
# The version is stamped into cmd/internal/buildinfo.Version (-X); both binaries print it.
if [ -d cmd/internal/buildinfo ]; then
	for cmd in "licentia-verify_${version}_linux_amd64 --version" "licentia_${version}_linux_amd64 version"; do
		out=$("$work/dist/"$cmd 2>&1) || { echo "$cmd: $out"; exit 1; }
		case "$out" in
		*"$version"*) echo "$cmd: $out" ;;
		*) echo "$cmd = $out, want the version $version"; exit 1 ;;
		esac
	done
else
	echo "version check skipped: no cmd/internal/buildinfo in this tree"
fi

step "linux/arm64 licentia-verify under qemu: the golden vectors"
"$PY" - "$qemu" "$work/dist/licentia-verify_${version}_linux_arm64" "$work" <<'PYEOF'
import json, os, subprocess, sys
qemu, verify, work = sys.argv[1:4]
d = json.load(open("verifier/testdata/vectors.json"))
keys = os.path.join(work, "vectors.pem")
revs = os.path.join(work, "revocations.jwt")
open(keys, "w").write(d["public_key_pem"])
open(revs, "w").write(d["revocations"] + "\n")
passed = failed = 0
for i, v in enumerate(d["vectors"]):
    args = ["--keys", keys, "--product", d["options"]["product"], "--sku", d["options"]["sku"],
            "--issuer", d["options"]["issuer"], "--revocations", revs, "--at", d["now"], "--json"]
    if v.get("allow_test"):
        args.append("--allow-test")
    if "state" in v:
        state = os.path.join(work, "state-%d.json" % i)
        json.dump(v["state"], open(state, "w"))
        args += ["--state", state]
    r = subprocess.run([qemu, verify] + args + ["-"], input=v["code"], capture_output=True, text=True, timeout=120)
    try:
        rep = json.loads(r.stdout)
        ok = r.returncode == v["want"]["exit"] and rep["valid"] == v["want"]["valid"] and rep["reason"] == v["want"]["reason"]
    except ValueError:
        ok = False
    passed, failed = passed + ok, failed + (not ok)
    if not ok:
        print("FAIL %s: exit %d, stdout %r, want exit %d %s" % (v["name"], r.returncode, r.stdout.strip(), v["want"]["exit"], v["want"]["reason"]))
print("arm64 vectors: %d passed, %d failed" % (passed, failed))
sys.exit(1 if failed or not passed else 0)
PYEOF

step "linux/arm64 licentia under qemu: serve on 127.0.0.1"
port=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
LICENTIA_KOOGALLERY_KEY="dist-access-key-$RANDOM$RANDOM" LICENTIA_ADDR="127.0.0.1:$port" LICENTIA_DATA="$work/data" \
	LICENTIA_LOG_FORMAT=text "$qemu" "$work/dist/licentia_${version}_linux_arm64" serve >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 600); do
	curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
	kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log"; exit 1; }
	sleep 0.1
done
curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null || { cat "$work/server.log"; exit 1; }
curl -fsS "http://127.0.0.1:$port/.well-known/jwks.json" >"$work/jwks.json"
# The arm64 key ring (written by the arm64 server) reads back with the arm64 CLI, and names the same key.
"$qemu" "$work/dist/licentia_${version}_linux_arm64" keys public --data "$work/data" >"$work/keys.pem"
"$PY" - "$work" <<'PYEOF'
import base64, hashlib, json, os, sys
work = sys.argv[1]
kids = [k["kid"] for k in json.load(open(os.path.join(work, "jwks.json")))["keys"]]
pem = open(os.path.join(work, "keys.pem")).read()
der = base64.b64decode("".join(l for l in pem.splitlines() if l and not l.startswith("-----")))
kid = hashlib.sha256(der).hexdigest()[:16]
if kid not in kids:
    sys.exit("arm64: keys public names %s, the server's JWKS %s" % (kid, kids))
print("arm64 server: ready, JWKS key %s = keys public" % kid)
PYEOF

step "done"
