//go:build !js

package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// How long a person waits for what they expect to see. Every wait has one of
// these deadlines and fails with a dump of the page.
const (
	// waitTimeout: a page to start, a local action to show, a live message to
	// arrive.
	waitTimeout = 20 * time.Second
	// reconnectTimeout: the client to come back by itself after an outage; its
	// backoff doubles from ≈0.5s with full jitter, so a few attempts fit.
	reconnectTimeout = 30 * time.Second
	// pollInterval is how often the page re-checks a condition.
	pollInterval = 100 * time.Millisecond
	// actionTimeout bounds one input action (typing, a click, a navigation).
	actionTimeout = 30 * time.Second
)

// person is one human with their own browser: a separate Chromium process and
// profile, so that storage, the service worker and the network are theirs.
type person struct {
	t    testing.TB
	name string
	ctx  context.Context // the tab

	console syncBuffer // the page's console and uncaught exceptions

	mu      sync.Mutex
	dialogs []string // JavaScript dialogs the page opened (alert, confirm…)

	closeBrowser func()
}

// newPerson starts a fresh headless Chromium for name. It is closed when the
// test ends; on failure its console joins the test log. extra adds to the
// browser's options (an environment such as TZ, a flag).
func newPerson(t testing.TB, name string, extra ...chromedp.ExecAllocatorOption) *person {
	t.Helper()
	requireSuite(t)
	profile := t.TempDir() // removed after the browser has exited (cleanups run LIFO)

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(suite.chromium),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("mute-audio", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 800),
	}
	opts = append(opts, extra...)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	p := &person{t: t, name: name, ctx: ctx}
	var once sync.Once
	p.closeBrowser = func() {
		once.Do(func() {
			cancelTab()
			cancelAlloc() // waits for the process to exit
		})
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("%s's browser console:\n%s", name, p.console.String())
		}
		p.closeBrowser()
	})

	// The first Run starts the browser; it must have no deadline of its own.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("%s: starting Chromium (%s): %v", name, suite.chromium, err)
	}
	p.watch()
	return p
}

// watch records the console and dismisses (and records) every JavaScript
// dialog, which would otherwise freeze the page.
func (p *person) watch() {
	console := chromedp.Console(p.ctx)
	dialogs := chromedp.Events(p.ctx, page.JavascriptDialogOpening)
	go func() {
		for m, err := range console {
			if err != nil {
				return
			}
			fmt.Fprintf(&p.console, "%s %s\n", m.Time.Format("15:04:05.000"), m)
		}
	}()
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			p.mu.Lock()
			p.dialogs = append(p.dialogs, fmt.Sprintf("%s: %q", ev.Type, ev.Message))
			p.mu.Unlock()
			chromedp.Call(p.ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	}()
}

// Dialogs returns the JavaScript dialogs the page has opened so far.
func (p *person) Dialogs() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.dialogs...)
}

// close closes this person's browser, as quitting it does.
func (p *person) close() { p.closeBrowser() }

// do runs input actions with actionTimeout.
func (p *person) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, actionTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		p.t.Fatalf("%s: %s: %v\n%s", p.name, what, err, p.dump())
	}
}

// runOnEveryDocument makes every document p opens from now on run each of
// scripts before the page's own (a probe that must see the page's start).
func (p *person) runOnEveryDocument(what string, scripts ...string) {
	p.t.Helper()
	p.do(what, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		for _, js := range scripts {
			if _, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument,
				page.AddScriptToEvaluateOnNewDocumentParams{Source: js}); err != nil {
				return err
			}
		}
		return nil
	}))
}

// open loads url in a fresh document and waits for the chat to be on screen.
// It leaves the current page first: a link that differs only in its fragment
// would otherwise be a same-document navigation, which reloads nothing.
func (p *person) open(url string) {
	p.t.Helper()
	p.do("open "+url, chromedp.Navigate("about:blank"), chromedp.Navigate(url))
	p.waitUI()
}

// reload reloads the page, as pressing F5 does, and waits for the chat.
func (p *person) reload() {
	p.t.Helper()
	p.do("reload", chromedp.Reload())
	p.waitUI()
}

// waitUI waits for the app to have rendered its connection indicator: the
// WebAssembly has started and the page is the chat, not the loader.
func (p *person) waitUI() {
	p.t.Helper()
	p.poll("the chat to render (#conn-state with a data-state)", waitTimeout,
		`() => { const e = document.querySelector('#conn-state'); return !!(e && e.dataset.state); }`)
}

// eval evaluates a JavaScript expression and decodes its JSON value into out.
func (p *person) eval(expr string, out any) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, actionTimeout)
	defer cancel()
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Fatalf("%s: evaluating %s: %v\n%s", p.name, expr, err, p.dump())
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			p.t.Fatalf("%s: decoding %s of %s: %v", p.name, raw, expr, err)
		}
	}
}

