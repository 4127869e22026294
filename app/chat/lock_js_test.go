package chat

import (
	"context"
	"syscall/js"
	"testing"
	"time"
)

// lockState asks navigator.locks.query how many requests for name are held
// and pending.
func lockState(t *testing.T, name string) (held, pending int) {
	t.Helper()
	done := make(chan js.Value, 1)
	then := js.FuncOf(func(_ js.Value, args []js.Value) any { done <- args[0]; return nil })
	defer then.Release()
	js.Global().Get("navigator").Get("locks").Call("query").Call("then", then)
	select {
	case snapshot := <-done:
		count := func(list js.Value) (n int) {
			for i := range list.Length() {
				if list.Index(i).Get("name").String() == name {
					n++
				}
			}
			return n
		}
		return count(snapshot.Get("held")), count(snapshot.Get("pending"))
	case <-time.After(waitTimeout):
		t.Fatal("navigator.locks.query did not answer")
		return 0, 0
	}
}

// waitLockState waits until name has held and pending requests.
func waitLockState(t *testing.T, name string, held, pending int) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		h, p := lockState(t, name)
		if h == held && p == pending {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("lock %s: %d held, %d pending; want %d, %d", name, h, p, held, pending)
		}
	}
}

type lockResult struct {
	release func()
	err     error
}

func acquireAsync(ctx context.Context, lock OutboxLock) <-chan lockResult {
	out := make(chan lockResult, 1)
	go func() {
		release, err := lock(ctx)
		out <- lockResult{release, err}
	}()
	return out
}

// TestWebLock_OneHolderAtATimeInRequestOrder: a second request waits while
// the first holds the lock and gets it on release; a request abandoned
// while waiting is given back as soon as the browser grants it, so it never
// blocks the lock.
func TestWebLock_OneHolderAtATimeInRequestOrder(t *testing.T) {
	const name = "chat.outbox.test-room"
	lock := WebLock(name)
	first, err := lock(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	waitLockState(t, name, 1, 0)

	abandonedCtx, abandon := context.WithCancel(context.Background())
	abandoned := acquireAsync(abandonedCtx, lock)
	waitLockState(t, name, 1, 1)
	second := acquireAsync(context.Background(), lock)
	waitLockState(t, name, 1, 2)
	select {
	case r := <-second:
		t.Fatalf("granted while held (err %v)", r.err)
	default:
	}
	abandon()
	if r := <-abandoned; r.err == nil {
		t.Fatal("an abandoned wait reported the lock")
	}

	first()
	select {
	case r := <-second:
		if r.err != nil {
			t.Fatal(r.err)
		}
		waitLockState(t, name, 1, 0) // the abandoned request came and went
		r.release()
	case <-time.After(waitTimeout):
		t.Fatal("the waiting request was not granted after the release")
	}
	waitLockState(t, name, 0, 0)
}
