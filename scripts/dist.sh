#!/usr/bin/env bash
# Builds the release binaries into a dist directory, with the version stamped in and a SHA256SUMS file:
#
#   licentia-verify  linux/amd64, linux/arm64 (Kunpeng), windows/amd64, darwin/arm64   CGO_ENABLED=0
#   licentia         linux/amd64, linux/arm64                                          cgo (SQLite)
#
# licentia is linked statically (netgo, osusergo), so one file runs on any Linux of its architecture; its
# arm64 build cross-compiles with Debian's gcc-aarch64-linux-gnu, installed here when missing.
#
# Usage: scripts/dist.sh [--out DIR] [--version VERSION]
#   --out      where the files go (default ./dist; emptied of earlier builds of these names)
#   --version  the version stamped in (default: git describe --tags --always --dirty, else "dev")
# Files are named NAME_VERSION_OS_ARCH (.exe on Windows).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"

out=dist
version=""
while [ $# -gt 0 ]; do
	case "$1" in
	--out) out=${2:?--out needs a directory}; shift 2 ;;
	--version) version=${2:?--version needs a value}; shift 2 ;;
	-h | --help) sed -n '2,14p' "$0"; exit 0 ;;
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

if ! command -v aarch64-linux-gnu-gcc >/dev/null; then
	echo "dist.sh: installing the arm64 cross compiler (gcc-aarch64-linux-gnu)"
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gcc-aarch64-linux-gnu libc6-dev-arm64-cross >/dev/null
fi
command -v gcc >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gcc libc6-dev >/dev/null; }

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

build_verify linux amd64
build_verify linux arm64
build_verify windows amd64
build_verify darwin arm64
build_server amd64 gcc
build_server arm64 aarch64-linux-gnu-gcc

(cd "$out" && sha256sum "${files[@]}" >SHA256SUMS)
echo "dist.sh: ${#files[@]} files and SHA256SUMS in $out (version $version)"
