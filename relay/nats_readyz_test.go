package relay

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chatpwa/chat/relay/wire"
)

// waitBroken waits until the relay is connected to NATS and yet cannot
// follow some room's stream: not ready for a reason other than an outage.
func (tr *testRelay) waitBroken(t *testing.T) {
	t.Helper()
	b := tr.natsConn()
	deadline := time.After(waitTimeout)
	for {
		changed := b.readyNotify()
		if b.connectedNow() && b.broken.Load() > 0 {
			return
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("relay connected=%v with %d broken rooms, want connected and a broken room within %v",
				b.connectedNow(), b.broken.Load(), waitTimeout)
		}
	}
}

// errWatch signals seen when a record with message carries an err
// containing errPart, whatever attributes the logger was given.
type errWatch struct {
	slog.Handler
	message, errPart string
	seen             chan<- struct{}
}

func (w errWatch) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == w.message {
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "err" && strings.Contains(a.Value.String(), w.errPart) {
				select {
				case w.seen <- struct{}{}:
				default:
				}
				return false
			}
			return true
		})
	}
	return w.Handler.Handle(ctx, r)
}

func (w errWatch) WithAttrs(attrs []slog.Attr) slog.Handler {
	w.Handler = w.Handler.WithAttrs(attrs)
	return w
}

func (w errWatch) WithGroup(name string) slog.Handler {
	w.Handler = w.Handler.WithGroup(name)
	return w
}

// TestNATS_StreamCannotBeRecreated_NotReady: NATS comes back with an empty
// store and less JetStream storage than a room's stream asks for (its
// MaxBytes, -room-history-bytes). The relay, connected again, cannot
// re-create the stream its member follows: /readyz answers 503 for as long
// as that lasts — not 200 because the connection is up — and 200 again
// once NATS has the storage, when the room works again.
func TestNATS_StreamCannotBeRecreated_NotReady(t *testing.T) {
	n := startNATS(t)
	refused := make(chan struct{}, 1)
	tr := startNATSRelay(t, n, Config{
		RoomHistoryBytes: 4 << 20,
		BrokerTimeout:    time.Second, // a request lost in the restart fails fast
		Logger: slog.New(errWatch{Handler: slog.NewTextHandler(io.Discard, nil),
			message: "cannot follow room stream", errPart: "insufficient storage", seen: refused}),
	})
	ann, _ := joinRoom(t, tr, "kept", "ann")
	ann.pub("a1", 1)
	ann.skipTo(wire.TypeMsg)

	n.stop()
	n.opts.StoreDir = t.TempDir()      // the store is lost
	n.opts.JetStreamMaxStore = 1 << 20 // below the stream's MaxBytes
	n.restart()
	waitFor(t, refused, "NATS refusing to re-create the stream for lack of storage")
	tr.waitBroken(t)
	if got := tr.readyz(t); got != http.StatusServiceUnavailable {
		t.Fatalf("/readyz while the room's stream cannot be re-created = %d, want 503", got)
	}

	n.stop()
	n.opts.JetStreamMaxStore = 0 // the server's default: room again
	n.restart()
	tr.waitReady(t, true)
	if got := tr.readyz(t); got != http.StatusOK {
		t.Fatalf("/readyz once the stream could be re-created = %d, want 200", got)
	}
	back, _ := joinRoom(t, tr, "kept", "ann-again")
	back.pub("a2", 2)
	if f := back.skipTo(wire.TypeMsg); f.ID != "a2" {
		t.Fatalf("msg after recovery = %+v, want a2", f)
	}
}
