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
# architecture. The host's own architecture (x86_64 or aarch64, Kunpeng) is built with gcc, the other one
# with a cross gcc (aarch64-linux-gnu-gcc or x86_64-linux-gnu-gcc) and that architecture's static C library.
# What is missing is installed with the host's package manager: apt-get (Debian, Ubuntu: gcc libc6-dev,
# gcc-aarch64-linux-gnu libc6-dev-arm64-cross or gcc-x86-64-linux-gnu libc6-dev-amd64-cross, python3) or
# dnf, else yum (openEuler, EulerOS, CentOS, Fedora: gcc glibc-devel glibc-static, gcc-aarch64-linux-gnu
# or gcc-x86_64-linux-gnu with, on Fedora, its sysroot-ARCH-fcN-glibc, python3). Where the RPM repositories
# ship no cross C library (openEuler, EulerOS, CentOS), give DIST_CC_ARM64 or DIST_CC_AMD64 a cross compiler
# that has one, or build each architecture's server on a host of that architecture.
#
# Usage: scripts/dist.sh [--out DIR] [--version VERSION] [--sign-key KEY] [--install-only]
#   --out           where the files go (default ./dist; emptied of earlier builds of these names)
#   --version       the version stamped in (default: git describe --tags --always --dirty, else "dev")
#   --sign-key      an Ed25519 private key (PEM, mode 0600) that signs SHA256SUMS; never on a shared host
#   --install-only  install what this host lacks to build, say which compilers will be used, and exit
# Binaries are named NAME_VERSION_OS_ARCH (.exe on Windows). DIST_CC_AMD64 and DIST_CC_ARM64 name the C
# compilers of the Linux server builds when the defaults above will not do.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"

out=dist
version=""
sign_key=${DIST_SIGN_KEY_FILE:-}
install_only=false
while [ $# -gt 0 ]; do
	case "$1" in
	--out) out=${2:?--out needs a directory}; shift 2 ;;
	--version) version=${2:?--version needs a value}; shift 2 ;;
	--sign-key) sign_key=${2:?--sign-key needs a key file}; shift 2 ;;
	--install-only) install_only=true; shift ;;
	-h | --help) sed -n '2,33p' "$0"; exit 0 ;;
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

# The host's architecture: its server build is native, the other one is cross-compiled.
case "$(uname -m)" in
x86_64 | amd64) host_arch=amd64 other_arch=arm64 ;;
aarch64 | arm64) host_arch=arm64 other_arch=amd64 ;;
*) echo "dist.sh: build on an x86_64 or aarch64 Linux host (this one is $(uname -m))" >&2; exit 69 ;;
esac
declare -A gnu=([amd64]=x86_64 [arm64]=aarch64)

# package_manager: apt-get, dnf or yum, whichever the host has (in that order).
package_manager() {
	local pm
	for pm in apt-get dnf yum; do
		if command -v "$pm" >/dev/null; then echo "$pm"; return; fi
	done
	return 1
}

# packages PM NEED…: the package names PM knows for each need: cc (gcc with a static C library),
# cross-ARCH (a cross gcc for ARCH with ARCH's static C library), python3.
packages() {
	local pm=$1 need fedora
	shift
	for need in "$@"; do
		case "$pm:$need" in
		apt-get:cc) echo gcc libc6-dev ;;
		apt-get:cross-arm64) echo gcc-aarch64-linux-gnu libc6-dev-arm64-cross ;;
		apt-get:cross-amd64) echo gcc-x86-64-linux-gnu libc6-dev-amd64-cross ;;
		*:cc) echo gcc glibc-devel glibc-static ;;
		*:cross-*)
			echo "gcc-${gnu[${need#cross-}]}-linux-gnu"
			# Fedora ships the target's C library as a sysroot package; %fedora is unset elsewhere.
			fedora=$(rpm -E %fedora 2>/dev/null || true)
			case "$fedora" in '' | *[!0-9]*) ;; *) echo "sysroot-${gnu[${need#cross-}]}-fc$fedora-glibc" ;; esac ;;
		*) echo "$need" ;;
		esac
	done
}

# install NEED…: installs the packages of each need with the host's package manager.
install() {
	local pm names
	pm=$(package_manager) || { echo "dist.sh: need $* (no apt-get, dnf or yum here: install them by hand)" >&2; exit 69; }
	# shellcheck disable=SC2207 # package names have no spaces
	names=($(packages "$pm" "$@"))
	echo "dist.sh: installing ${names[*]} with $pm"
	case "$pm" in
	apt-get)
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${names[@]}" >/dev/null ;;
	*)
		if ! "$pm" install -y -q "${names[@]}" >/dev/null; then
			echo "dist.sh: $pm could not install ${names[*]} (on CentOS Stream and RHEL glibc-static is in the CRB" \
				"repository: dnf config-manager --set-enabled crb)" >&2
			exit 69
		fi ;;
	esac
}

# static_libc CC: whether CC links a static C library for its target.
static_libc() {
	local path
	path=$($1 -print-file-name=libc.a 2>/dev/null) && [ "$path" != libc.a ] && [ -e "$path" ]
}

# The C compilers of the Linux server builds: DIST_CC_ARCH, else gcc for the host's and the cross gcc for
# the other (with Fedora's sysroot when it has one), installed when missing.
declare -A cc
cc[$host_arch]=${DIST_CC_AMD64:-}
[ "$host_arch" = arm64 ] && cc[$host_arch]=${DIST_CC_ARM64:-}
cc[$other_arch]=${DIST_CC_AMD64:-}
[ "$other_arch" = arm64 ] && cc[$other_arch]=${DIST_CC_ARM64:-}
if [ -z "${cc[$host_arch]}" ]; then
	cc[$host_arch]=gcc
	if ! command -v gcc >/dev/null || ! static_libc gcc; then install cc; fi
fi
if [ -z "${cc[$other_arch]}" ]; then
	cross="${gnu[$other_arch]}-linux-gnu-gcc"
	if ! command -v "$cross" >/dev/null || ! static_libc "$cross"; then
		echo "dist.sh: installing the $other_arch cross compiler ($cross)"
		install "cross-$other_arch"
	fi
	for root in /usr/"${gnu[$other_arch]}"-redhat-linux/sys-root/fc*; do
		[ -d "$root" ] && cross="$cross --sysroot=$root"
	done
	cc[$other_arch]=$cross
fi
command -v python3 >/dev/null || install python3
for arch in amd64 arm64; do
	if ! command -v "${cc[$arch]%% *}" >/dev/null || ! static_libc "${cc[$arch]}"; then
		echo "dist.sh: ${cc[$arch]} cannot link linux/$arch statically (no compiler, or no static C library for it):" \
			"give DIST_CC_${arch^^} a compiler that can, or build linux/$arch on an $arch host" >&2
		exit 69
	fi
done
if $install_only; then
	echo "dist.sh: ready to build: linux/amd64 with ${cc[amd64]}, linux/arm64 with ${cc[arm64]}"
	exit 0
fi

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
build_server amd64 "${cc[amd64]}"
build_server arm64 "${cc[arm64]}"
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
