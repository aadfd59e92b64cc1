#!/usr/bin/env bash
# Reproduces the figures in BENCHMARKS.md in one run on this machine: each Go benchmark next to its floor,
# and the load generator against the server next to a bare net/http handler. Loopback only, bounded.
#
#   bash bench/run.sh            # DUR=10s per load run, COUNT=5 benchmark repetitions, ROUNDS=3
#   DUR=20s COUNT=3 bash bench/run.sh
#   PARTS=load bash bench/run.sh # only some parts: go, load, memory
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=${DUR:-10s}
COUNT=${COUNT:-5}
ROUNDS=${ROUNDS:-3}
PARTS=${PARTS:-go load memory}
part() { [[ " $PARTS " == *" $1 "* ]]; }
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

if part go; then
echo
echo "## Go benchmarks (COUNT=$COUNT)"
go test -run '^$' -bench 'Verify$' -benchmem -count "$COUNT" ./verifier/ | tee "$work/verifier.txt" | grep '^Benchmark' || true
go test -run '^$' -bench '^(BenchmarkIssue|BenchmarkEd25519Sign|BenchmarkResendHandler|BenchmarkCreateHandler)$' -benchmem -count "$COUNT" ./server/ | tee "$work/server.txt" | grep '^Benchmark' || true
go test -run '^$' -bench '^(BenchmarkFloorSerialCreate|BenchmarkCreateParallel32)$' -benchmem -count "$COUNT" ./server/store/ | tee "$work/store.txt" | grep '^Benchmark' || true
if [ -d bench/peers ]; then
	(cd bench/peers && go test -run '^$' -bench . -benchmem -count "$COUNT") | tee "$work/peers.txt" | grep '^Benchmark' || true
fi
fi

if part load; then
echo
echo "## Load generator (DUR=$DUR, ROUNDS=$ROUNDS, loopback)"
bare_port=$(free_port); srv_port=$(free_port)
"$L" loadgen --serve-bare "127.0.0.1:$bare_port" --duration 10m >/dev/null &
pids+=($!)
LICENTIA_KOOGALLERY_KEY=$KEY "$L" serve --data "$work/data" --addr "127.0.0.1:$srv_port" --log-level error &
pids+=($!)
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$srv_port/readyz" >/dev/null && break; sleep 0.1; done
lg() { "$L" loadgen --json --key "$KEY" --duration "$DUR" "$@"; }
bare_url="http://127.0.0.1:$bare_port/koogallery/license"
srv_url="http://127.0.0.1:$srv_port/koogallery/license"
# Alternate baseline and server, ROUNDS times, so drifting machine load hits both alike; report the medians.
bare_all=(); resend_all=()
for r in $(seq "$ROUNDS"); do
	b=$(lg --url "$bare_url" --mode resend --concurrency 32); echo "bare   $r: $b"; bare_all+=("$(rps "$b")")
	s=$(lg --url "$srv_url" --mode resend --concurrency 32); echo "resend $r: $s"; resend_all+=("$(rps "$s")")
done
bare_rps=$(printf '%s\n' "${bare_all[@]}" | median)
resend_rps=$(printf '%s\n' "${resend_all[@]}" | median)
create=$(lg --url "$srv_url" --mode create --concurrency 32)
mixed=$(lg --url "$srv_url" --mode mixed --concurrency 32)
echo "create (32): $create"
echo "mixed (32):  $mixed"
fi

if part memory; then
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
fi

echo
echo "## Summary"
echo "| target | measured | baseline (same run) | ratio | goal |"
echo "|---|---|---|---|---|"
if part load; then
	echo "| resend req/s through HTTP (median of $ROUNDS) | $resend_rps | bare handler $bare_rps | $(ratio "$resend_rps" "$bare_rps") | >= 0.80 |"
fi
if part go; then
	v=$(bench_median 'Verify' "$work/verifier.txt"); ev=$(bench_median 'Ed25519Verify' "$work/verifier.txt")
	is=$(bench_median 'Issue' "$work/server.txt"); es=$(bench_median 'Ed25519Sign' "$work/server.txt")
	floor=$(bench_median 'FloorSerialCreate' "$work/store.txt"); par=$(bench_median 'CreateParallel32' "$work/store.txt")
	floor_ops=$(awk -v ns="$floor" 'BEGIN {printf "%.0f", 1e9/ns}')
	if part load; then
		create_rps=$(rps "$create")
		echo "| durable creates req/s through HTTP, 32 concurrent | $create_rps | serial sign+insert floor $floor_ops/s | $(ratio "$create_rps" "$floor_ops") | >= 1.5 |"
	fi
	echo "| durable creates in the store, 32 concurrent | $par ns/op | floor $floor ns/op | $(ratio "$floor" "$par") x faster | |"
	echo "| issue a code | $is ns/op | ed25519.Sign $es ns/op | $(ratio "$is" "$es") | |"
	echo "| verify a code | $v ns/op | ed25519.Verify $ev ns/op | $(ratio "$v" "$ev") | <= 1.15 |"
	if [ -s "$work/peers.txt" ]; then
		pv=$(bench_median 'Ed25519Verify' "$work/peers.txt")
		for b in Licentia GolangJWT JWX GoJOSE; do
			echo "| peers: $b | $(bench_median "$b" "$work/peers.txt") ns/op | ed25519.Verify $pv ns/op | $(ratio "$(bench_median "$b" "$work/peers.txt")" "$pv") | licentia lowest |"
		done
	fi
fi
if part load; then
	echo "| create p99 at 32 concurrent | $(field "$create" p99_ms) ms | | | < 25 ms |"
fi
if part memory; then
	echo "| server RSS, 100,000 licenses, under mixed load | $((rss_kb / 1024)) MiB (peak $((hwm_kb / 1024))) | | | < 60 MB |"
fi
