package relay

import (
	"fmt"
	"testing"
	"time"
)

func TestWindow_AfterAndLookup(t *testing.T) {
	start := time.Unix(0, 0)
	w := newWindow(3, 1<<30, time.Minute)
	for seq := uint64(1); seq <= 5; seq++ {
		w.add(windowEntry{seq: seq, at: start, key: messageKey{"c", fmt.Sprint(seq)}, frame: []byte(fmt.Sprint(seq))})
	}
	if _, _, ok := w.lookup(messageKey{"c", "2"}); ok {
		t.Fatal("evicted message still deduplicated")
	}
	if f, _, ok := w.lookup(messageKey{"c", "4"}); !ok || string(f) != "4" {
		t.Fatalf("lookup 4 = %q %v", f, ok)
	}
	frames, recovered := w.after(3, 5, 5)
	if !recovered || len(frames) != 2 || string(frames[0]) != "4" {
		t.Fatalf("after(3) = %q %v", frames, recovered)
	}
	w.expire(start.Add(time.Minute))
	if w.len() != 0 {
		t.Fatalf("%d entries after expiry", w.len())
	}
	if frames, recovered := w.after(5, 5, 5); !recovered || len(frames) != 0 {
		t.Fatalf("after(5) on an expired window = %q %v", frames, recovered)
	}
	if _, recovered := w.after(4, 5, 5); recovered {
		t.Fatal("seq 5 expired, yet recovered")
	}
}
