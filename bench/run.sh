#!/usr/bin/env bash
# Reproduces the figures in BENCHMARKS.md in one run on this machine: each Go benchmark next to its floor,
# wrk against the server next to bare net/http baselines, and the load generator. Loopback only, bounded.
#
#   bash bench/run.sh            # DUR=10s per load run, COUNT=5 benchmark repetitions, ROUNDS=3
#   DUR=20s COUNT=3 bash bench/run.sh
#   PARTS=wrk bash bench/run.sh  # only some parts: go, wrk, load, memory, seats
#   PARTS=wrk WRK_DUR=5s WRK_N=50000 ROUNDS=3 bash bench/run.sh
#   PARTS=seats COUNT=5 SEATS_TIME=2s bash bench/run.sh  # seats at 10,000 and 1,000,000 licenses (not in the default parts)
#
# The wrk part (the headline ratios) installs the Debian package wrk when it is missing. wrk runs with
# one thread (-t1), so on this 2-core machine the server keeps at least one core: see BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=${DUR:-10s}
COUNT=${COUNT:-5}
ROUNDS=${ROUNDS:-3}
PARTS=${PARTS:-go wrk load memory}
WRK_DUR=${WRK_DUR:-5s}     # per wrk run
WRK_CONN=${WRK_CONN:-32}   # connections
WRK_N=${WRK_N:-50000}      # licenses populated for the wrk part; refresh cycles through all their codes
RESEND_ORDERS=${RESEND_ORDERS:-1000}
SEATS_TIME=${SEATS_TIME:-1s} # -benchtime of each seats benchmark
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
# bench_metric PATTERN UNIT FILE: median of one benchmark's metric UNIT (the value before it on the line)
bench_metric() { grep -E "^Benchmark$1(-[0-9]+)? " "$3" | awk -v u="$2" '{for (i = 2; i <= NF; i++) if ($i == u) print $(i-1)}' | median; }
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

if part seats; then
echo
echo "## Seats at scale (COUNT=$COUNT, SEATS_TIME=$SEATS_TIME; 10,000 and 1,000,000 licenses populated once)"
go test -run '^$' -bench '^BenchmarkSeats$' -benchmem -count "$COUNT" -benchtime "$SEATS_TIME" -timeout 2h -v ./server/ |
	tee "$work/seats.txt" | grep -E '^Benchmark.*ns/op|populated' || true
fi

if part wrk; then
echo
echo "## wrk (WRK_DUR=$WRK_DUR, -t1 -c$WRK_CONN, ROUNDS=$ROUNDS, loopback, $WRK_N licenses)"
if ! command -v wrk >/dev/null; then
	echo "installing the Debian package wrk"
	sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
	$sudo apt-get install -y wrk >/dev/null || { $sudo apt-get update >/dev/null && $sudo apt-get install -y wrk >/dev/null; }
fi
go build -o "$work/bare" ./bench/bare
go build -o "$work/wrkreq" ./bench/wrkreq
go build -o "$work/populate" ./bench/populate
"$work/populate" --data "$work/wrkdata" --n "$WRK_N" --codes "$work/codes.txt" --codes-max "$WRK_N" 2>/dev/null
wb_port=$(free_port); ws_port=$(free_port)
"$work/bare" --addr "127.0.0.1:$wb_port" 2>/dev/null &
pids+=($!); bare_pid=$!
# Its log goes to a file: wrk drops connections with requests in flight when a run ends, which the server
# logs as failed requests (context canceled).
LICENTIA_KOOGALLERY_KEY=$KEY "$L" serve --data "$work/wrkdata" --addr "127.0.0.1:$ws_port" --log-level error \
	--trusted-proxy 127.0.0.1/32 2>"$work/wrk-serve.log" &
