//go:build !js

package chat

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chatpwa/chat/relay"
)

// TestRelayIntegration_TooLargeForRelayFailsOthersFlow: a relay started with
// -max-message 1024; alice queued a 2 KB message and a short one while
// offline (under the default 64 KiB). On connecting the big one is marked
// failed with the relay's limit, never sent (no 1009, no reconnect loop), and
// the short one reaches bob exactly once.
func TestRelayIntegration_TooLargeForRelayFailsOthersFlow(t *testing.T) {
	r := startRelayWith(t, "", relay.Config{MaxMessage: 1024})
	store := NewMemoryStore()
	offline := New(Options{Relays: []string{r.url()}, Room: "it-room", CID: "alice-cid", Nick: "alice", Store: store})
	if err := offline.Send(strings.Repeat("big ", 500)); err != nil {
		t.Fatal(err)
	}
	if err := offline.Send("short one"); err != nil {
		t.Fatal(err)
	}

	bob := runRealClient(t, r.url(), "bob-cid", "bob", nil)
	alice := New(Options{Relays: []string{r.url()}, Room: "it-room", CID: "alice-cid", Nick: "alice", Store: store})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		alice.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(integrationTimeout):
			t.Error("Run did not return")
		}
	})
	ra := &realClient{Client: alice, done: done, cancel: cancel}

	v := waitReal(t, ra, "short delivered, big failed", func(v View) bool {
		_, failed := failedLine(v)
		return failed && deliveredOnce(v, "short one")
	})
	if l, _ := failedLine(v); !strings.Contains(l.Failure, "the limit is 1 KB") {
		t.Errorf("failure %q", l.Failure)
	}
	waitReal(t, bob, "bob shows the short one", func(v View) bool { return countMessages(v, "short one") == 1 })
	if err := alice.Send("and later"); err != nil {
		t.Fatal(err)
	}
	v = waitReal(t, bob, "bob shows the later one", func(v View) bool { return countMessages(v, "and later") == 1 })
	if strings.Contains(strings.Join(texts(v.Lines), "\n"), "big big") {
		t.Fatal("bob received the message over the relay's limit")
	}
	if v := alice.View(); v.State != StateOnline || countMessages(v, "short one") != 1 {
		t.Fatalf("alice: state %v, lines %q", v.State, texts(v.Lines))
	}
}
