#!/usr/bin/env bash
# The shipped proxy configs, run for real: docs/deploy/nginx.conf, docs/deploy/haproxy.cfg and the nginx
# config inside docs/deploy/compose.yaml, each in front of two licentia replicas on loopback (one shared
# SQLite database), with only their listen ports, certificate and log paths changed. Checks, for each:
# the config loads; the buyer page (/), /v1/*, /openapi.json and the callback path are routed, /metrics, /healthz, /readyz
# and (from outside the support network) /admin/ are not; methods licentia does not serve (made-up ones
# included) stop at the proxy; HSTS is set; the marketplace simulator passes through it; its logs hold no
# query string (no authToken); its request id reaches licentia's log and a client's does not; and two
# buyers behind it get rate-limit buckets of their own. Talks to 127.0.0.x only.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin:$(go env GOPATH 2>/dev/null || echo /root/go)/bin:/usr/sbin"
export CGO_ENABLED=1

missing=()
command -v nginx >/dev/null || missing+=(nginx-light)
command -v haproxy >/dev/null || missing+=(haproxy)
command -v curl >/dev/null || missing+=(curl)
command -v openssl >/dev/null || missing+=(openssl)
python3 -c 'import yaml' 2>/dev/null || missing+=(python3-yaml)
if [ "${#missing[@]}" -gt 0 ]; then
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

work=$(mktemp -d /tmp/licentia-proxies.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	if [ -n "${pg_db:-}" ]; then psql "$LICENTIA_TEST_POSTGRES" -qc "DROP DATABASE IF EXISTS $pg_db" >/dev/null 2>&1 || true; fi
	rm -rf "$work"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok   $*"; }

next_port=18100
free_port() { # VAR: sets VAR to a free loopback port
	while [ "$next_port" -lt 19000 ]; do
		next_port=$((next_port + 1))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$next_port") 2>/dev/null; then printf -v "$1" '%s' "$next_port"; return; fi
	done
	fail "no free port"
}
wait_url() { # URL [curl args]: until it answers 200, at most 20 s
	local i
	for i in $(seq 200); do
		if [ "$(timeout 2 curl -s -o /dev/null -w '%{http_code}' "${@:2}" "$1" || true)" = 200 ]; then return 0; fi
		sleep 0.1
	done
	fail "$1 never answered 200"
}

KEY=ci-proxy-access-key
go build -o "$work/licentia" ./cmd/licentia

# A certificate for 127.0.0.1; Go (the simulator) trusts it through SSL_CERT_FILE, curl through --cacert.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=127.0.0.1 \
	-addext subjectAltName=IP:127.0.0.1 -keyout "$work/tls.key" -out "$work/tls.crt" 2>/dev/null
cat "$work/tls.crt" "$work/tls.key" >"$work/tls.pem"

# Two replicas, trusting the proxy at 127.0.0.1, /metrics on ports of their own, on one PostgreSQL database
# (replicas share PostgreSQL, docs/deployment.md; .ci/run provides LICENTIA_TEST_POSTGRES). Without one, a
# single SQLite process stands behind both of the proxy's upstream entries: processes sharing one SQLite file
# see each other's changes only within a second (resend cache) and count rate limits apart.
free_port P1; free_port P2; free_port M1; free_port M2
db_args=()
if [ -n "${LICENTIA_TEST_POSTGRES:-}" ] && command -v psql >/dev/null; then
	pg_db="licentia_proxies_$$"
	psql "$LICENTIA_TEST_POSTGRES" -qc "CREATE DATABASE $pg_db" >/dev/null || fail "cannot create database $pg_db"
	"$work/licentia" keys init --data "$work/data" >/dev/null # replicas on PostgreSQL share one ring
	db_args=(--db "$(python3 -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/" + sys.argv[2])))' "$LICENTIA_TEST_POSTGRES" "$pg_db")")
fi
start_replica() { # PORT METRICS_PORT NAME
	LICENTIA_KOOGALLERY_KEY=$KEY LICENTIA_TRUSTED_PROXIES=127.0.0.1 timeout 600 "$work/licentia" serve "${db_args[@]}" \
		--data "$work/data" --addr "127.0.0.1:$1" --metrics-addr "127.0.0.1:$2" --log-level debug >"$work/$3.log" 2>&1 &
	pids+=($!)
	wait_url "http://127.0.0.1:$1/readyz"
}
start_replica "$P1" "$M1" replica-a # the first start creates the database and key ring
if [ "${#db_args[@]}" -gt 0 ]; then
	start_replica "$P2" "$M2" replica-b
