//go:build !js

package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
)

// Scenario: one person, two tabs of one browser profile (the installed app's
// window and a browser tab share storage the same way). Both are offline and
// both queue messages; when the relay is back, Carol sees every message
// exactly once and the relay published each exactly once, whichever tab got
// back first. Then a token stored through one tab survives a settings change
// and a room switch in the other.
func TestTabs_BothQueueOfflineEveryMessageOnceAndTokensSurvive(t *testing.T) {
	requireSuite(t)
	relay := startRelay(t)
	room := "e2e-tabs"

	alice := newPerson(t, "Alice")
	alice2 := alice.newTab("Alice's second tab")
	carol := newPerson(t, "Carol")
	for _, p := range []*person{alice, alice2, carol} {
		p.open(roomURL(relay.URL(), room, ""))
		p.waitOnline()
	}

	relay.stop()
	for _, p := range []*person{alice, alice2, carol} {
		p.waitState(waitTimeout, notOnline...)
	}
	queued := []string{"first tab, one", "second tab, one", "first tab, two", "second tab, two"}
	for i, text := range queued {
		[]*person{alice, alice2}[i%2].send(text)
	}
	for _, p := range []*person{alice, alice2} {
		p.waitMessages(waitTimeout, queued, "pending")
	}

	relay.start() // a fresh in-memory relay: its counters start at zero
	carol.waitMessages(reconnectTimeout, queued)
	for _, p := range []*person{alice, alice2} {
		p.waitMessages(reconnectTimeout, queued, "delivered")
	}
	for _, p := range []*person{carol, alice, alice2} {
		msgs := p.Messages()
		for _, text := range queued {
			if n := count(msgs, text); n != 1 {
				t.Errorf("%s shows %q %d times; its rows: %+v", p.name, text, n, msgs)
			}
		}
	}
	// The client deduplicates what it shows: only the relay can tell a
	// message published twice.
	if n, _ := relay.metric("relay_messages_in_total"); n != float64(len(queued)) {
		t.Errorf("the relay published %v messages, want %d (each queued message once)", n, len(queued))
	}

	// The first tab follows an invite link; the second, opened before that,
	// changes its nickname and switches rooms: neither may erase the token.
	const token = "e2e-invite-token"
	alice.open(roomURL(relay.URL(), "e2e-invited", token))
	alice.waitOnline() // the app runs in the new document
	alice.poll("the invite token stored", waitTimeout,
		`(token) => (localStorage.getItem('chat.prefs') || '').includes(token)`, token)
	alice2.setNick("Alice Two")
	alice2.switchRoom("e2e-elsewhere")
	alice2.waitOnline()
	for _, p := range []*person{alice, alice2} {
		var stored string
		p.eval(`JSON.stringify(JSON.parse(localStorage.getItem('chat.prefs') || '{}').tokens || {})`, &stored)
		if !strings.Contains(stored, `"e2e-invited":"`+token+`"`) {
			t.Errorf("%s: stored tokens %s lost the invite stored by the other tab", p.name, stored)
		}
	}
	var nick string
	alice.eval(`JSON.parse(localStorage.getItem('chat.prefs')).nick`, &nick)
	if nick != "Alice Two" {
		t.Errorf("stored nick %q, want the second tab's change", nick)
	}
}

// newTab opens another page in p's browser, with p's profile and storage, as
// a second tab or the installed app's window. It closes with p's browser.
func (p *person) newTab(name string) *person {
	p.t.Helper()
	ctx, cancel := chromedp.NewContext(p.ctx)
	tab := &person{t: p.t, name: name, ctx: ctx}
	var once sync.Once
	tab.closeBrowser = func() { once.Do(cancel) }
	p.t.Cleanup(func() {
		if p.t.Failed() {
			p.t.Logf("%s's console:\n%s", name, tab.console.String())
		}
		tab.closeBrowser()
	})
	if err := chromedp.Do(ctx); err != nil {
		p.t.Fatalf("%s: opening a tab: %v", name, err)
	}
	tab.watch()
	return tab
}

// switchRoom joins room through the room form, as a person does.
func (p *person) switchRoom(room string) {
	p.t.Helper()
	p.do("join "+room,
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#room-input').value = ''`),
		chromedp.SendKeys(chromedp.CSS("#room-input"), room),
		chromedp.Click(chromedp.CSS("#room-go")))
	p.poll("the room "+room+" to open", waitTimeout,
		`(room) => document.querySelector('#room-name').textContent.trim() === room`, room)
}

// metric returns the sum of every sample of the Prometheus metric name (all
// label sets) from the relay's /metrics, and whether the metric was present.
func (r *relayProcess) metric(name string) (float64, bool) {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.URL()+"/metrics", nil)
	if err != nil {
		r.t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatalf("relay: GET /metrics: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		r.t.Fatalf("relay: reading /metrics: %v", err)
	}
	var sum float64
	found := false
	for _, line := range strings.Split(string(body), "\n") {
		rest, ok := strings.CutPrefix(line, name)
		if !ok || rest == "" || (rest[0] != ' ' && rest[0] != '{') {
			continue // another metric whose name starts with name
		}
		fields := strings.Fields(line)
		var v float64
		if _, err := fmt.Sscan(fields[len(fields)-1], &v); err == nil {
			sum += v
			found = true
		}
	}
	return sum, found
}
