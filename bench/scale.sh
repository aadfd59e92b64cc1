#!/usr/bin/env bash
# The million-license figures: the same measurements on a data directory of N_SMALL licenses and one of
# N_BIG, in one run, each big figure reported as a ratio to the small one. Loopback only, bounded.
#
#   bash bench/scale.sh                                # N_BIG=1000000, N_SMALL=10000
#   BIG_DATA=DIR BIG_CODES=FILE bash bench/scale.sh    # reuse a directory bench/populate filled with N_BIG
#   N_BIG=100000 WRK_DUR=5s bash bench/scale.sh        # a quicker look
#
# Per size: the revocation list (entries, bytes, the time of the first GET after start, which builds and
# signs it, and of a cached GET), wrk -t1 -c32 runs of resends, refreshes from many buyers and durable
# creates (bench/wrk, as bench/run.sh), `licentia codes list --customer` latency (median of 7), the
# server's RSS after a mixed `licentia loadgen` run, and the database bytes per license.
set -euo pipefail
cd "$(dirname "$0")/.."
N_BIG=${N_BIG:-1000000}
N_SMALL=${N_SMALL:-10000}
WRK_DUR=${WRK_DUR:-5s}
WRK_CONN=${WRK_CONN:-32}
LOAD_DUR=${LOAD_DUR:-10s}
CUSTOMER=${CUSTOMER:-c-0001234} # bench/populate gives customer c-%07d four licenses each
KEY=bench-access-key
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", (b == 0) ? 0 : a/b}'; }
ms() { awk -v s="$1" 'BEGIN {printf "%.1f", s * 1000}'; }

if ! command -v wrk >/dev/null; then
	echo "installing the Debian package wrk"
	sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
	$sudo apt-get install -y wrk >/dev/null || { $sudo apt-get update >/dev/null && $sudo apt-get install -y wrk >/dev/null; }
fi
go build -o "$work/licentia" ./cmd/licentia
go build -o "$work/populate" ./bench/populate
go build -o "$work/wrkreq" ./bench/wrkreq
L="$work/licentia"

echo "## Machine"
echo "- $(nproc) cores, $(go version), load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

# wrk_run NAME URL SCRIPT ARGS...: prints "req/s p99 non2xx"
wrk_run() {
	local name=$1 url=$2 script=$3; shift 3
	local o="$work/wrk-$name.txt"
	wrk -t1 -c"$WRK_CONN" -d"$WRK_DUR" --timeout 5s --latency -s "$script" "$url" -- "$@" >"$o"
	local rps p99 bad
	rps=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$o"); p99=$(awk '$1 == "99%" {print $2}' "$o")
	bad=$(awk '/Non-2xx/ {print $NF}' "$o")
	echo "$name: $rps req/s, p99 $p99, non-2xx ${bad:-0}" >&2
	echo "$rps $p99 ${bad:-0}"
}