else
	P2=$P1; : >"$work/replica-b.log"
	echo "no PostgreSQL (LICENTIA_TEST_POSTGRES): one SQLite replica behind both upstream entries"
fi
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$P1/metrics")" = 404 ] || fail "replica serves /metrics on --addr"
wait_url "http://127.0.0.1:$M1/metrics"
ok "replicas up; /metrics only on --metrics-addr"

# check_proxy NAME HTTPS_PORT LOG CLIENT_A CLIENT_B [HTTP_PORT]
check_proxy() {
	local name=$1 port=$2 log=$3 a=$4 b=$5 http=${6:-} base="https://127.0.0.1:$2" c code i hdr id big
	c=(curl -s --cacert "$work/tls.crt" --max-time 10)
	wait_url "$base/.well-known/jwks.json" --cacert "$work/tls.crt"
	for path in / /.well-known/jwks.json /openapi.json /v1/revocations; do
		code=$("${c[@]}" -o /dev/null -w '%{http_code}' "$base$path")
		[ "$code" = 200 ] || fail "$name: GET $path = $code, want 200"
	done
	code=$("${c[@]}" -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d '{"code":"x"}' "$base/v1/codes/refresh")
	[ "$code" = 400 ] || fail "$name: POST /v1/codes/refresh with a bad code = $code, want 400 from licentia"
	for path in /metrics /metrics/ /healthz /readyz /nothing; do
		code=$("${c[@]}" -o /dev/null -w '%{http_code}' "$base$path")
		[ "$code" = 404 ] || fail "$name: GET $path = $code, want 404"
	done
	code=$("${c[@]}" -o /dev/null -w '%{http_code}' "$base/admin/v1/licenses")
	case "$code" in 403 | 404) ;; *) fail "$name: GET /admin/v1/licenses from outside the support network = $code, want 403 or 404" ;; esac
	ok "$name: /, /v1/*, jwks, openapi.json routed; /metrics, /healthz, /readyz, /admin/ not"

	# Methods licentia does not serve, made-up ones of up to 6 KB included, stop at the proxy.
	for m in PUT BREW "$(printf 'X%.0s' $(seq 6000))"; do
		for path in /v1/codes/refresh /koogallery/license /; do
			code=$("${c[@]}" -o /dev/null -w '%{http_code}' -X "$m" "$base$path")
			[ "$code" = 405 ] || fail "$name: method ${m:0:16} on $path = $code, want 405 from the proxy"
		done
	done
	! grep -qE '"method":"(PUT|BREW|XXXX)' "$work"/replica-*.log || fail "$name: a method licentia does not serve reached it"
	ok "$name: PUT, BREW and a 6 KB method answered 405 by the proxy"

	hdr=$("${c[@]}" -D - -o /dev/null "$base/")
	grep -qi '^strict-transport-security: max-age=31536000' <<<"$hdr" || fail "$name: no HSTS header in: $hdr"
	if [ -n "$http" ]; then
		hdr=$(curl -s -D - -o /dev/null "http://127.0.0.1:$http/koogallery/license?x=1")
		grep -q '^HTTP/1.1 301' <<<"$hdr" || fail "$name: plain HTTP is not redirected: $hdr"
	fi
	ok "$name: HSTS; plain HTTP redirected"

	SSL_CERT_FILE="$work/tls.crt" LICENTIA_KOOGALLERY_KEY=$KEY timeout 300 "$work/licentia" simulate --url "$base" \
		--allow-remote --scenario all --concurrency 10 --prefix "CI-$name-" >"$work/sim-$name.txt" 2>&1 ||
		{ cat "$work/sim-$name.txt"; fail "$name: the simulator failed through the proxy"; }
	ok "$name: every simulator scenario passes through it"

	# Request ids: the proxy's own reaches licentia; a client's (4 KiB: under the proxies' header limits) does not.
	big=$(head -c 3072 /dev/urandom | base64 -w0 | tr -dc 'A-Za-z0-9' | head -c 4096)
	hdr=$("${c[@]}" -D - -o /dev/null -H "X-Request-Id: $big" "$base/.well-known/jwks.json")
	id=$(sed -n 's/^[Xx]-[Rr]equest-[Ii]d: *\([^[:space:]]*\).*/\1/p' <<<"$hdr")
	[ -n "$id" ] && [ "$id" != "$big" ] || fail "$name: answer X-Request-Id = '${id:0:80}', want the proxy's"
	sleep 0.5
	grep -qF "\"request_id\":\"$id\"" "$work/replica-a.log" "$work/replica-b.log" || fail "$name: licentia did not log the proxy's request id $id"
	grep -qF "$id" "$log" || fail "$name: its log lacks request id $id"
	! grep -qF "${big:0:200}" "$work"/replica-*.log "$log" || fail "$name: a client's X-Request-Id reached a log"
	ok "$name: its request id $id is licentia's request_id; the client's is in no log"

	# No query string in the proxy's log: the simulator sent License 1.0 URLs with signed authTokens.
	grep -q 'koogallery/license' "$log" || fail "$name: its log records no callback at all"
	! grep -qE 'authToken|\?[A-Za-z]+=' "$log" || { grep -E 'authToken|\?[A-Za-z]+=' "$log" | head -3; fail "$name: its log holds query strings"; }
	ok "$name: no query string in its log"

	# Rate limits: client A uses up its refresh bucket; client B, behind the same proxy, still has its own.
	# Each replica keeps its own per-address token bucket (60 a minute, refilled one a second), so with two
	# replicas A is refused after about 120, a few more if the loop is slow.
	code=""
	for i in $(seq 400); do
		code=$("${c[@]}" --interface "$a" -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
			-d '{"code":"x"}' "$base/v1/codes/refresh")
		[ "$code" = 429 ] && break
	done
	[ "$code" = 429 ] || fail "$name: client $a never rate-limited after $i refreshes"
	code=$("${c[@]}" --interface "$b" -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
		-H 'X-Forwarded-For: 198.51.100.9' -d '{"code":"x"}' "$base/v1/codes/refresh")
	[ "$code" = 400 ] || fail "$name: client $b behind the same proxy = $code, want 400 (a bucket of its own)"
	# A forged X-Forwarded-For must not give A a fresh bucket: a burst of 10 from A with one must be mostly
	# refused (the buckets refill one token a second per replica, so one or two may pass; a fresh bucket
	# would pass all 10).
	local refused=0 j
	for j in $(seq 10); do
		code=$("${c[@]}" --interface "$a" -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
			-H "X-Forwarded-For: 198.51.100.10" -d '{"code":"x"}' "$base/v1/codes/refresh")
		[ "$code" = 429 ] && refused=$((refused + 1))
	done
	[ "$refused" -ge 6 ] || fail "$name: client $a escaped its bucket with a forged X-Forwarded-For: $refused of 10 refused"
	ok "$name: rate-limit bucket per buyer ($a limited after $i, $b not); a forged X-Forwarded-For does not help"
}

