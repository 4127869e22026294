package chat

import (
	"sync/atomic"
	"syscall/js"
)

// noWebCryptoEd25519 is set once the browser showed it cannot verify
// Ed25519 (no crypto.subtle outside a secure context, or no Ed25519 in an
// old browser): from then on Go verifies.
var noWebCryptoEd25519 atomic.Bool

// verifyInBrowser verifies checks with the browser's WebCrypto: one import
// per distinct key, then every verification at once, awaited together, so
// that the page keeps running while the browser works. ok is false when
// WebCrypto cannot do it; a check it rejects is checked again by Go.
//
// It blocks on the browser's promises, so it must not run inside a
// JavaScript callback: the client calls it from its reading goroutine.
func verifyInBrowser(checks []signatureCheck) (verified []bool, ok bool) {
	verified, ok = webCryptoVerdicts(checks)
	for i, c := range checks {
		if ok && !verified[i] {
			verified[i] = c.verify()
		}
	}
	return verified, ok
}

// webCryptoVerdicts is WebCrypto's own answer for each check.
func webCryptoVerdicts(checks []signatureCheck) (verified []bool, ok bool) {
	if noWebCryptoEd25519.Load() {
		return nil, false
	}
	subtle := js.Global().Get("crypto")
	if subtle.Truthy() {
		subtle = subtle.Get("subtle")
	}
	if !subtle.Truthy() {
		noWebCryptoEd25519.Store(true)
		return nil, false
	}
	// Every byte the browser needs crosses into JavaScript in one copy;
	// each key, statement and signature is a view into it.
	keyIndex := map[string]int{}
	keyOf := make([]int, len(checks))
	var keys [][]byte
	size := 0
	for i, c := range checks {
		k, seen := keyIndex[string(c.publicKey)]
		if !seen {
			k = len(keys)
			keyIndex[string(c.publicKey)] = k
			keys = append(keys, c.publicKey)
			size += len(c.publicKey)
		}
		keyOf[i] = k
		size += len(c.statement) + len(c.signature)
	}
	all := make([]byte, 0, size)
	for _, k := range keys {
		all = append(all, k...)
	}
	for _, c := range checks {
		all = append(all, c.statement...)
		all = append(all, c.signature...)
	}
	uint8Array := js.Global().Get("Uint8Array")
	buffer := uint8Array.New(len(all))
	js.CopyBytesToJS(buffer, all)
	// Bound once: each call by name would convert the name again, and
	// these run once or twice per message.
	subarray := buffer.Get("subarray").Call("bind", buffer)
	verify := subtle.Get("verify").Call("bind", subtle)
	algorithm := js.ValueOf("Ed25519")
	offset := 0
	view := func(n int) js.Value {
		v := subarray.Invoke(offset, offset+n)
		offset += n
		return v
	}

	imports := make([]any, len(keys))
	for i, k := range keys {
		imports[i] = subtle.Call("importKey", "raw", view(len(k)), algorithm, false, []any{"verify"})
	}
	imported, _ := await("allSettled", imports) // allSettled never rejects
	keyValues := make([]any, len(keys))
	for i := range keys {
		key := imported.Index(i)
		if key.Get("status").String() == "fulfilled" {
			keyValues[i] = key.Get("value")
			continue
		}
		if key.Get("reason").Get("name").String() == "NotSupportedError" {
			noWebCryptoEd25519.Store(true)
			return nil, false
		}
		// A key the browser refuses: its checks count as rejected, and Go
		// decides (verifyInBrowser).
	}
	verifications := make([]any, len(checks))
	for i, c := range checks {
		statement, signature := view(len(c.statement)), view(len(c.signature))
		if keyValues[keyOf[i]] == nil {
			verifications[i] = false
			continue
		}
		verifications[i] = verify.Invoke(algorithm, keyValues[keyOf[i]], signature, statement)
	}
	// verify rejects only for inputs no check has (a key without the
	// "verify" usage); if it ever does, Go verifies the whole batch.
	results, fulfilled := await("all", verifications)
	if !fulfilled {
		return nil, false
	}
	answers := make([]byte, len(checks))
	js.CopyBytesToGo(answers, uint8Array.Call("from", results)) // true is 1
	verified = make([]bool, len(checks))
	for i, a := range answers {
		verified[i] = a == 1
	}
	return verified, true
}

// await waits for Promise[combinator](values) ("all" or "allSettled") and
// returns its value, or its reason and false when it rejects.
func await(combinator string, values []any) (js.Value, bool) {
	type settled struct {
		value     js.Value
		fulfilled bool
	}
	done := make(chan settled, 1)
	onFulfilled := js.FuncOf(func(_ js.Value, args []js.Value) any {
		done <- settled{args[0], true}
		return nil
	})
	defer onFulfilled.Release()
	onRejected := js.FuncOf(func(_ js.Value, args []js.Value) any {
		done <- settled{args[0], false}
		return nil
	})
	defer onRejected.Release()
	js.Global().Get("Promise").Call(combinator, values).Call("then", onFulfilled, onRejected)
	s := <-done
	return s.value, s.fulfilled
}
