package chat

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"syscall/js"
)

// maxReasonBytes bounds how much of a refusal body becomes DialError.Reason.
const maxReasonBytes = 512

// dialFailure asks the relay why the dial failed: the browser's WebSocket API
// hides the handshake status, so fetch the same URL with a plain GET (the
// relay's handshake diagnosis answers 400/401/403/503 with the reason, or 426
// when the handshake would pass). Uses fetch directly rather than net/http's
// client to keep the wasm small.
func dialFailure(ctx context.Context, url string, _ *http.Response, err error) error {
	status, reason, ferr := diagnose(ctx, httpURL(url))
	if ferr == nil && status >= 400 && status != http.StatusUpgradeRequired {
		return &DialError{Status: status, Reason: reason}
	}
	return fmt.Errorf("dial %s: %w", url, err)
}

func httpURL(url string) string {
	switch {
	case strings.HasPrefix(url, "ws://"):
		return "http://" + strings.TrimPrefix(url, "ws://")
	case strings.HasPrefix(url, "wss://"):
		return "https://" + strings.TrimPrefix(url, "wss://")
	}
	return url
}

// diagnose GETs url with fetch and returns the status and the body's start.
func diagnose(ctx context.Context, url string) (status int, reason string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("fetch %s: %v", url, r)
		}
	}()
	controller := js.Global().Get("AbortController").New()
	stop := context.AfterFunc(ctx, func() { controller.Call("abort") })
	defer stop()

	type result struct {
		status int
		reason string
		err    error
	}
	done := make(chan result, 1)
	var onResponse, onText, onError js.Func
	onError = js.FuncOf(func(_ js.Value, args []js.Value) any {
		msg := "failed"
		if len(args) > 0 {
			msg = args[0].Call("toString").String()
		}
		done <- result{err: fmt.Errorf("fetch %s: %s", url, msg)}
		return nil
	})
	onResponse = js.FuncOf(func(_ js.Value, args []js.Value) any {
		code := args[0].Get("status").Int()
		onText = js.FuncOf(func(_ js.Value, args []js.Value) any {
			text := args[0].String()
			if len(text) > maxReasonBytes {
				text = text[:maxReasonBytes]
			}
			done <- result{status: code, reason: strings.TrimSpace(text)}
			return nil
		})
		args[0].Call("text").Call("then", onText, onError)
		return nil
	})
	defer onResponse.Release()
	defer onError.Release()
	defer func() {
		if onText.Truthy() {
			onText.Release()
		}
	}()

	opts := js.Global().Get("Object").New()
	opts.Set("signal", controller.Get("signal"))
	opts.Set("cache", "no-store")
	js.Global().Call("fetch", url, opts).Call("then", onResponse, onError)

	select {
	case r := <-done:
		return r.status, r.reason, r.err
	case <-ctx.Done():
		// The abort rejects the promise; wait for it so the callbacks are not
		// released while still referenced.
		r := <-done
		if r.err == nil {
			return r.status, r.reason, nil
		}
		return 0, "", ctx.Err()
	}
}