has_http2_on() { # nginx 1.25.1 added the "http2 on" directive
	local v
	v=$(nginx -v 2>&1 | sed 's|.*nginx/||')
	[ "$(printf '%s\n' 1.25.1 "$v" | sort -V | head -n1)" = 1.25.1 ]
}

# run_nginx NAME SERVER_CONF: a main config around the server config, in the foreground.
run_nginx() {
	local name=$1 dir="$work/$1"
	mkdir -p "$dir/tmp" && chmod 777 "$dir/tmp"
	cat >"$dir/nginx.conf" <<-CONF
		daemon off;
		worker_processes 1;
		pid $dir/nginx.pid;
		error_log $dir/main-error.log;
		events { worker_connections 256; }
		http {
		    access_log off;
		    client_body_temp_path $dir/tmp/body; proxy_temp_path $dir/tmp/proxy;
		    fastcgi_temp_path $dir/tmp/fcgi; uwsgi_temp_path $dir/tmp/uwsgi; scgi_temp_path $dir/tmp/scgi;
		    include $dir/server.conf;
		}
	CONF
	nginx -t -q -p "$dir" -c "$dir/nginx.conf" || fail "$name: nginx -t refuses the config"
	timeout 600 nginx -p "$dir" -c "$dir/nginx.conf" &
	pids+=($!)
}

