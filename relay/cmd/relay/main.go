// Command relay runs the chat relay: WebSocket rooms with broadcast,
// keepalive and a recovery window (chat.v1, see relay/PROTOCOL.md), and
// optionally the built web app.
//
// Usage:
//
//	relay [flags]                                               serve
//	relay token -secret S -room R -ttl 24h [-name N] [-cid C]   print an invite token
//
// Every flag can also be set with the environment variable RELAY_<NAME>
// (dashes become underscores), e.g. RELAY_PING_INTERVAL=30s; a flag on the
// command line wins over the environment.
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

func main() {
	// SIGTERM (orchestrators) and SIGINT (Ctrl-C) cancel ctx; the relay then
	// closes every connection with 1001 and run returns nil: exit status 0.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.LookupEnv, os.Stdout, os.Stderr))
}

// run is main without the process: it returns the exit status.
func run(ctx context.Context, args []string, lookupEnv func(string) (string, bool), stdout, stderr io.Writer) int {
	var err error
	if len(args) > 0 && args[0] == "token" {
		err = runToken(args[1:], lookupEnv, stdout, stderr)
	} else {
		err = runServe(ctx, args, lookupEnv, stderr)
	}
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2 // the flag package has already printed what was wrong
	default:
		fmt.Fprintln(stderr, "relay:", err)
		return 1
	}
}
