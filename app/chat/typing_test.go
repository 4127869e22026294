package chat

import (
	"testing"
	"time"
)

func TestTyping_SenderSaysSoAtMostEveryInterval(t *testing.T) {
	clock := newManualClock()
	s := newTypingSender(clock)
	on, off := &typingData{Typing: true}, &typingData{Typing: false}
	steps := []struct {
		after time.Duration
		draft string
		sent  bool // the draft was sent instead of changed
		want  *typingData
	}{
		{0, "h", false, on},
		{time.Second, "he", false, nil},
		{time.Second, "hel", false, nil},
		{time.Second, "hell", false, on}, // 3 s after the first
		{2 * time.Second, "hello", false, nil},
		{0, "", true, nil}, // sent: the message itself clears me
		{0, "n", false, on},
		{time.Second, "", false, off}, // emptied without sending
		{time.Second, "", false, nil},
		{0, "x", false, on},
		{TypingTimeout, "", false, nil}, // readers forgot me already
	}
	for i, st := range steps {
		clock.Advance(st.after)
		if st.sent {
			s.sent()
			continue
		}
		got := s.draftChanged(st.draft)
		if (got == nil) != (st.want == nil) || (got != nil && *got != *st.want) {
			t.Fatalf("step %d (%q): signal %+v, want %+v", i, st.draft, got, st.want)
		}
	}
}

func TestTyping_ReadersLine(t *testing.T) {
	clock := newManualClock()
	ty := newTypists(clock)
	expect := func(want string) {
		t.Helper()
		if got := ty.text(); got != want {
			t.Fatalf("text = %q, want %q", got, want)
		}
	}
	expect("")
	ty.signal("ada-1", "Ada", typingData{Typing: true})
	expect("Ada is typing…")
	clock.Advance(time.Second)
	ty.signal("bob-1", "Bob", typingData{Typing: true})
	expect("Ada and Bob are typing…")
	ty.signal("ada-1", "Ada", typingData{Typing: true}) // still typing: stays first
	expect("Ada and Bob are typing…")
	ty.signal("cy-1", "Cy", typingData{Typing: true})
	expect("3 people are typing…")
	ty.posted("cy-1") // Cy's message arrived
	expect("Ada and Bob are typing…")
	ty.signal("bob-1", "Bob", typingData{Typing: false})
	expect("Ada is typing…")
	clock.Advance(TypingTimeout - time.Millisecond)
	expect("Ada is typing…")
	clock.Advance(time.Millisecond) // 6 s without a word from Ada
	expect("")
	if len(ty.by) != 0 {
		t.Errorf("expired typists kept: %v", ty.by)
	}
}

// A person whose signals keep coming stays on the line however long they
// type, as long as each comes within the timeout.
func TestTyping_SenderKeepsReadersShowingIt(t *testing.T) {
	clock := newManualClock()
	s, ty := newTypingSender(clock), newTypists(clock)
	for i := range 40 { // 20 s of a keystroke every 500 ms
		if d := s.draftChanged("x"); d != nil {
			ty.signal("ada-1", "Ada", *d)
		}
		if got := ty.text(); got != "Ada is typing…" {
			t.Fatalf("after %d keystrokes: %q", i, got)
		}
		clock.Advance(500 * time.Millisecond)
	}
	s.sent()
	ty.posted("ada-1")
	if got := ty.text(); got != "" {
		t.Fatalf("after sending: %q", got)
	}
}
