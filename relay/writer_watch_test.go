package relay

import (
	"testing"
	"time"
)

// A write in progress for longer than the timeout ends the member, and not
// before the timeout: also when it starts just before the timer fires for
// something else (the timer was set for the wait before it).
func TestWriterWatch_EndsAWriteThatTakesTooLong(t *testing.T) {
	const timeout = 100 * time.Millisecond
	timedOut := make(chan time.Time, 1)
	watch := newWriterWatch(timeout, time.Hour, make(chan struct{}, 1), func() { timedOut <- time.Now() })
	defer watch.stop()

	// A few short writes first: none of them times out.
	for range 3 {
		watch.startWrite()
		watch.endWrite()
	}
	watch.startWait()
	time.Sleep(timeout * 9 / 10) // stands for a wait: the write below starts late in the timer's period
	watch.endWait()
	started := time.Now()
	watch.startWrite()
	select {
	case at := <-timedOut:
		if took := at.Sub(started); took < timeout {
			t.Fatalf("write ended after %v, before the %v timeout", took, timeout)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a stuck write never timed out")
	}
}

// Writes that each end in time never time out, however long they go on.
func TestWriterWatch_WritesInTimeNeverTimeOut(t *testing.T) {
	const timeout = 300 * time.Millisecond
	timedOut := make(chan struct{}, 1)
	watch := newWriterWatch(timeout, time.Hour, make(chan struct{}, 1), func() { timedOut <- struct{}{} })
	defer watch.stop()
	// The sleeps stand for writes and the time between them (a loaded
	// machine may stretch them; far from the timeout).
	for end := time.Now().Add(3 * timeout); time.Now().Before(end); {
		watch.startWrite()
		time.Sleep(2 * time.Millisecond)
		watch.endWrite()
		time.Sleep(2 * time.Millisecond)
	}
	select {
	case <-timedOut:
		t.Fatal("writes shorter than the timeout timed out")
	default:
	}
}

// A writer that waits linger without work is woken and told to retire; a
// wait that ends earlier is not.
func TestWriterWatch_RetiresAWriterThatWaitedLinger(t *testing.T) {
	const linger = 200 * time.Millisecond
	wake := make(chan struct{}, 1)
	watch := newWriterWatch(time.Hour, linger, wake, func() { t.Error("timed out") })
	defer watch.stop()

	watch.startWait()
	started := time.Now()
	select {
	case <-wake:
	case <-time.After(10 * time.Second):
		t.Fatal("an idle writer was never told to retire")
	}
	watch.endWait()
	if waited := time.Since(started); waited < linger {
		t.Fatalf("retired after %v, before linger %v", waited, linger)
	}
	if !watch.retire.Swap(false) {
		t.Fatal("woken without retire")
	}

	// Short waits: work comes before linger, nobody retires.
	for end := time.Now().Add(3 * linger); time.Now().Before(end); {
		watch.startWait()
		time.Sleep(2 * time.Millisecond) // stands for a short wait
		watch.endWait()
	}
	if watch.retire.Load() {
		t.Fatal("retire after waits shorter than linger")
	}
}
