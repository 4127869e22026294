package relay

import (
	"bytes"
	"testing"
)

// An idle relay holds tens of thousands of members (BENCHMARKS.md, idle):
// making one must cost a single allocation, the member itself. Its leave
// frame, its writer's wake channel and its ending are paid for when used.
func TestNewMember_AllocatesOnlyTheMember(t *testing.T) {
	metrics := newMetrics()
	allocs := testing.AllocsPerRun(100, func() {
		_ = newMember("0123456789abcdef", "cid-1", nil, 256, metrics)
	})
	if allocs != 1 {
		t.Fatalf("newMember made %v allocations, want 1", allocs)
	}
}

// The leave frame, built on first use, is still the member's leave.
func TestMember_LeaveFrameBuiltOnFirstUse(t *testing.T) {
	m := newMember("0123456789abcdef", "cid-1", nil, 256, newMetrics())
	if m.leave != nil {
		t.Fatal("leave frame built before use")
	}
	want := `{"type":"leave","conn":"0123456789abcdef","cid":"cid-1"}`
	if got := m.leaveFrame(); !bytes.Equal(got, []byte(want)) {
		t.Fatalf("leave frame %s, want %s", got, want)
	}
	if first, again := m.leaveFrame(), m.leaveFrame(); &first[0] != &again[0] {
		t.Fatal("leave frame built twice")
	}
}
