# Shared by the CI scripts that run a real licentia server: source it, then call ci_workdir once.

# ci_workdir NAME: a new private directory in $work, removed on exit together with the server that
# start_licentia started.
ci_workdir() {
	work=$(mktemp -d "/tmp/licentia-$1.XXXXXX")
	server_pid=""
	trap ci_cleanup EXIT
}

ci_cleanup() {
	if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
	rm -rf "$work"
}

# start_licentia KEY [FLAG...]: runs $work/licentia serve on $work/data and a free loopback port (--addr-file),
# with KEY as the KooGallery access key and FLAG... added, waits up to 30 s until it is ready and sets
# $server_url; prints the server's log and exits when it stops or stays unready.
start_licentia() {
	local key=$1
	shift
	LICENTIA_KOOGALLERY_KEY="$key" "$work/licentia" serve --data "$work/data" --addr 127.0.0.1:0 \
		--addr-file "$work/addr" "$@" >"$work/server.log" 2>&1 &
	server_pid=$!
	for _ in $(seq 1 300); do
		[ -s "$work/addr" ] && curl -fsS "http://$(cat "$work/addr")/readyz" >/dev/null 2>&1 && break
		kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log"; exit 1; }
		sleep 0.1
	done
	server_url="http://$(cat "$work/addr")"
	curl -fsS "$server_url/readyz" >/dev/null || { cat "$work/server.log"; exit 1; }
}
