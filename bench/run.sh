#!/usr/bin/env bash
# Reproduces the figures in BENCHMARKS.md in one run on this machine: each Go benchmark next to its floor,
# and the load generator against the server next to a bare net/http handler. Loopback only, bounded.
#
#   bash bench/run.sh            # DUR=10s per load run, COUNT=5 benchmark repetitions
#   DUR=20s COUNT=3 bash bench/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=${DUR:-10s}
COUNT=${COUNT:-5}
KEY=bench-access-key
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
# bench_median PATTERN FILE: median ns/op of one benchmark from `go test -bench` output
bench_median() { grep -E "^Benchmark$1(-[0-9]+)? " "$2" | awk '{print $3}' | median; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a/b}'; }
rps() { sed -E 's/.*"requests_per_second":([0-9.]+).*/\1/' <<<"$1"; }
field() { sed -E "s/.*\"$2\":([0-9.]+).*/\1/" <<<"$1"; }

echo "## Machine"
echo "- $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/ {print $2}') GiB, $(go version)"
echo "- load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

go build -o "$work/licentia" ./cmd/licentia
L="$work/licentia"

echo
echo "## Go benchmarks (COUNT=$COUNT)"
go test -run '^$' -bench 'Verify$' -benchmem -count "$COUNT" ./verifier/ | tee "$work/verifier.txt" | grep '^Benchmark' || true
go test -run '^$' -bench '^(BenchmarkIssue|BenchmarkEd25519Sign|BenchmarkResendHandler|BenchmarkCreateHandler)$' -benchmem -count "$COUNT" ./server/ | tee "$work/server.txt" | grep '^Benchmark' || true
go test -run '^$' -bench '^(BenchmarkFloorSerialCreate|BenchmarkCreateParallel32)$' -benchmem -count "$COUNT" ./server/store/ | tee "$work/store.txt" | grep '^Benchmark' || true
if [ -d bench/peers ]; then
	(cd bench/peers && go test -run '^$' -bench . -benchmem -count "$COUNT") | tee "$work/peers.txt" | grep '^Benchmark' || true
fi

echo
echo "## Load generator (DUR=$DUR, loopback)"
bare_port=$(free_port); srv_port=$(free_port)
"$L" loadgen --serve-bare "127.0.0.1:$bare_port" --duration 10m >/dev/null &
pids+=($!)
LICENTIA_KOOGALLERY_KEY=$KEY "$L" serve --data "$work/data" --addr "127.0.0.1:$srv_port" --log-level error &
pids+=($!)
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$srv_port/readyz" >/dev/null && break; sleep 0.1; done
lg() { "$L" loadgen --json --key "$KEY" --duration "$DUR" "$@"; }
bare_url="http://127.0.0.1:$bare_port/koogallery/license"
srv_url="http://127.0.0.1:$srv_port/koogallery/license"
# Alternate baseline and server twice, so drifting machine load hits both alike.
b1=$(lg --url "$bare_url" --mode resend --concurrency 32); s1=$(lg --url "$srv_url" --mode resend --concurrency 32)
b2=$(lg --url "$bare_url" --mode resend --concurrency 32); s2=$(lg --url "$srv_url" --mode resend --concurrency 32)
bare_rps=$(awk -v a="$(rps "$b1")" -v b="$(rps "$b2")" 'BEGIN {print (a+b)/2}')
resend_rps=$(awk -v a="$(rps "$s1")" -v b="$(rps "$s2")" 'BEGIN {print (a+b)/2}')
create=$(lg --url "$srv_url" --mode create --concurrency 32)
mixed=$(lg --url "$srv_url" --mode mixed --concurrency 32)
echo "bare:        $b1"; echo "             $b2"
echo "resend:      $s1"; echo "             $s2"
echo "create (32): $create"
echo "mixed (32):  $mixed"

echo
echo "## Memory with 100,000 licenses"
go run ./bench/populate --data "$work/pop" --n 100000
pop_port=$(free_port)
LICENTIA_KOOGALLERY_KEY=$KEY "$L" serve --data "$work/pop" --addr "127.0.0.1:$pop_port" --log-level error &
pop_pid=$!; pids+=($pop_pid)
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$pop_port/readyz" >/dev/null && break; sleep 0.1; done
pop_load=$(lg --url "http://127.0.0.1:$pop_port/koogallery/license" --mode mixed --concurrency 32)
rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$pop_pid/status"); hwm_kb=$(awk '/VmHWM/ {print $2}' "/proc/$pop_pid/status")
echo "mixed load on the populated server: $pop_load"
echo "server RSS $((rss_kb / 1024)) MiB, peak $((hwm_kb / 1024)) MiB"

echo
echo "## Summary"
v=$(bench_median 'Verify' "$work/verifier.txt"); ev=$(bench_median 'Ed25519Verify' "$work/verifier.txt")
is=$(bench_median 'Issue' "$work/server.txt"); es=$(bench_median 'Ed25519Sign' "$work/server.txt")
floor=$(bench_median 'FloorSerialCreate' "$work/store.txt"); par=$(bench_median 'CreateParallel32' "$work/store.txt")
floor_ops=$(awk -v ns="$floor" 'BEGIN {printf "%.0f", 1e9/ns}')
create_rps=$(rps "$create")
echo "| target | measured | baseline (same run) | ratio | goal |"
echo "|---|---|---|---|---|"
echo "| resend req/s through HTTP | $resend_rps | bare handler $bare_rps | $(ratio "$resend_rps" "$bare_rps") | >= 0.80 |"
echo "| durable creates req/s through HTTP, 32 concurrent | $create_rps | serial sign+insert floor $floor_ops/s | $(ratio "$create_rps" "$floor_ops") | >= 1.5 |"
echo "| durable creates in the store, 32 concurrent | $par ns/op | floor $floor ns/op | $(ratio "$floor" "$par") x faster | |"
echo "| create p99 at 32 concurrent | $(field "$create" p99_ms) ms | | | < 25 ms |"
echo "| server RSS, 100,000 licenses, under load | $((rss_kb / 1024)) MiB (peak $((hwm_kb / 1024))) | | | < 60 MB |"
echo "| issue a code | $is ns/op | ed25519.Sign $es ns/op | $(ratio "$is" "$es") | |"
echo "| verify a code | $v ns/op | ed25519.Verify $ev ns/op | $(ratio "$v" "$ev") | <= 1.15 |"
