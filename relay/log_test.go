package relay

import (
	"slices"
	"strconv"
	"testing"

	"github.com/chatpwa/chat/relay/wire"
)

// TestHub_Since_SameAnswerFromBothLogs asks the memory relay and a relay
// over NATS the same since= questions about the same room history: a
// window of 5 kept out of 8 published. Both logs must give the same
// welcome.seq, recovered and replay.
func TestHub_Since_SameAnswerFromBothLogs(t *testing.T) {
	const history, published = 5, 8 // seqs 4..8 kept
	rows := []struct {
		name      string
		since     string
		epoch     string // "" none, "same", or another epoch
		recovered bool
		replay    []uint64
	}{
		{"before the window", "0", "", false, []uint64{4, 5, 6, 7, 8}},
		{"one before the window", "2", "same", false, []uint64{4, 5, 6, 7, 8}},
		{"just before the first kept", "3", "same", true, []uint64{4, 5, 6, 7, 8}},
		{"inside the window", "5", "", true, []uint64{6, 7, 8}},
		{"up to date", "8", "same", true, nil},
		{"beyond the last seq", "9", "", false, nil},
		{"another epoch", "5", "0123456789abcdef", false, []uint64{4, 5, 6, 7, 8}},
	}
	brokers := map[string]func(t *testing.T) *testRelay{
		"memory": func(t *testing.T) *testRelay { return startRelay(t, Config{History: history}) },
		"nats": func(t *testing.T) *testRelay {
			return startNATSRelay(t, startNATS(t), Config{History: history})
		},
	}
	for _, broker := range []string{"memory", "nats"} {
		t.Run(broker, func(t *testing.T) {
			tr := brokers[broker](t)
			keeper, w := joinRoom(t, tr, "since-table", "keeper")
			epoch := w.Epoch
			for i := 1; i <= published; i++ {
				keeper.pub("k"+strconv.Itoa(i), i)
				keeper.skipTo(wire.TypeMsg)
			}
			for _, row := range rows {
				extra := []string{"since", row.since}
				switch row.epoch {
				case "same":
					extra = append(extra, "epoch", epoch)
				case "":
				default:
					extra = append(extra, "epoch", row.epoch)
				}
				c, w := joinRoom(t, tr, "since-table", "asker", extra...)
				if w.Seq != published || w.Recovered != row.recovered {
					t.Errorf("%s: welcome seq %d recovered %v, want seq %d recovered %v",
						row.name, w.Seq, w.Recovered, published, row.recovered)
				}
				var seqs []uint64
				for range row.replay {
					seqs = append(seqs, c.expect(wire.TypeMsg).Seq)
				}
				if !slices.Equal(seqs, row.replay) {
					t.Errorf("%s: replay %v, want %v", row.name, seqs, row.replay)
				}
				c.quiet()
				c.leave()
				keeper.skipTo(wire.TypeLeave)
			}
		})
	}
}
