package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"time"
)

// errUsage reports bad command-line flags, already explained on stderr.
var errUsage = errors.New("usage error")

// Defaults of the flags shared by every command.
const (
	// DefaultURL is a relay started with -addr 127.0.0.1:8080.
	DefaultURL = "ws://127.0.0.1:8080/ws"
	// DefaultSources is how many loopback source addresses (127.0.0.1 ..
	// 127.0.0.K) the connections are spread over: each gives about 28000
	// ephemeral ports towards one server address.
	DefaultSources = 8
	// DefaultDialConcurrency bounds simultaneous handshakes, so that the
	// server's accept backlog does not overflow while connections open.
	DefaultDialConcurrency = 64
	// DefaultDialTimeout bounds one handshake.
	DefaultDialTimeout = 10 * time.Second
)

// commonFlags are the flags every command accepts.
type commonFlags struct {
	url             string
	proto           string
	pid             int
	jsonOut         bool
	sources         int
	dialConcurrency int
	dialTimeout     time.Duration
}

func (c *commonFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.url, "url", DefaultURL, "WebSocket URL of the server (chat: the relay's /ws; the tool adds room= and cid=)")
	fs.StringVar(&c.proto, "proto", protoChat, "protocol: chat (chat.v1 relay) or raw (plain broadcast server)")
	fs.IntVar(&c.pid, "pid", 0, "server process id, to read its RSS and CPU time from /proc (0: not measured)")
	fs.BoolVar(&c.jsonOut, "json", false, "print the result as one JSON object")
	fs.IntVar(&c.sources, "sources", DefaultSources, "spread connections over source addresses 127.0.0.1..127.0.0.K")
	fs.IntVar(&c.dialConcurrency, "dial-concurrency", DefaultDialConcurrency, "simultaneous handshakes")
	fs.DurationVar(&c.dialTimeout, "dial-timeout", DefaultDialTimeout, "timeout of one handshake")
}

func (c *commonFlags) validate() error {
	if c.proto != protoChat && c.proto != protoRaw {
		return fmt.Errorf("-proto %q: want chat or raw", c.proto)
	}
	if c.sources < 1 || c.sources > 254 {
		return fmt.Errorf("-sources %d: want 1..254", c.sources)
	}
	if c.dialConcurrency < 1 {
		return fmt.Errorf("-dial-concurrency %d: want at least 1", c.dialConcurrency)
	}
	return nil
}

// parse parses args into fs, which reports errors instead of exiting.
func parse(fs *flag.FlagSet, args []string, common *commonFlags) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "unexpected arguments: %q\n", fs.Args())
		return errUsage
	}
	return common.validate()
}

// newFlagSet returns a FlagSet whose -h prints text, then the flags.
func newFlagSet(name string, output io.Writer, text string) *flag.FlagSet {
	fs := flag.NewFlagSet("relay-bench "+name, flag.ContinueOnError)
	fs.SetOutput(output)
	fs.Usage = func() {
		fmt.Fprint(output, text)
		fs.PrintDefaults()
	}
	return fs
}
