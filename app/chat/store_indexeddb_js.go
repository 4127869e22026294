package chat

import (
	"context"
	"errors"
	"fmt"
	"syscall/js"
)

// IndexedDB layout: one database per app, one object store of string values
// under string keys, the same keys as the Store. Version 1 is the only one;
// a later version's upgrade makes open tabs close their connection
// (onversionchange) so that it is not blocked.
const (
	idbDefaultName = "chat"
	idbVersion     = 1
	idbObjectStore = "kv"
)

// IndexedDBOptions configure OpenIndexedDBStore.
type IndexedDBOptions struct {
	// Name is the database's name, and with it the BroadcastChannel the
	// tabs announce changes on; "" means "chat". Tests use their own.
	Name string
	// Limit is the most bytes to store; 0 means what
	// navigator.storage.estimate() leaves free (no limit if it cannot tell).
	Limit int64
	// Legacy is where an older install kept history and outbox
	// (localStorage); its durable keys are moved in (MigrateLegacy). It is
	// also the journal of writes unconfirmed at an unload
	// (CachedStore.SaveUnconfirmed), moved in the same way. nil: nothing to
	// migrate, no journal.
	Legacy Store
}

// OpenIndexedDBStore opens the app's IndexedDB database, reads every value
// into a CachedStore, moves what an older install left in Legacy, and wires
// the BroadcastChannel on which tabs announce their writes. It blocks until
// done or ctx ends: never call it on JavaScript's event loop (a js.FuncOf
// callback), whose turn it waits for.
func OpenIndexedDBStore(ctx context.Context, o IndexedDBOptions) (*CachedStore, error) {
	if o.Name == "" {
		o.Name = idbDefaultName
	}
	db, err := idbOpen(ctx, o.Name)
	if err != nil {
		return nil, err
	}
	values, err := idbReadAll(ctx, db)
	if err != nil {
		db.Call("close")
		return nil, err
	}
	b := &idbBackend{db: db}
	if o.Legacy != nil {
		// A key that cannot move now stays in localStorage for next start.
		_, _ = MigrateLegacy(o.Legacy, values, func(key, value string) error {
			done := make(chan error, 1)
			b.Put(key, value, func(err error) { done <- err })
			select {
			case err := <-done:
				return err
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}
	limit := o.Limit
	s := NewCachedStore(b, values, 0)
	if limit == 0 {
		limit = estimateLimit(ctx, s)
	}
	s.SetLimit(limit)
	if o.Legacy != nil {
		s.SetJournal(o.Legacy) // moved in again by MigrateLegacy at the next start
	}
	b.listen("chat-store:"+o.Name, s)
	return s, nil
}

// estimateLimit is what s may grow to: what it holds plus what
// navigator.storage.estimate() says is free for the origin; 0 (no limit)
// when the browser cannot tell.
func estimateLimit(ctx context.Context, s *CachedStore) int64 {
	storage := js.Global().Get("navigator").Get("storage")
	if !storage.Truthy() || !storage.Get("estimate").Truthy() {
		return 0
	}
	type estimate struct{ usage, quota float64 }
	got := make(chan estimate, 1)
	then := js.FuncOf(func(_ js.Value, args []js.Value) any {
		e := args[0]
		got <- estimate{e.Get("usage").Float(), e.Get("quota").Float()}
		return nil
	})
	defer then.Release()
	fail := js.FuncOf(func(js.Value, []js.Value) any { close(got); return nil })
	defer fail.Release()
	storage.Call("estimate").Call("then", then, fail)
	select {
	case e, ok := <-got:
		if !ok || e.quota <= 0 {
			return 0
		}
		used, _ := s.Usage()
		return used + max(0, int64(e.quota-e.usage))
	case <-ctx.Done():
		return 0
	}
}

// idbBackend is the StoreBackend on IndexedDB. Each write is its own
// readwrite transaction: IndexedDB runs transactions on one object store in
// the order they were created, across every tab of the origin, which is the
// order the backend promises.
type idbBackend struct {
	db      js.Value
	channel js.Value // BroadcastChannel; undefined until listen
}

var _ StoreBackend = (*idbBackend)(nil)

func (b *idbBackend) Put(key, value string, done func(error)) {
	b.write(func(objects js.Value) { objects.Call("put", value, key) }, done)
}

func (b *idbBackend) Delete(key string) {
	b.write(func(objects js.Value) { objects.Call("delete", key) }, func(error) {})
}

// write runs op in a readwrite transaction and calls done when it commits
// or aborts. The error of an abort for lack of room wraps ErrStoreFull.
func (b *idbBackend) write(op func(objects js.Value), done func(error)) {
	var tx js.Value
	defer func() {
		// Without a transaction (the connection closed) nothing else will
		// call done; with one, its abort does (a bad key, say).
		if r := recover(); r != nil && tx.IsUndefined() {
			done(fmt.Errorf("indexeddb: %v", r))
		}
	}()
	tx = b.db.Call("transaction", idbObjectStore, "readwrite")
	var complete, abort js.Func
	end := func(err error) {
		complete.Release()
		abort.Release()
		done(err)
	}
	complete = js.FuncOf(func(js.Value, []js.Value) any { end(nil); return nil })
	abort = js.FuncOf(func(js.Value, []js.Value) any { end(idbError(tx.Get("error"))); return nil })
	tx.Set("oncomplete", complete)
	tx.Set("onabort", abort)
	op(tx.Call("objectStore", idbObjectStore))
	if tx.Get("commit").Truthy() {
		tx.Call("commit") // start committing now, not after this event loop turn
	}
}

func (b *idbBackend) Get(key string, done func(string, bool)) {
	defer func() {
		if recover() != nil {
			done("", false)
		}
	}()
	req := b.db.Call("transaction", idbObjectStore, "readonly").Call("objectStore", idbObjectStore).Call("get", key)
	awaitRequest(req, func(result js.Value, err error) {
		if err != nil || result.Type() != js.TypeString {
			done("", false)
			return
		}
		done(result.String(), true)
	})
}

func (b *idbBackend) Announce(key string) {
	if b.channel.Truthy() {
		b.channel.Call("postMessage", key)
	}
}

// listen opens the BroadcastChannel name: what other tabs announce is read
// back into s. The channel lives as long as the page.
func (b *idbBackend) listen(name string, s *CachedStore) {
	channelType := js.Global().Get("BroadcastChannel")
	if !channelType.Truthy() {
		return // a browser without it: each tab sees others' writes on reload
	}
	b.channel = channelType.New(name)
	b.channel.Set("onmessage", js.FuncOf(func(_ js.Value, args []js.Value) any {
		if data := args[0].Get("data"); data.Type() == js.TypeString {
			s.RemoteChanged(data.String())
		}
		return nil
	}))
}

// idbError makes an Error of a DOMException; QuotaExceededError wraps
// ErrStoreFull.
func idbError(e js.Value) error {
	if !e.Truthy() {
		return errors.New("indexeddb: transaction aborted")
	}
	name, message := e.Get("name").String(), e.Get("message").String()
	if name == "QuotaExceededError" {
		return fmt.Errorf("indexeddb: %s: %w", message, ErrStoreFull)
	}
	return fmt.Errorf("indexeddb: %s: %s", name, message)
}

// awaitRequest calls done once req succeeds (with its result) or fails.
func awaitRequest(req js.Value, done func(result js.Value, err error)) {
	var success, failure js.Func
	success = js.FuncOf(func(js.Value, []js.Value) any {
		success.Release()
		failure.Release()
		done(req.Get("result"), nil)
		return nil
	})
	failure = js.FuncOf(func(_ js.Value, args []js.Value) any {
		success.Release()
		failure.Release()
		if len(args) > 0 {
			args[0].Call("preventDefault") // handled: the transaction need not abort
		}
		done(js.Undefined(), idbError(req.Get("error")))
		return nil
	})
	req.Set("onsuccess", success)
	req.Set("onerror", failure)
}

// idbOpen opens (creating on first start) the database name.
func idbOpen(ctx context.Context, name string) (db js.Value, err error) {
	defer func() {
		if r := recover(); r != nil { // indexedDB access throws in some private modes
			err = fmt.Errorf("indexeddb unavailable: %v", r)
		}
	}()
	factory := js.Global().Get("indexedDB")
	if !factory.Truthy() {
		return js.Value{}, errors.New("indexeddb unavailable")
	}
	req := factory.Call("open", name, idbVersion)
	upgrade := js.FuncOf(func(js.Value, []js.Value) any {
		req.Get("result").Call("createObjectStore", idbObjectStore)
		return nil
	})
	defer upgrade.Release()
	req.Set("onupgradeneeded", upgrade)
	type opened struct {
		db  js.Value
		err error
	}
	got := make(chan opened, 1)
	awaitRequest(req, func(result js.Value, err error) { got <- opened{result, err} })
	select {
	case o := <-got:
		if o.err != nil {
			return js.Value{}, fmt.Errorf("open indexeddb %q: %w", name, o.err)
		}
		var closeOnUpgrade js.Func
		closeOnUpgrade = js.FuncOf(func(js.Value, []js.Value) any {
			o.db.Call("close")
			closeOnUpgrade.Release()
			return nil
		})
		o.db.Set("onversionchange", closeOnUpgrade)
		return o.db, nil
	case <-ctx.Done():
		return js.Value{}, fmt.Errorf("open indexeddb %q: %w", name, ctx.Err())
	}
}

// idbReadAll reads every key and value in one transaction: getAllKeys and
// getAll list them in the same key order.
func idbReadAll(ctx context.Context, db js.Value) (values map[string]string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("read indexeddb: %v", r)
		}
	}()
	objects := db.Call("transaction", idbObjectStore, "readonly").Call("objectStore", idbObjectStore)
	type read struct {
		result js.Value
		err    error
	}
	keys, vals := make(chan read, 1), make(chan read, 1)
	awaitRequest(objects.Call("getAllKeys"), func(r js.Value, err error) { keys <- read{r, err} })
	awaitRequest(objects.Call("getAll"), func(r js.Value, err error) { vals <- read{r, err} })
	var k, v read
	for _, pair := range []struct {
		ch  chan read
		out *read
	}{{keys, &k}, {vals, &v}} {
		select {
		case *pair.out = <-pair.ch:
		case <-ctx.Done():
			return nil, fmt.Errorf("read indexeddb: %w", ctx.Err())
		}
		if pair.out.err != nil {
			return nil, fmt.Errorf("read indexeddb: %w", pair.out.err)
		}
	}
	n := k.result.Length()
	values = make(map[string]string, n)
	for i := range n {
		key, value := k.result.Index(i), v.result.Index(i)
		if key.Type() == js.TypeString && value.Type() == js.TypeString {
			values[key.String()] = value.String()
		}
	}
	return values, nil
}
