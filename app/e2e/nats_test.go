//go:build !js

package e2e

import (
	"bytes"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
)

// natsStartTimeout bounds how long the in-process NATS server may take to
// accept connections (JetStream recovers its store first).
const natsStartTimeout = 10 * time.Second

// startNATS runs a real NATS server with JetStream in the test process, on a
// random loopback port, its store in a temporary directory, and shuts it
// down when the test ends (after the relays, which are started later and so
// stop first). It returns the URL the relays dial.
func startNATS(t *testing.T) string {
	t.Helper()
	srv, err := natsserver.NewServer(&natsserver.Options{
		Host:      "127.0.0.1",
		Port:      -1, // random
		JetStream: true,
		StoreDir:  t.TempDir(),
		NoLog:     true,
		NoSigs:    true,
	})
	if err != nil {
		t.Fatalf("nats: %v", err)
	}
	srv.Start()
	t.Cleanup(func() {
		srv.Shutdown()
		srv.WaitForShutdown()
	})
	if !srv.ReadyForConnections(natsStartTimeout) {
		t.Fatalf("nats: not ready within %v", natsStartTimeout)
	}
	return srv.ClientURL()
}

// relayFlags caches the relay binary's usage text (`relay -h`).
var relayFlags struct {
	once  sync.Once
	usage string
	err   error
}

// requireRelayFlag skips the test when the relay binary has no -name flag:
// a scenario that needs a relay feature still being built says so instead
// of failing on "flag provided but not defined". Under CI it fails instead.
func requireRelayFlag(t *testing.T, name string) {
	t.Helper()
	relayFlags.once.Do(func() {
		var out bytes.Buffer
		cmd := exec.Command(suite.relayBin, "-h")
		cmd.Env = relayEnv()
		cmd.Stdout, cmd.Stderr = &out, &out
		relayFlags.err = cmd.Run()
		relayFlags.usage = out.String()
	})
	if relayFlags.err != nil {
		t.Fatalf("relay -h: %v\n%s", relayFlags.err, relayFlags.usage)
	}
	if !strings.Contains(relayFlags.usage, "\n  -"+name+" ") && !strings.Contains(relayFlags.usage, "\n  -"+name+"\n") {
		skipUnlessCI(t, "the relay binary has no -"+name+" flag yet (relay -h); this scenario needs it")
	}
}
