#!/usr/bin/env bash
# Builds the release into a dist directory, with the version stamped in:
#
#   licentia-verify  linux/amd64, linux/arm64 (Kunpeng), windows/amd64, darwin/arm64   CGO_ENABLED=0
#   licentia         linux/amd64, linux/arm64                                          cgo (SQLite)
#                    windows/amd64, darwin/arm64 (support laptops: remote codes, tokens,
#                    PostgreSQL; a local SQLite database needs the cgo build)         CGO_ENABLED=0
#
# and one archive per platform, licentia_VERSION_OS_ARCH.tar.gz (.zip for Windows), holding that platform's
# binaries, README.md, README.zh-CN.md, LICENSE and, for Linux, the systemd units and example configuration
# of docs/deploy. SHA256SUMS lists every file; with --sign-key KEY (or DIST_SIGN_KEY_FILE) it is signed with
# that Ed25519 private key (PEM) into SHA256SUMS.sig, which anyone checks with the public key:
#
#   openssl pkeyutl -verify -pubin -inkey licentia-release.pub -rawin -in SHA256SUMS -sigfile SHA256SUMS.sig
#   sha256sum -c SHA256SUMS
#
# licentia for Linux is linked statically (netgo, osusergo), so one file runs on any Linux of its
# architecture; its arm64 build cross-compiles with gcc-aarch64-linux-gnu, installed when missing with apt-get
# (Debian, Ubuntu) or dnf/yum (openEuler, EulerOS, CentOS, Fedora).
#
# Usage: scripts/dist.sh [--out DIR] [--version VERSION] [--sign-key KEY]
#   --out       where the files go (default ./dist; emptied of earlier builds of these names)
#   --version   the version stamped in (default: git describe --tags --always --dirty, else "dev")
#   --sign-key  an Ed25519 private key (PEM, mode 0600) that signs SHA256SUMS; never on a shared host
# Binaries are named NAME_VERSION_OS_ARCH (.exe on Windows).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"

out=dist
version=""
sign_key=${DIST_SIGN_KEY_FILE:-}
while [ $# -gt 0 ]; do
	case "$1" in
	--out) out=${2:?--out needs a directory}; shift 2 ;;
	--version) version=${2:?--version needs a value}; shift 2 ;;
	--sign-key) sign_key=${2:?--sign-key needs a key file}; shift 2 ;;
	-h | --help) sed -n '2,28p' "$0"; exit 0 ;;
	*) echo "dist.sh: unknown argument $1 (see --help)" >&2; exit 64 ;;
	esac
done
if [ -z "$version" ]; then
	version=$(git describe --tags --always --dirty 2>/dev/null || echo dev)
fi
case "$version" in
*[!A-Za-z0-9._+-]*) echo "dist.sh: version $version: use letters, digits and . _ + - only" >&2; exit 64 ;;
esac

# The version goes into cmd/internal/buildinfo.Version; `licentia version` and `licentia-verify --version`
# print it beside the VCS revision Go records in the binary (-buildvcs=auto overrides a GOFLAGS that turns
# the recording off, and builds without it outside a git checkout).
ldflags="-s -w -X github.com/licentia/licentia/cmd/internal/buildinfo.Version=$version"

if [ -n "$sign_key" ] && [ ! -r "$sign_key" ]; then
	echo "dist.sh: --sign-key $sign_key cannot be read" >&2
	exit 66
fi

# install PACKAGE…: with the host's package manager; Debian names are mapped for dnf/yum hosts.
install() {
	if command -v apt-get >/dev/null; then
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
		return
	fi
	local pm rpm=()
	pm=$(command -v dnf || command -v yum) || { echo "dist.sh: install $* (no apt-get, dnf or yum here)" >&2; exit 69; }
	for p in "$@"; do
		case "$p" in
		libc6-dev) rpm+=(glibc-devel glibc-static) ;;
		libc6-dev-arm64-cross) rpm+=(sysroot-aarch64-fc-glibc) ;; # Fedora's; openEuler ships glibc with its cross gcc
		*) rpm+=("$p") ;;
		esac
	done
	"$pm" install -y -q "${rpm[@]}" >/dev/null
}