pids+=($!); serve_pid=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$ws_port/readyz" >/dev/null && curl -fs "http://127.0.0.1:$wb_port/" >/dev/null && break; sleep 0.1; done
wb="http://127.0.0.1:$wb_port"; ws="http://127.0.0.1:$ws_port"
secs=${WRK_DUR%s}
create_n=$((secs * 15000)) # more lines than a run can send: each line one new order
# cpu_ticks PID: the CPU time (user + system, clock ticks) the process has used so far.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
# wrk_run NAME PID URL SCRIPT ARGS...: one bounded wrk run against the server PID; prints its line (with the
# server's CPU time per request, which other load on the machine changes much less than req/s) and keeps the
# output in $work.
wrk_run() {
	local name=$1 pid=$2 url=$3 script=$4; shift 4
	local c0=$(cpu_ticks "$pid")
	wrk -t1 -c"$WRK_CONN" -d"$WRK_DUR" --timeout 5s --latency -s "$script" "$url" -- "$@" >"$work/wrk-$name.txt"
	local c1=$(cpu_ticks "$pid")
	local o="$work/wrk-$name.txt"
	local rps=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$o") n=$(awk '/requests in/ {print $1}' "$o")
	local bad=$(awk '/Non-2xx/ {print $NF}' "$o") p99=$(awk '$1 == "99%" {print $2}' "$o")
	local errs=$(awk '/Socket errors/ {print}' "$o")
	local us=$(awk -v t=$((c1 - c0)) -v hz="$hz" -v n="$n" 'BEGIN {printf "%.1f", t * 1e6 / hz / n}')
	echo "$name: ${rps} req/s, ${n} requests, ${us} µs server CPU a request, p99 ${p99}, non-2xx ${bad:-0}${errs:+, $errs}" >&2
	echo "$rps ${n} ${bad:-0} ${p99} ${us}"
}
# check_get URL LINE: a request the wrk script sends must be answered with success, or the run measures errors.
check_get() { curl -fs "$1$2" | grep -q '"resultCode":"000000"' || { echo "check failed: GET $1 ${2:0:60}…" >&2; exit 1; }; }
check_refresh() {
	curl -fs -H 'Content-Type: application/json' -H 'X-Forwarded-For: 10.255.255.1' \
		--data "{\"code\":\"$(head -1 "$work/codes.txt")\"}" "$ws/v1/codes/refresh" | grep -q '"generation"' ||
		{ echo "check failed: refresh" >&2; exit 1; }
}
check_refresh
# Warm-up, not measured: one short run of each kind against each server, so round 1 does not measure a
# process that has just started (empty caches, a heap still growing, stacks still growing) on one side only.
LICENTIA_KOOGALLERY_KEY=$KEY "$work/wrkreq" --kind resend --orders "$RESEND_ORDERS" --n 20000 --run "W0$$" --out "$work/resend.txt"
LICENTIA_KOOGALLERY_KEY=$KEY "$work/wrkreq" --kind create --n 15000 --run "C0-$$" --out "$work/create.txt"
# A second of refreshes is some 15,000: licentia's warm-up sends them only when there are enough licenses to
# spread them under its per-license limit (10 a minute), which the measured rounds need whole.
for u in "$wb" "$ws"; do
	wrk -t1 -c"$WRK_CONN" -d1s -s bench/wrk/lines.lua "$u" -- "$work/resend.txt" >/dev/null
	if [ "$u" = "$wb" ] || [ "$WRK_N" -ge 20000 ]; then
		wrk -t1 -c"$WRK_CONN" -d1s -s bench/wrk/refresh.lua "$u" -- "$work/codes.txt" >/dev/null
	fi
done
wrk -t1 -c"$WRK_CONN" -d1s -s bench/wrk/lines.lua "$ws" -- "$work/create.txt" >/dev/null
ratios_resend=(); ratios_refresh=(); ratios_create=(); create_all=(); create_p99=()
resend_all=(); bare_all=(); refresh_all=(); verify_all=(); cpu_resend=(); cpu_refresh=()
for r in $(seq "$ROUNDS"); do
	# Fresh requests for every round: each is signed now (timeStamp), and create orders are new.
	LICENTIA_KOOGALLERY_KEY=$KEY "$work/wrkreq" --kind resend --orders "$RESEND_ORDERS" --n 20000 --run "W$r$$" \
		--out "$work/resend.txt"
	LICENTIA_KOOGALLERY_KEY=$KEY "$work/wrkreq" --kind create --n "$create_n" --run "C$r-$$" --out "$work/create.txt"
	check_get "$ws" "$(head -1 "$work/resend.txt")"; check_get "$ws" "$(tail -1 "$work/resend.txt")"
	load=$(cut -d' ' -f1 /proc/loadavg)
	read -r b _ _ _ bu < <(wrk_run "bare-$r" "$bare_pid" "$wb" bench/wrk/lines.lua "$work/resend.txt")
	read -r s _ sbad _ su < <(wrk_run "resend-$r" "$serve_pid" "$ws" bench/wrk/lines.lua "$work/resend.txt")
	read -r v _ _ _ vu < <(wrk_run "bare-verify-$r" "$bare_pid" "$wb" bench/wrk/refresh.lua "$work/codes.txt")
	read -r f fn fbad _ fu < <(wrk_run "refresh-$r" "$serve_pid" "$ws" bench/wrk/refresh.lua "$work/codes.txt")
	read -r c cn cbad cp99 _ < <(wrk_run "create-$r" "$serve_pid" "$ws" bench/wrk/lines.lua "$work/create.txt")
	[ "$sbad$fbad$cbad" = 000 ] || echo "warning: round $r had non-2xx answers (resend $sbad, refresh $fbad, create $cbad)"
	[ "$cn" -lt "$create_n" ] || echo "warning: round $r sent more creates than lines: some were resends"
	bare_all+=("$b"); resend_all+=("$s"); verify_all+=("$v"); refresh_all+=("$f"); create_all+=("$c"); create_p99+=("$cp99")
	ratios_resend+=("$(ratio "$s" "$b")"); ratios_refresh+=("$(ratio "$f" "$v")")
	cpu_resend+=("$(ratio "$bu" "$su")"); cpu_refresh+=("$(ratio "$vu" "$fu")")
	echo "round $r (load average $load): resend $s req/s / bare $b req/s = $(ratio "$s" "$b")," \
		"refresh $f req/s / bare verify $v req/s = $(ratio "$f" "$v"), creates $c/s;" \
		"server CPU a request: resend $su µs / bare $bu µs = $(ratio "$bu" "$su"), refresh $fu µs / bare $vu µs = $(ratio "$vu" "$fu")"
