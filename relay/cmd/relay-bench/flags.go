package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
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
	url             string // one URL, or several separated by commas
	proto           string
	pids            pidList
	jsonOut         bool
	sources         int
	dialConcurrency int
	dialTimeout     time.Duration
}

func (c *commonFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.url, "url", DefaultURL, "WebSocket URL of the server (chat: the relay's /ws; the tool adds room= and cid=); several, comma-separated, spread the connections round-robin over relays that share rooms (NATS)")
	fs.StringVar(&c.proto, "proto", protoChat, "protocol: chat (chat.v1 relay), socketio (Socket.IO 4 server with rooms, WebSocket transport) or raw (plain broadcast server)")
	fs.Var(&c.pids, "pid", "server process id, to read its RSS and CPU time from /proc (none: not measured); several, comma-separated, are summed")
	fs.BoolVar(&c.jsonOut, "json", false, "print the result as one JSON object")
	fs.IntVar(&c.sources, "sources", DefaultSources, "spread connections over source addresses 127.0.0.1..127.0.0.K")
	fs.IntVar(&c.dialConcurrency, "dial-concurrency", DefaultDialConcurrency, "simultaneous handshakes")
	fs.DurationVar(&c.dialTimeout, "dial-timeout", DefaultDialTimeout, "timeout of one handshake")
}

// urls returns the -url list.
func (c *commonFlags) urls() []string {
	return strings.Split(c.url, ",")
}

func (c *commonFlags) validate() error {
	if c.proto != protoChat && c.proto != protoRaw && c.proto != protoSocketIO {
		return fmt.Errorf("-proto %q: want chat, socketio or raw", c.proto)
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

// pidList is the -pid flag: process ids separated by commas.
type pidList []int

func (p *pidList) String() string {
	parts := make([]string, len(*p))
	for i, pid := range *p {
		parts[i] = strconv.Itoa(pid)
	}
	return strings.Join(parts, ",")
}

func (p *pidList) Set(s string) error {
	*p = nil
	for _, part := range strings.Split(s, ",") {
		pid, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil || pid < 0 {
			return fmt.Errorf("want process ids separated by commas, got %q", part)
		}
		if pid > 0 {
			*p = append(*p, pid)
		}
	}
	return nil
}