// poll waits until the JavaScript function fn, called with args, returns a
// truthy value, and returns that value as JSON. It fails the test with a dump
// of the page when timeout passes.
func (p *person) poll(what string, timeout time.Duration, fn string, args ...any) []byte {
	p.t.Helper()
	raw, err := p.tryPoll(timeout, fn, args...)
	if err != nil {
		p.t.Fatalf("%s: waited %v for %s: %v\n%s", p.name, timeout, what, err, p.dump())
	}
	return raw
}

// tryPoll is poll that returns the failure instead of ending the test. A
// navigation in between (a reload) restarts the wait in the new document.
func (p *person) tryPoll(timeout time.Duration, fn string, args ...any) ([]byte, error) {
	deadline := time.Now().Add(timeout)
	var lastErr error
	for {
		left := time.Until(deadline)
		if left <= 0 {
			break
		}
		ctx, cancel := context.WithTimeout(p.ctx, left+5*time.Second)
		raw, err := chromedp.Run(ctx, pollFunction(fn, left, args))
		cancel()
		if err == nil {
			return raw, nil
		}
		lastErr = err
		if errors.Is(err, chromedp.ErrPollingTimeout) || p.ctx.Err() != nil {
			break
		}
		// The document changed under the poll (navigation): wait for the next
		// one a moment, then poll again in it.
		select {
		case <-time.After(pollInterval):
		case <-p.ctx.Done():
		}
	}
	return nil, lastErr
}

// pollFunction polls fn(args...) every pollInterval until it is truthy or
// timeout passes. The arguments travel as one JSON string: the protocol omits
// a call argument whose value is empty ([] or "" arrive as undefined).
func pollFunction(fn string, timeout time.Duration, args []any) chromedp.Action[[]byte] {
	if args == nil {
		args = []any{}
	}
	encoded, err := json.Marshal(args)
	if err != nil {
		return func(context.Context, *chromedp.Target) ([]byte, error) {
			return nil, fmt.Errorf("encoding poll arguments: %w", err)
		}
	}
	return chromedp.PollFunction[[]byte](`(encodedArgs) => (`+fn+`)(...JSON.parse(encodedArgs))`,
		chromedp.WithPollingInterval(pollInterval),
		chromedp.WithPollingTimeout(timeout),
		chromedp.WithPollingArgs(string(encoded)))
}

// never fails the test if the JavaScript function fn returns a truthy value at
// any check during d: it asserts that something does NOT happen over a period,
// which takes the whole period by nature.
func (p *person) never(what string, d time.Duration, fn string, args ...any) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, d+10*time.Second)
	defer cancel()
	raw, err := chromedp.Run(ctx, pollFunction(fn, d, args))
	switch {
	case errors.Is(err, chromedp.ErrPollingTimeout):
		return // it never happened
	case err != nil:
		p.t.Fatalf("%s: watching that %s never happens: %v\n%s", p.name, what, err, p.dump())
	default:
		p.t.Fatalf("%s: %s happened (%s), it must not\n%s", p.name, what, raw, p.dump())
	}
}

// dump describes what the person sees, for failure messages.
func (p *person) dump() string {
	ctx, cancel := context.WithTimeout(p.ctx, 5*time.Second)
	defer cancel()
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](dumpJS))
	if err != nil {
		return fmt.Sprintf("(%s's page could not be read: %v)", p.name, err)
	}
	return fmt.Sprintf("--- %s's page ---\n%s\n--- end of %s's page ---", p.name, out, p.name)
}

// dumpJS collects the parts of the page a failure is about; long lists are cut
// to their end, where the news is.
const dumpJS = `(() => {
	const html = (sel, max) => {
		const e = document.querySelector(sel);
		if (!e) return sel + ': (absent)';
		let s = e.outerHTML;
		if (max && s.length > max) s = '…' + s.slice(-max);
		return sel + ': ' + s;
	};
	return ['url: ' + location.href, 'title: ' + document.title,
		html('#conn-state'), html('#composer-error'), html('#presence', 2000),
		html('#messages', 8000)].join('\n');
})()`

// State is the page's connection state (#conn-state's data-state).
func (p *person) State() string {
	p.t.Helper()
	var state string
	p.eval(`(() => { const e = document.querySelector('#conn-state'); return e ? (e.dataset.state || '') : ''; })()`, &state)
	return state
}

// waitState waits until #conn-state shows one of states and returns it.
func (p *person) waitState(timeout time.Duration, states ...string) string {
	p.t.Helper()
	raw := p.poll(fmt.Sprintf("#conn-state to show %s", strings.Join(states, " or ")), timeout,
		`(states) => { const e = document.querySelector('#conn-state'); const s = e && e.dataset.state; return states.includes(s) ? s : null; }`,
		states)
	var state string
	json.Unmarshal(raw, &state)
	return state
}

// waitOnline waits for the page to be connected to the relay.
func (p *person) waitOnline() { p.t.Helper(); p.waitState(waitTimeout, "online") }

