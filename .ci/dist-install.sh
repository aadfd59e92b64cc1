#!/usr/bin/env bash
# scripts/dist.sh's install step on RPM build hosts (openEuler, EulerOS, CentOS, Fedora) without one: each case
# runs `dist.sh --install-only` with a PATH of fakes and no apt-get: dnf or yum recording what it is asked to
# install (and "installing" stub compilers), rpm answering %fedora, uname naming the host's architecture. It
# checks the package names asked for, the compilers chosen, and that a host whose repositories lack the cross
# C library is told what to do (exit 69) instead of failing later in the build.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d /tmp/licentia-dist-install.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL dist-install: $*"; exit 1; }

# A stub C compiler: it has a static C library when $FAKE_ROOT/lib/ITS-NAME/libc.a exists.
stub_cc='#!/bin/bash
for a in "$@"; do
	if [ "$a" = -print-file-name=libc.a ]; then
		f="$FAKE_ROOT/lib/${0##*/}/libc.a"
		if [ -e "$f" ]; then echo "$f"; else echo libc.a; fi
		exit 0
	fi
done'

# A package manager that records its arguments and installs stubs for the package names dist.sh uses.
fake_pm='#!/bin/bash
echo "${0##*/} $*" >>"$FAKE_ROOT/calls"
[ "$1" = install ] || exit 1
tool() { printf "%s\n" "$STUB_CC" >"$FAKE_ROOT/bin/$1"; /bin/chmod +x "$FAKE_ROOT/bin/$1"; }
libc() { /bin/mkdir -p "$FAKE_ROOT/lib/$1"; : >"$FAKE_ROOT/lib/$1/libc.a"; }
for p in "$@"; do
	case "$p" in
	gcc | python3) tool "$p" ;;
	glibc-static) libc gcc ;;
	gcc-aarch64-linux-gnu) tool aarch64-linux-gnu-gcc ;;
	gcc-x86_64-linux-gnu) tool x86_64-linux-gnu-gcc ;;
	sysroot-aarch64-fc*-glibc) libc aarch64-linux-gnu-gcc ;;
	sysroot-x86_64-fc*-glibc) libc x86_64-linux-gnu-gcc ;;
	esac
done'

# run_case NAME MACHINE FEDORA PM WANT_EXIT [VAR=VALUE...]: a fresh fake host (PM "" for none), dist.sh run on it.
run_case() {
	name=$1
	local machine=$2 fedora=$3 pm=$4 want=$5
	shift 5
	root="$work/$name"
	mkdir -p "$root/bin" "$root/lib"
	: >"$root/calls"
	ln -s "$(command -v bash)" "$root/bin/bash"
	ln -s "$(command -v dirname)" "$root/bin/dirname"
	printf '#!/bin/bash\necho %s\n' "$machine" >"$root/bin/uname"
	printf '#!/bin/bash\n[ "$1 $2" = "-E %%fedora" ] && echo %s\n' "$fedora" >"$root/bin/rpm"
	if [ -n "$pm" ]; then printf '%s\n' "$fake_pm" >"$root/bin/$pm"; fi
	printf '%s\n' "$stub_cc" >"$root/kunpeng-gcc" # a cross compiler brought by hand, with its C library
	mkdir -p "$root/lib/kunpeng-gcc" && : >"$root/lib/kunpeng-gcc/libc.a"
	chmod +x "$root"/bin/* "$root/kunpeng-gcc"
	set +e
	env -i PATH="$root/bin" FAKE_ROOT="$root" STUB_CC="$stub_cc" "$@" /usr/bin/env bash scripts/dist.sh --install-only \
		>"$root/out" 2>&1
	status=$?
	set -e
	[ "$status" = "$want" ] || { cat "$root/out"; fail "$name: exit $status, want $want"; }
	[ ! -e "$root/bin/apt-get" ] || fail "$name: apt-get appeared"
	echo "dist-install: $name: exit $status"
}
calls() { cat "$root/calls"; }
says() { grep -qF -- "$1" "$root/out" || { cat "$root/out"; fail "$name: output lacks: $1"; }; }
asked() { grep -qxF -- "$1" "$root/calls" || { calls; fail "$name: package manager not asked: $1"; }; }

# openEuler on x86_64: gcc with glibc-static, the arm64 cross gcc and python3 from dnf; its repositories have no
# arm64 C library, so dist.sh says what to do.
run_case openeuler-x86 x86_64 '%fedora' dnf 69
asked "dnf install -y -q gcc glibc-devel glibc-static"
asked "dnf install -y -q gcc-aarch64-linux-gnu"
asked "dnf install -y -q python3"
says "give DIST_CC_ARM64 a compiler that can, or build linux/arm64 on an arm64 host"
[ "$(wc -l <"$root/calls")" = 3 ] || { calls; fail "$name: want 3 calls"; }

# The same host with a cross compiler given: no cross gcc installed, ready.
run_case openeuler-x86-cc x86_64 '%fedora' dnf 0 DIST_CC_ARM64="$work/openeuler-x86-cc/kunpeng-gcc"
asked "dnf install -y -q gcc glibc-devel glibc-static"
! grep -q aarch64 "$root/calls" || { calls; fail "$name: installed a cross gcc though DIST_CC_ARM64 was given"; }
says "ready to build: linux/amd64 with gcc, linux/arm64 with $root/kunpeng-gcc"

# Fedora 40 on x86_64: the cross gcc with Fedora's arm64 sysroot.
run_case fedora-x86 x86_64 40 dnf 0
asked "dnf install -y -q gcc-aarch64-linux-gnu sysroot-aarch64-fc40-glibc"
says "linux/arm64 with aarch64-linux-gnu-gcc"

# A Kunpeng (aarch64) host with yum only: gcc is the arm64 build's, the amd64 one needs a cross compiler.
run_case kunpeng-yum aarch64 '%fedora' yum 69
asked "yum install -y -q gcc glibc-devel glibc-static"
asked "yum install -y -q gcc-x86_64-linux-gnu"
says "build linux/amd64 on an amd64 host"
run_case kunpeng-yum-cc aarch64 '%fedora' yum 0 DIST_CC_AMD64="$work/kunpeng-yum-cc/kunpeng-gcc"
says "linux/arm64 with gcc"

# No package manager at all: a clear refusal before anything is built.
run_case bare x86_64 '%fedora' "" 69
says "no apt-get, dnf or yum here"

echo "dist-install: 6 passed, 0 failed"