# measure SIZE DATA CODES: every figure of one size into the variables <figure>_SIZE
measure() {
	local size=$1 data=$2 codes=$3 port pid url db
	db=$(cat "$data"/licentia.db* | wc -c) # before the load below adds licenses
	echo "database $db bytes, $((db / size)) bytes a license" >&2
	port=$(free_port); url="http://127.0.0.1:$port"
	LICENTIA_KOOGALLERY_KEY=$KEY "$L" serve --data "$data" --addr "127.0.0.1:$port" --log-level error \
		--trusted-proxy 127.0.0.1/32 2>"$work/serve-$size.log" &
	pid=$!; pids+=("$pid")
	for _ in $(seq 300); do curl -fs "$url/readyz" >/dev/null && break; sleep 0.1; done
	echo "### $size licenses (load average $(cut -d' ' -f1-3 /proc/loadavg))" >&2
	# The revocation list: the first GET builds and signs it, the second is served from memory.
	local build cached
	build=$(curl -fs -o "$work/revs-$size.jwt" -w '%{time_total}' "$url/v1/revocations")
	cached=$(curl -fs -o /dev/null -w '%{time_total}' "$url/v1/revocations")
	local entries bytes
	bytes=$(stat -c %s "$work/revs-$size.jwt")
	entries=$(python3 -c 'import sys,json,base64; p=open(sys.argv[1]).read().split(".")[1]; p+="="*(-len(p)%4); print(len(json.loads(base64.urlsafe_b64decode(p))["min_gen"]))' "$work/revs-$size.jwt")
	echo "revocation list: $entries entries, $bytes bytes, first GET $(ms "$build") ms, cached $(ms "$cached") ms" >&2
	# wrk: resends of 1,000 populated orders, refreshes with the codes file, creates of new orders.
	LICENTIA_KOOGALLERY_KEY=$KEY "$work/wrkreq" --kind resend --orders 1000 --n 20000 --run "S$size" --out "$work/resend.txt"
	LICENTIA_KOOGALLERY_KEY=$KEY "$work/wrkreq" --kind create --n "$((${WRK_DUR%s} * 15000))" --run "C$size-$$" --out "$work/create.txt"
	# A server that has just opened a large database first reads its B-trees from disk: one create round to
	# warm up (its figures are printed, not used), as a server in service is warm.
	LICENTIA_KOOGALLERY_KEY=$KEY "$work/wrkreq" --kind create --n "$((${WRK_DUR%s} * 15000))" --run "W$size-$$" --out "$work/warm.txt"
	local resend refresh create
	resend=$(wrk_run "resend-$size" "$url" bench/wrk/lines.lua "$work/resend.txt")
	refresh=$(wrk_run "refresh-$size" "$url" bench/wrk/refresh.lua "$codes")
	wrk_run "create-warm-up-$size" "$url" bench/wrk/lines.lua "$work/warm.txt" >/dev/null
	create=$(wrk_run "create-$size" "$url" bench/wrk/lines.lua "$work/create.txt")
	# codes list --customer, through the CLI on the same database (the server keeps running).
	local t lat=()
	for _ in $(seq 7); do
		t=$( { TIMEFORMAT=%R; time "$L" codes list --data "$data" --customer "$CUSTOMER" --json >/dev/null 2>&1; } 2>&1 )
		lat+=("$t")
	done
	local list_s
	list_s=$(printf '%s\n' "${lat[@]}" | median)
	echo "codes list --customer: median $(ms "$list_s") ms of ${lat[*]} s" >&2
	# RSS under mixed signed load.
	LICENTIA_KOOGALLERY_KEY="$KEY" "$L" loadgen --json --duration "$LOAD_DUR" --url "$url/koogallery/license" --mode mixed --concurrency 32 >"$work/load-$size.json"
	local rss hwm
	rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status"); hwm=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
	echo "RSS after mixed load $((rss / 1024)) MiB, peak $((hwm / 1024)) MiB" >&2
	kill "$pid"; wait "$pid" 2>/dev/null || true
	printf -v "rev_entries_$size" '%s' "$entries"; printf -v "rev_bytes_$size" '%s' "$bytes"
	printf -v "rev_build_$size" '%s' "$build"
	printf -v "resend_$size" '%s' "${resend%% *}"; printf -v "refresh_$size" '%s' "${refresh%% *}"
	printf -v "create_$size" '%s' "${create%% *}"; local cp; cp=${create#* }; printf -v "create_p99_$size" '%s' "${cp%% *}"
	printf -v "list_$size" '%s' "$list_s"; printf -v "rss_$size" '%s' "$((rss / 1024))"; printf -v "hwm_$size" '%s' "$((hwm / 1024))"
	printf -v "dbper_$size" '%s' "$((db / size))"
}

small="$work/small"
"$work/populate" --data "$small" --n "$N_SMALL" --codes "$work/codes-small.txt" --codes-max "$N_SMALL" 2>/dev/null
if [ -n "${BIG_DATA:-}" ]; then
	big=$BIG_DATA; big_codes=${BIG_CODES:?BIG_CODES: the codes file bench/populate --codes wrote for BIG_DATA}
else
	big="$work/big"; big_codes="$work/codes-big.txt"
	start=$(date +%s)
	"$work/populate" --data "$big" --n "$N_BIG" --codes "$big_codes" --codes-max 50000
	echo "populate --n $N_BIG: $(($(date +%s) - start)) s"
fi
measure "$N_SMALL" "$small" "$work/codes-small.txt"
measure "$N_BIG" "$big" "$big_codes"

p99ms() { awk -v v="$1" 'BEGIN { if (v ~ /ms$/) {sub(/ms$/, "", v); print v} else if (v ~ /us$/) {sub(/us$/, "", v); print v/1000} else {sub(/s$/, "", v); print v*1000} }'; }
S=$N_SMALL; B=$N_BIG
v() { local n="$1_$2"; echo "${!n}"; }
echo
echo "## $B licenses against $S, same run"
echo "| figure | at $S | at $B | ratio (higher is better for rates) |"
echo "|---|---|---|---|"
echo "| resend req/s (wrk) | $(v resend "$S") | $(v resend "$B") | $(ratio "$(v resend "$B")" "$(v resend "$S")") |"
echo "| refresh req/s (wrk, many buyers) | $(v refresh "$S") | $(v refresh "$B") | $(ratio "$(v refresh "$B")" "$(v refresh "$S")") |"
echo "| durable creates/s (wrk) | $(v create "$S") | $(v create "$B") | $(ratio "$(v create "$B")" "$(v create "$S")") |"
echo "| create p99 (wrk) | $(v create_p99 "$S") | $(v create_p99 "$B") | $(ratio "$(p99ms "$(v create_p99 "$S")")" "$(p99ms "$(v create_p99 "$B")")") (small/big) |"
echo "| codes list --customer (s, median of 7) | $(v list "$S") | $(v list "$B") | $(ratio "$(v list "$S")" "$(v list "$B")") (small/big) |"
echo "| RSS after mixed load (MiB, peak) | $(v rss "$S") ($(v hwm "$S")) | $(v rss "$B") ($(v hwm "$B")) | |"
echo "| database bytes a license | $(v dbper "$S") | $(v dbper "$B") | |"
echo "| revocation list entries | $(v rev_entries "$S") | $(v rev_entries "$B") | |"
echo "| revocation list bytes | $(v rev_bytes "$S") | $(v rev_bytes "$B") | |"
echo "| first GET of the list (build and sign, s) | $(v rev_build "$S") | $(v rev_build "$B") | |"
echo "- load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