// setNick types a new nickname into #nick, as a person does, and confirms with
// Enter.
func (p *person) setNick(nick string) {
	p.t.Helper()
	p.do("clear #nick", chromedp.Focus(chromedp.CSS("#nick")),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#nick').select()`))
	p.do("type the nickname", chromedp.SendKeys(chromedp.CSS("#nick"), nick), pressEnter)
	p.poll("#nick to hold "+nick, waitTimeout,
		`(nick) => document.querySelector('#nick').value === nick`, nick)
}

// pressEnter presses and releases Enter on the focused element as a keyboard
// does: one keyDown carrying the text "\r" (the page gets keydown, then, unless
// a handler prevented it, the newline) and one keyUp. Unlike SendKeys("\n") it
// sends no separate char event, which would type a newline even after a
// keydown handler that sends the message prevented it.
var pressEnter = chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
	for _, typ := range []input.DispatchKeyEventType{input.DispatchKeyEventTypeKeyDown, input.DispatchKeyEventTypeKeyUp} {
		params := input.DispatchKeyEventParams{
			Type: typ, Key: "Enter", Code: "Enter",
			WindowsVirtualKeyCode: 13, NativeVirtualKeyCode: 13,
		}
		if typ == input.DispatchKeyEventTypeKeyDown {
			params.Text, params.UnmodifiedText = "\r", "\r"
		}
		_, err := cdp.Call(ctx, t, input.DispatchKeyEvent, params)
		if err != nil {
			return fmt.Errorf("pressing Enter: %w", err)
		}
	}
	return nil
})

// typeText types text into the composer without sending it.
func (p *person) typeText(text string) {
	p.t.Helper()
	p.do("type into #composer", chromedp.Focus(chromedp.CSS("#composer")),
		chromedp.SendKeys(chromedp.CSS("#composer"), text))
}

// send types text into the composer and clicks Send.
func (p *person) send(text string) {
	p.t.Helper()
	p.typeText(text)
	p.do("click #send", chromedp.Click(chromedp.CSS("#send")))
	p.waitComposerEmpty()
}

// sendWithEnter types text into the composer and presses Enter.
func (p *person) sendWithEnter(text string) {
	p.t.Helper()
	p.typeText(text)
	p.do("press Enter in #composer", pressEnter)
	p.waitComposerEmpty()
}

// waitComposerEmpty waits for the composer to be cleared, the sign that the app
// took the message.
func (p *person) waitComposerEmpty() {
	p.t.Helper()
	p.poll("#composer to be cleared after sending", waitTimeout,
		`() => document.querySelector('#composer').value === ''`)
}

// shownMessage is one chat message as the page shows it (li.msg).
type shownMessage struct {
	Key    string `json:"key"`
	Status string `json:"status"`
	Mine   string `json:"mine"`
	Nick   string `json:"nick"`
	Time   string `json:"time"`
	Text   string `json:"text"`
}

// messagesJS lists the li.msg of #messages in order, as shownMessage.
const messagesJS = `Array.from(document.querySelectorAll('#messages li.msg')).map(li => {
	const part = (cls) => { const e = li.querySelector(cls); return e ? e.textContent.trim() : ''; };
	return {key: li.dataset.key || '', status: li.dataset.status || '', mine: li.dataset.mine || '',
		nick: part('.nick'), time: part('.time'), text: part('.text')};
})`

// Messages returns the messages the page shows, in order.
func (p *person) Messages() []shownMessage {
	p.t.Helper()
	var msgs []shownMessage
	p.eval(messagesJS, &msgs)
	return msgs
}

// waitMessages waits until every text is shown as a message, in the order
// given, each in one of statuses (any status when statuses is empty).
func (p *person) waitMessages(timeout time.Duration, texts []string, statuses ...string) {
	p.t.Helper()
	if statuses == nil {
		statuses = []string{} // [] rather than null: any status
	}
	p.poll(fmt.Sprintf("messages %q (status %v)", texts, statuses), timeout,
		`(texts, statuses) => {
			const msgs = `+messagesJS+`;
			let from = 0;
			for (const text of texts) {
				const i = msgs.findIndex((m, j) => j >= from && m.text === text);
				if (i < 0) return false;
				if (statuses.length && !statuses.includes(msgs[i].status)) return false;
				from = i + 1;
			}
			return true;
		}`, texts, statuses)
}

// count returns how many of the shown messages have text exactly.
func count(msgs []shownMessage, text string) int {
	n := 0
	for _, m := range msgs {
		if m.Text == text {
			n++
		}
	}
	return n
}

// find returns the first shown message with text.
func find(msgs []shownMessage, text string) (shownMessage, bool) {
	for _, m := range msgs {
		if m.Text == text {
			return m, true
		}
	}
	return shownMessage{}, false
}

// waitText waits until the element sel exists and its text contains substr.
func (p *person) waitText(timeout time.Duration, sel, substr string) {
	p.t.Helper()
	p.poll(fmt.Sprintf("%s to contain %q", sel, substr), timeout,
		`(sel, sub) => Array.from(document.querySelectorAll(sel)).some(e => e.textContent.includes(sub))`,
		sel, substr)
}