nginx_paths() { # the shipped nginx config with local ports, certificate and logs
	local s=$1 h=$2
	sed -e "s|listen 443 ssl;|listen 127.0.0.1:$s ssl;|" -e "s|listen 80;|listen 127.0.0.1:$h;|" \
		-e "s|/etc/nginx/tls/[a-z.]*\.crt|$work/tls.crt|" -e "s|/etc/nginx/tls/[a-z.]*\.key|$work/tls.key|" \
		-e "s|/var/log/nginx/|$work/nginx-logs-\$NAME/|" \
		-e "s|127.0.0.1:8081|127.0.0.1:$P1|" -e "s|127.0.0.1:8082|127.0.0.1:$P2|" \
		-e "s|licentia-a:8080|127.0.0.1:$P1|" -e "s|licentia-b:8080|127.0.0.1:$P2|" |
		if has_http2_on; then cat; else sed -e '/^ *http2 on;/d'; fi
}

echo "== nginx $(nginx -v 2>&1 | sed 's|.*/||'): docs/deploy/nginx.conf"
free_port NS; free_port NH
mkdir -p "$work/nginx" "$work/nginx-logs-nginx"
nginx_paths "$NS" "$NH" <docs/deploy/nginx.conf | sed "s|\$NAME|nginx|g" >"$work/nginx/server.conf"
run_nginx nginx
check_proxy nginx "$NS" "$work/nginx-logs-nginx/licentia.access.log" 127.0.0.2 127.0.0.3 "$NH"
! grep -q authToken "$work/nginx-logs-nginx/licentia.error.log" 2>/dev/null || fail "nginx: its error log holds an authToken"

echo "== nginx: the config inside docs/deploy/compose.yaml"
free_port CS
mkdir -p "$work/compose" "$work/nginx-logs-compose"
python3 -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["configs"]["nginx"]["content"].replace("$$", "$"))' \
	docs/deploy/compose.yaml | nginx_paths "$CS" 0 | sed "s|\$NAME|compose|g" >"$work/compose/server.conf"
run_nginx compose
check_proxy compose "$CS" "$work/nginx-logs-compose/access.log" 127.0.0.4 127.0.0.5
python3 - docs/deploy/compose.yaml <<-'PY' || fail "compose: the replicas do not trust nginx's fixed address"
	import sys, yaml
	c = yaml.safe_load(open(sys.argv[1]))
	ip = c["services"]["nginx"]["networks"]["licentia"]["ipv4_address"]
	env = c["x-licentia"]["environment"]
	assert env["LICENTIA_TRUSTED_PROXIES"] == ip, (env["LICENTIA_TRUSTED_PROXIES"], ip)
	assert env.get("LICENTIA_METRICS_ADDR"), "no LICENTIA_METRICS_ADDR"
	assert ":" not in env["LICENTIA_DB"].split("@")[0].split("//")[1], "a password in LICENTIA_DB"
PY
ok "compose: the replicas trust nginx at its fixed address; /metrics on its own port; no password in the URL"

echo "== $(haproxy -v | head -n1): docs/deploy/haproxy.cfg"
free_port HS; free_port HH
sed -e "s|bind :80|bind 127.0.0.1:$HH|" -e "s|bind :443 ssl crt [^ ]*|bind 127.0.0.1:$HS ssl crt $work/tls.pem|" \
	-e "s|127.0.0.1:8081|127.0.0.1:$P1|" -e "s|127.0.0.1:8082|127.0.0.1:$P2|" docs/deploy/haproxy.cfg >"$work/haproxy.cfg"
haproxy -c -q -f "$work/haproxy.cfg" || fail "haproxy -c refuses the config"
timeout 600 haproxy -db -f "$work/haproxy.cfg" >"$work/haproxy.log" 2>&1 &
pids+=($!)
check_proxy haproxy "$HS" "$work/haproxy.log" 127.0.0.6 127.0.0.7 "$HH"

echo "all proxy checks passed"
