//go:build !js

package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Scenario: Erin upgrades. Her browser kept history and one queued message
// in localStorage, as the app did before IndexedDB. The new version moves
// both into IndexedDB on its first start: the history is on screen, the
// queued message reaches Bob exactly once, localStorage no longer holds
// either, and after a reload both come from IndexedDB.
func TestStorage_UpgradeMovesHistoryAndOutboxToIndexedDB(t *testing.T) {
	requireSuite(t)
	relay := startRelay(t)
	room := "e2e-storage-upgrade"
	const old, queued = "history from before the upgrade", "queued before the upgrade"

	bob := newPerson(t, "Bob")
	bob.open(roomURL(relay.URL(), room, ""))
	bob.waitOnline()

	erin := newPerson(t, "Erin")
	erin.do("open the origin without the app", chromedp.Navigate(relay.URL()+"/web/icon.svg"))
	history, _ := json.Marshal(map[string]any{"seq": 1, "messages": []map[string]any{
		{"seq": 1, "ts": time.Now().Add(-time.Minute).UnixMilli(), "cid": "erin-old-cid", "id": "old-1", "nick": "Erin", "text": old},
	}})
	outbox, _ := json.Marshal([]map[string]any{
		{"id": "e2e-upgrade-1", "text": queued, "nick": "Erin", "time": time.Now().UnixMilli()},
	})
	erin.eval(fmt.Sprintf(`localStorage.setItem(%q, %q); localStorage.setItem(%q, %q)`,
		"chat.history."+room, history, "chat.outbox."+room, outbox), nil)

	erin.open(roomURL(relay.URL(), room, ""))
	erin.waitOnline()
	erin.waitMessages(waitTimeout, []string{old, queued})
	erin.waitMessages(waitTimeout, []string{queued}, "delivered")
	bob.waitMessages(waitTimeout, []string{queued})
	if n := count(bob.Messages(), queued); n != 1 {
		t.Errorf("Bob shows the migrated message %d times", n)
	}

	erin.reload() // pagehide writes the history; the next page reads it back
	erin.waitMessages(waitTimeout, []string{old, queued})
	local, durable := erin.storedValues()
	for key := range local {
		if strings.HasPrefix(key, "chat.history.") || strings.HasPrefix(key, "chat.outbox.") {
			t.Errorf("localStorage still holds %s after the upgrade", key)
		}
	}
	if _, ok := local["chat.prefs"]; !ok {
		t.Error("prefs left localStorage")
	}
	if h := durable["chat.history."+room]; !strings.Contains(h, old) || !strings.Contains(h, queued) {
		t.Errorf("IndexedDB history of the room: %.300q", h)
	}
	if o, ok := durable["chat.outbox."+room]; ok {
		t.Errorf("IndexedDB still queues %.300q after delivery", o)
	}
}

// storedValues returns what the app keeps in p's browser: localStorage and
// the app's IndexedDB database (empty until the app created it; opening a
// missing database here would create it without its object store).
func (p *person) storedValues() (local, durable map[string]string) {
	p.t.Helper()
	p.eval(`Object.fromEntries(Object.keys(localStorage).map(k => [k, localStorage.getItem(k)]))`, &local)
	p.eval(`(async () => {
		const dbs = await indexedDB.databases();
		if (!dbs.some(d => d.name === 'chat')) return {};
		return await new Promise((resolve, reject) => {
			const open = indexedDB.open('chat');
			open.onerror = () => reject(open.error);
			open.onsuccess = () => {
				const db = open.result;
				const tx = db.transaction('kv', 'readonly');
				const keys = tx.objectStore('kv').getAllKeys(), values = tx.objectStore('kv').getAll();
				tx.oncomplete = () => {
					db.close();
					resolve(Object.fromEntries(keys.result.map((k, i) => [k, values.result[i]])));
				};
				tx.onerror = () => reject(tx.error);
			};
		});
	})()`, &durable)
	return local, durable
}