if ! command -v aarch64-linux-gnu-gcc >/dev/null; then
	echo "dist.sh: installing the arm64 cross compiler (gcc-aarch64-linux-gnu)"
	install gcc-aarch64-linux-gnu libc6-dev-arm64-cross
fi
command -v gcc >/dev/null || install gcc libc6-dev
command -v python3 >/dev/null || install python3

mkdir -p "$out"
files=()

build_verify() { # GOOS GOARCH
	local name="licentia-verify_${version}_$1_$2"
	[ "$1" = windows ] && name="$name.exe"
	echo "dist.sh: $name"
	CGO_ENABLED=0 GOOS=$1 GOARCH=$2 go build -trimpath -buildvcs=auto -ldflags "$ldflags" -o "$out/$name" ./cmd/licentia-verify
	files+=("$name")
}

build_server() { # GOARCH CC
	local name="licentia_${version}_linux_$1"
	echo "dist.sh: $name"
	CGO_ENABLED=1 GOOS=linux GOARCH=$1 CC=$2 go build -trimpath -buildvcs=auto -tags 'netgo osusergo sqlite_omit_load_extension' \
		-ldflags "$ldflags -linkmode external -extldflags -static" -o "$out/$name" ./cmd/licentia
	files+=("$name")
}

build_cli() { # GOOS GOARCH: the support CLI without cgo, for laptops
	local name="licentia_${version}_$1_$2"
	[ "$1" = windows ] && name="$name.exe"
	echo "dist.sh: $name"
	CGO_ENABLED=0 GOOS=$1 GOARCH=$2 go build -trimpath -buildvcs=auto -ldflags "$ldflags" -o "$out/$name" ./cmd/licentia
	files+=("$name")
}

build_verify linux amd64
build_verify linux arm64
build_verify windows amd64
build_verify darwin arm64
build_server amd64 gcc
build_server arm64 aarch64-linux-gnu-gcc
build_cli windows amd64
build_cli darwin arm64

# archive OS ARCH: the platform's binaries (without the version and platform in their names), the READMEs,
# LICENSE and, for Linux, the units and example configuration, in one top directory.
archive() {
	local os=$1 arch=$2 ext="" top="licentia_${version}_$1_$2"
	[ "$os" = windows ] && ext=.exe
	local stage
	stage=$(mktemp -d)
	mkdir -p "$stage/$top"
	for bin in licentia licentia-verify; do
		cp "$out/${bin}_${version}_${os}_${arch}$ext" "$stage/$top/$bin$ext"
	done
	cp README.md README.zh-CN.md LICENSE "$stage/$top/"
	if [ "$os" = linux ]; then
		mkdir -p "$stage/$top/deploy"
		cp docs/deploy/*.service docs/deploy/licentia.env.example "$stage/$top/deploy/"
	fi
	if [ "$os" = windows ]; then
		(cd "$stage" && python3 -c 'import os, sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    for root, _, names in os.walk(sys.argv[2]):
        for n in sorted(names):
            z.write(os.path.join(root, n))' "$top.zip" "$top")
		mv "$stage/$top.zip" "$out/"
		files+=("$top.zip")
	else
		tar -C "$stage" --owner=0 --group=0 --numeric-owner -czf "$out/$top.tar.gz" "$top"
		files+=("$top.tar.gz")
	fi
	rm -rf "$stage"
	echo "dist.sh: ${files[-1]}"
}
archive linux amd64
archive linux arm64
archive windows amd64
archive darwin arm64

(cd "$out" && sha256sum "${files[@]}" >SHA256SUMS)
rm -f "$out/SHA256SUMS.sig"
if [ -n "$sign_key" ]; then
	openssl pkeyutl -sign -inkey "$sign_key" -rawin -in "$out/SHA256SUMS" -out "$out/SHA256SUMS.sig"
	echo "dist.sh: SHA256SUMS signed into SHA256SUMS.sig"
fi
echo "dist.sh: ${#files[@]} files and SHA256SUMS in $out (version $version)"
