package chat

import (
	"context"
	"syscall/js"
)

// WebLock returns an OutboxLock on the Web Lock name (navigator.locks).
// Where the browser has no Web Locks (very old, or not a secure context) it
// grants at once: every tab then sends, and the relay's dedup by (cid, id)
// still publishes each message once.
//
// A wait that ends before the grant leaves its request queued: when the
// browser grants it later, it is given back at once. (An AbortSignal would
// dequeue it, at the cost of more code in a tight wasm budget.)
func WebLock(name string) OutboxLock {
	return func(ctx context.Context) (func(), error) {
		locks := js.Global().Get("navigator").Get("locks")
		if locks.IsUndefined() {
			return func() {}, nil
		}
		granted := make(chan js.Value, 1) // the function that releases the lock
		var onGrant js.Func
		onGrant = js.FuncOf(func(js.Value, []js.Value) any {
			onGrant.Release()
			// The lock is held until this promise resolves; its resolve
			// function is the release.
			var hold js.Func
			hold = js.FuncOf(func(_ js.Value, args []js.Value) any {
				hold.Release()
				if ctx.Err() != nil {
					args[0].Invoke() // nobody waits for it any more
				} else {
					granted <- args[0]
				}
				return nil
			})
			return js.Global().Get("Promise").New(hold)
		})
		locks.Call("request", name, onGrant)
		select {
		case resolve := <-granted:
			return func() { resolve.Invoke() }, nil
		case <-ctx.Done():
			// Granted just before ctx ended: give it back.
			select {
			case resolve := <-granted:
				resolve.Invoke()
			default:
			}
			return nil, ctx.Err()
		}
	}
}
