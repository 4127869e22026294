//go:build benchlat

package relay

// Built only with -tags benchlat, to split relay-bench's latency into the
// relay's share and the tool's: for every relay-bench message a turn has
// written, the time from its due time (in the payload) to the end of the
// write. GET /debug/written on http.DefaultServeMux (served by the
// benchpprof build) reports percentiles in ms since the last ?reset.

import (
	"bytes"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"
)

var written struct {
	mu      sync.Mutex
	samples []int64 // µs
}

var benchData = []byte(`"data":"bench:`)

func traceWritten(batch [][]byte) {
	now := time.Now().UnixNano()
	var got []int64
	for _, frame := range batch {
		for rest := frame; ; {
			i := bytes.Index(rest, benchData)
			if i < 0 {
				break
			}
			rest = rest[i+len(benchData):]
			// PUB:N:SENT"
			f := bytes.SplitN(rest, []byte(":"), 3)
			if len(f) < 3 {
				break
			}
			end := bytes.IndexByte(f[2], '"')
			if end < 0 {
				break
			}
			due, err := strconv.ParseInt(string(f[2][:end]), 10, 64)
			if err == nil {
				got = append(got, (now-due)/1000)
			}
		}
	}
	if len(got) == 0 {
		return
	}
	written.mu.Lock()
	written.samples = append(written.samples, got...)
	written.mu.Unlock()
}

func init() {
	http.HandleFunc("/debug/written", func(w http.ResponseWriter, r *http.Request) {
		written.mu.Lock()
		s := slices.Clone(written.samples)
		if r.URL.Query().Has("reset") {
			written.samples = written.samples[:0]
		}
		written.mu.Unlock()
		slices.Sort(s)
		at := func(q float64) float64 {
			if len(s) == 0 {
				return 0
			}
			return float64(s[min(len(s)-1, int(q*float64(len(s))))]) / 1000
		}
		fmt.Fprintf(w, "n %d p50 %.1f p90 %.1f p99 %.1f p999 %.1f max %.1f\n", len(s), at(0.5), at(0.9), at(0.99), at(0.999), at(1))
	})
}
