// Command relay-bench measures a running relay over loopback: memory per
// idle connection, fan-out throughput and latency, many small rooms. With
// -proto raw it drives any plain broadcast WebSocket server (such as the Node
// ws server in relay/bench), and with -proto socketio a Socket.IO 4 server
// with rooms over its WebSocket transport (relay/bench/socketio-chat.js), so
// the same tool measures a peer under the same load.
//
// Usage:
//
//	relay-bench idle   -url ws://127.0.0.1:8080/ws -pid PID -n 5000
//	relay-bench fanout -url ws://127.0.0.1:8080/ws -pid PID -subs 1000 -pubs 4 -duration 10s
//	relay-bench rooms  -url ws://127.0.0.1:8080/ws -pid PID -rooms 500 -members 10 -duration 10s
//	relay-bench abuse  -url ws://127.0.0.1:8080/ws -pid PID
//	relay-bench bigroom -url ws://127.0.0.1:8080/ws -pid PID -n 10000
//	relay-bench storm  -url ws://127.0.0.1:8080/ws -server "relay -addr 127.0.0.1:8080 -max-conns 30000 -max-conns-per-ip 0 -handshakes-per-ip 0" -n 15000
//
// Every connection comes from 127.0.0.1, which the relay's per-address
// limits (-max-conns-per-ip 256, -handshakes-per-ip 20) would refuse with
// HTTP 429 long before the load: start the relay under test with
// -max-conns-per-ip 0 -handshakes-per-ip 0, as relay/bench/*.sh do.
//
// Every subcommand accepts -h, -json and -proto chat|socketio|raw.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `Usage: relay-bench COMMAND [flags]

Commands:
  idle     open N idle connections and report the server's RSS growth per connection
  fanout   N subscribers and P publishers in one room: deliveries/s, latency, CPU, loss
  rooms    many rooms of k members, one publisher each: the same report as fanout
  storm    N clients, then restart the server: time until all are back, peak RSS
  abuse    the attacks of an anonymous client: flood, many rooms, slow headers
  bigroom  N members in ONE room: fill time, drops, RSS per member; -storm restarts the server

Run relay-bench COMMAND -h for the flags of a command. With -proto chat (the
default) the tool speaks chat.v1 (relay/PROTOCOL.md); with -proto socketio,
Socket.IO 4 (Engine.IO 4 over WebSocket: the room in the query, "msg"
events); with -proto raw it drives a plain broadcast server: it sends frames
and counts what comes back.
Give -pid to read the server's memory and CPU from /proc. Every connection
comes from one address: start the relay with -max-conns-per-ip 0
-handshakes-per-ip 0, or its per-address limits answer HTTP 429. idle, fanout and
rooms accept several comma-separated -url (relays sharing rooms through
NATS): connections go round-robin over them, and -pid takes every relay's
pid (memory and CPU are summed).
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run is main without the process: it returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, usage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	var err error
	switch args[0] {
	case "idle":
		err = runIdle(ctx, args[1:], stdout, stderr)
	case "fanout":
		err = runFanout(ctx, args[1:], stdout, stderr)
	case "rooms":
		err = runRooms(ctx, args[1:], stdout, stderr)
	case "storm":
		err = runStorm(ctx, args[1:], stdout, stderr)
	case "abuse":
		err = runAbuse(ctx, args[1:], stdout, stderr)
	case "bigroom":
		err = runBigroom(ctx, args[1:], stdout, stderr)
	default:
		fmt.Fprintf(stderr, "relay-bench: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	default:
		fmt.Fprintln(stderr, "relay-bench:", err)
		return 1
	}
}