done
echo "floor for creates (go test -bench FloorSerialCreate -count 3 ./server/store/):"
go test -run '^$' -bench '^BenchmarkFloorSerialCreate$' -benchmem -count 3 ./server/store/ | tee "$work/floor.txt" | grep '^Benchmark' || true
wfloor=$(bench_median 'FloorSerialCreate' "$work/floor.txt")
wfloor_ops=$(awk -v ns="$wfloor" 'BEGIN {printf "%.0f", 1e9/ns}')
m_resend=$(printf '%s\n' "${ratios_resend[@]}" | median); m_refresh=$(printf '%s\n' "${ratios_refresh[@]}" | median)
m_create=$(printf '%s\n' "${create_all[@]}" | median)
wrk_rows=(
	"| resend / bare fixed-JSON handler (wrk, median of $ROUNDS round ratios: ${ratios_resend[*]}) | $(printf '%s\n' "${resend_all[@]}" | median) req/s | $(printf '%s\n' "${bare_all[@]}" | median) req/s | **$m_resend** | >= 0.8 |"
	"| refresh from many buyers / bare verify handler (wrk, rounds: ${ratios_refresh[*]}) | $(printf '%s\n' "${refresh_all[@]}" | median) req/s | $(printf '%s\n' "${verify_all[@]}" | median) req/s | **$m_refresh** | >= 0.8 |"
	"| resend, bare handler's server CPU a request / licentia's (rounds: ${cpu_resend[*]}) | | | $(printf '%s\n' "${cpu_resend[@]}" | median) | |"
	"| refresh, bare verify handler's server CPU a request / licentia's (rounds: ${cpu_refresh[*]}) | | | $(printf '%s\n' "${cpu_refresh[@]}" | median) | |"
	"| durable creates / serial floor (wrk) | $m_create req/s (p99 ${create_p99[*]}) | floor $wfloor_ops/s | **$(ratio "$m_create" "$wfloor_ops")** | >= 2.5 |"
)
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
lg() { LICENTIA_KOOGALLERY_KEY="$KEY" "$L" loadgen --json --duration "$DUR" "$@"; } # the key from the environment, never argv
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
if part wrk; then
	printf '%s\n' "${wrk_rows[@]}"
fi
if part load; then
	echo "| resend req/s through HTTP, licentia loadgen (median of $ROUNDS) | $resend_rps | bare handler $bare_rps | $(ratio "$resend_rps" "$bare_rps") | >= 0.80 |"
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
if part seats; then
	echo
	echo "| seats (median of $COUNT) | ns/op | allocs/op | refresh without a deployment, same run | x/refresh | ed25519.Verify, same run | x/ed25519 |"
	echo "|---|---|---|---|---|---|---|"
	for scale in 10k 1M; do
		for op in refresh-held-seat check-in take-seat refresh-no-deployment; do
			name="Seats/$scale/$op"
			echo "| $scale $op | $(bench_median "$name" "$work/seats.txt") | $(bench_metric "$name" allocs/op "$work/seats.txt") |" \
				"$(bench_metric "$name" refresh-ns "$work/seats.txt") ns | **$(bench_metric "$name" x/refresh "$work/seats.txt")** |" \
				"$(bench_metric "$name" ed25519-ns "$work/seats.txt") ns | **$(bench_metric "$name" x/ed25519 "$work/seats.txt")** |"
		done
	done
fi
