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

# The server a script runs at a time: its pid (empty when none runs, for
# the scripts' cleanup at exit) and server_pin, a prefix for its command:
# empty, or taskset for compare.sh's pinned row. The start functions need
# work (bin/ holds the built relay), OUT (for the logs) and the script's port.
server_pid=""
server_pin=()

# start_relay FLAGS: FLAGS is one word-split string.
start_relay() {
	# shellcheck disable=SC2086
	"${server_pin[@]}" "$work/bin/relay" -addr "127.0.0.1:$RELAY_PORT" $1 -log-level warn 2>>"$OUT/relay.log" &
	server_pid=$!
	wait_port "$RELAY_PORT"
}

# start_node: the Node ws broadcast server (ws-broadcast.js).
start_node() {
	PORT=$NODE_PORT "${server_pin[@]}" node "$root/relay/bench/ws-broadcast.js" 2>>"$OUT/node.log" &
	server_pid=$!
	wait_port "$NODE_PORT"
}

# start_sio: the Socket.IO 4 chat server (socketio-chat.js).
start_sio() {
	PORT=$SIO_PORT "${server_pin[@]}" node "$root/relay/bench/socketio-chat.js" 2>>"$OUT/socketio.log" &
	server_pid=$!
	wait_port "$SIO_PORT"
}

stop_server() {
	kill "$server_pid"
	wait "$server_pid" 2>/dev/null || true
	server_pid=""
}
