#!/usr/bin/env bash
# The support CLI without cgo (CGO_ENABLED=0), as support staff build it for their laptops: it builds for
# linux/amd64, linux/arm64, windows/amd64 and darwin/arm64; on a local SQLite database it says in one line that
# SQLite needs the cgo build; through the admin API (--server) it works, against a real server on 127.0.0.1; the
# linux/arm64 build prints its version under qemu-user when that is installed (.ci/dist.sh installs it).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin:$(go env GOPATH 2>/dev/null || echo /root/go)/bin"

step() { printf '\n== nocgo: %s\n' "$*"; }
. .ci/lib.sh
ci_workdir nocgo

step "CGO_ENABLED=0 builds"
for target in linux/amd64 linux/arm64 windows/amd64 darwin/arm64; do
	os=${target%/*} arch=${target#*/}
	out="$work/licentia_${os}_${arch}"
	[ "$os" = windows ] && out="$out.exe"
	CGO_ENABLED=0 GOOS=$os GOARCH=$arch go build -trimpath -o "$out" ./cmd/licentia
	echo "$target: $(basename "$out")"
done
nocgo="$work/licentia_linux_amd64"

step "local SQLite: one line naming the cgo build, nothing created"
if out=$("$nocgo" codes list --data "$work/local" 2>&1); then
	echo "codes list on SQLite without cgo succeeded: $out"; exit 1
fi
[ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] || { echo "want one line, got:"; echo "$out"; exit 1; }
case "$out" in *cgo*) echo "$out" ;; *) echo "want a line naming cgo, got: $out"; exit 1 ;; esac
[ ! -e "$work/local/licentia.db" ] || { echo "a database file was created"; exit 1; }

step "remote: codes list --server against a real server"
CGO_ENABLED=1 go build -o "$work/licentia" ./cmd/licentia
start_licentia "nocgo-key-$RANDOM$RANDOM" --log-level warn
base=$server_url
"$work/licentia" tokens create laptop --role read --data "$work/data" --out "$work/laptop.token" 2>/dev/null
LICENTIA_TOKEN_FILE="$work/laptop.token" "$nocgo" codes list --lang en --server "$base" >"$work/list.out"
head -n1 "$work/list.out" | grep -Eq '^ID +ORDER +CUSTOMER' || { echo "codes list --server printed:"; cat "$work/list.out"; exit 1; }
echo "codes list --server: $(head -n1 "$work/list.out")"

step "linux/arm64 under qemu"
if qemu=$(command -v qemu-aarch64 || command -v qemu-aarch64-static); then
	"$qemu" "$work/licentia_linux_arm64" --version
else
	echo "skipped: qemu-user is not installed (.ci/dist.sh installs it)"
fi
step "done"
