# lib.sh: what the benchmark scripts share; sourced, not run.

# build_tools DIR builds the relay and relay-bench from the repository at
# $root into DIR.
build_tools() {
	(cd "$root" && go build -o "$1/relay" ./relay/cmd/relay && go build -o "$1/relay-bench" ./relay/cmd/relay-bench)
}

# wait_port waits until something accepts on 127.0.0.1:$1.
wait_port() {
	for _ in $(seq 100); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
		sleep 0.1
	done
	echo "nothing listens on port $1" >&2
	return 1
}
