package relay

import (
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// A burst of connections is followed, once handshakes pause, by one trim;
// the next burst by another.
func TestMemoryTrim_AfterEachBurstCalms(t *testing.T) {
	tr := startRelay(t, Config{MemoryTrimBurst: 5, MemoryTrimAfter: 20 * time.Millisecond})
	for burst := 1; burst <= 2; burst++ {
		for i := range 5 {
			c := tr.dial(t, query("trim", fmt.Sprintf("c%d-%d", burst, i)))
			c.expect("welcome")
		}
		waitMetric(t, tr, "relay_memory_trims_total", fmt.Sprint(burst))
	}
}

// Fewer connections than a burst arm nothing; the burst-th does; trimming
// starts a new count; a negative MemoryTrimAfter never arms.
func TestMemoryTrim_ArmsOnlyForABurst(t *testing.T) {
	armed := func(m *memoryTrimmer) bool {
		m.mu.Lock()
		defer m.mu.Unlock()
		return m.timer != nil
	}
	m := newMemoryTrimmer(time.Hour, 3, prometheus.NewCounter(prometheus.CounterOpts{Name: "t"}))
	defer m.stop()
	m.accept()
	m.accept()
	if armed(m) {
		t.Fatal("armed after 2 of a 3-connection burst")
	}
	m.accept()
	if !armed(m) {
		t.Fatal("not armed after a 3-connection burst")
	}
	m.trim()
	if got := m.accepted.Load(); got != 0 {
		t.Fatalf("after a trim %d connections count towards the next burst, want 0", got)
	}

	off := newMemoryTrimmer(-1, 1, prometheus.NewCounter(prometheus.CounterOpts{Name: "t"}))
	for range 10 {
		off.accept()
	}
	if armed(off) {
		t.Fatal("armed with trimming off")
	}
}
