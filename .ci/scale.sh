#!/usr/bin/env bash
# licentia CI: a short run of the wrk benchmarks (bench/run.sh, PARTS=wrk) so the scripts, the baselines
# and the request generators keep working. Checks that every run was answered with success and that the
# summary has its three wrk rows; the figures of a CI machine are not compared with anything.
# Loopback only; about 90 seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
export CGO_ENABLED=1
missing=()
for tool in wrk curl python3 gcc; do
	command -v "$tool" >/dev/null || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
	pkgs=("${missing[@]/gcc/gcc libc6-dev}")
	apt-get update -qq && apt-get install -y -qq ${pkgs[*]}
fi
out=$(mktemp)
trap 'rm -f "$out"' EXIT
timeout 300 env PARTS=wrk WRK_DUR=1s WRK_N=2000 ROUNDS=1 bash bench/run.sh 2>&1 | tee "$out"
if grep -q '^warning:' "$out"; then
	echo "bench/run.sh warned (non-2xx answers or too few create lines)"; exit 1
fi
for row in 'resend / bare fixed-JSON handler' 'refresh from many buyers / bare verify handler' 'durable creates / serial floor'; do
	grep -q "| $row" "$out" || { echo "summary row missing: $row"; exit 1; }
done
echo "wrk benchmarks ran"
