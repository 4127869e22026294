package relay

import (
	"bufio"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chatpwa/chat/relay/wire"
)

// scrape returns the /metrics text of the relay.
func scrape(t *testing.T, tr *testRelay) string {
	t.Helper()
	resp, err := http.Get(tr.http.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %d %v", resp.StatusCode, err)
	}
	return string(body)
}

// metricValue returns the value of one series, e.g. `relay_rooms` or
// `relay_dropped_total{reason="too_big"}`, or "" when absent.
// waitMetric scrapes the relay until series has the value want, for a
// counter that moves after an event the test cannot observe otherwise.
func waitMetric(t *testing.T, tr *testRelay, series, want string) {
	t.Helper()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(waitTimeout)
	for {
		got := metricValue(t, tr, series)
		if got == want {
			return
		}
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("%s = %q after %v, want %q", series, got, waitTimeout, want)
		}
	}
}

func metricValue(t *testing.T, tr *testRelay, series string) string {
	t.Helper()
	sc := bufio.NewScanner(strings.NewReader(scrape(t, tr)))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), series+" "); ok {
			return v
		}
	}
	return ""
}

func TestServer_Metrics_Exposed(t *testing.T) {
	tr := startRelay(t, Config{})
	a := tr.dial(t, query("m", "a"))
	a.expect(wire.TypeWelcome)
	b := tr.dial(t, query("m", "b"))
	b.expect(wire.TypeWelcome)
	a.expect(wire.TypeJoin)
	a.pub("1", "x")
	a.expect(wire.TypeMsg)
	b.expect(wire.TypeMsg)

	for series, want := range map[string]string{
		"relay_connections":                           "2",
		"relay_rooms":                                 "1",
		"relay_messages_in_total":                     "1",
		"relay_deliveries_total":                      "5", // 2 welcomes, 1 join, 2 msgs
		"relay_ping_timeouts_total":                   "0",
		`relay_dropped_total{reason="slow_consumer"}`: "0",
		`relay_rejected_total{reason="origin"}`:       "0",
	} {
		if got := metricValue(t, tr, series); got != want {
			t.Errorf("%s = %q, want %q", series, got, want)
		}
	}
	if !strings.Contains(scrape(t, tr), "go_goroutines") {
		t.Error("runtime metrics missing")
	}
}

// TestServer_Metrics_PerServerRegistry: two servers in one process each
// count their own connections (no global registry).
func TestServer_Metrics_PerServerRegistry(t *testing.T) {
	one := startRelay(t, Config{})
	two := startRelay(t, Config{})
	c := one.dial(t, query("m", "a"))
	c.expect(wire.TypeWelcome)
	if got := metricValue(t, one, "relay_connections"); got != "1" {
		t.Fatalf("first relay_connections = %s", got)
	}
	if got := metricValue(t, two, "relay_connections"); got != "0" {
		t.Fatalf("second relay_connections = %s", got)
	}
}

func TestServer_Healthz_OK(t *testing.T) {
	tr := startRelay(t, Config{})
	resp, err := http.Get(tr.http.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
}

// TestProtocol_MetricsDocumented keeps PROTOCOL.md's list of metrics and
// the relay's /metrics in step: every relay_ metric the relay exports, and
// every label value it exports at zero, is named in the list, and every
// name in the list is exported.
func TestProtocol_MetricsDocumented(t *testing.T) {
	doc, err := os.ReadFile("PROTOCOL.md")
	if err != nil {
		t.Fatal(err)
	}
	_, list, found := strings.Cut(string(doc), "**Metrics**")
	list, _, _ = strings.Cut(list, "\n\n")
	if !found || list == "" {
		t.Fatal("PROTOCOL.md has no **Metrics** paragraph")
	}
	documented := map[string]bool{}
	for _, name := range regexp.MustCompile("`(relay_[a-z_]+)(?:\\{[a-z]+\\})?`").FindAllStringSubmatch(list, -1) {
		documented[name[1]] = true
	}

	text := scrape(t, startRelay(t, Config{}))
	exported := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^# TYPE (relay_[a-z_]+) `).FindAllStringSubmatch(text, -1) {
		exported[m[1]] = true
	}
	if len(exported) == 0 {
		t.Fatal("no relay_ metric exported")
	}
	for name := range exported {
		if !documented[name] {
			t.Errorf("%s is exported but not in PROTOCOL.md's list of metrics", name)
		}
	}
	for name := range documented {
		if !exported[name] {
			t.Errorf("PROTOCOL.md lists %s, which the relay does not export", name)
		}
	}
	for _, m := range regexp.MustCompile(`(?m)^relay_[a-z_]+\{[a-z]+="([a-z_]+)"\}`).FindAllStringSubmatch(text, -1) {
		if !strings.Contains(list, "`"+m[1]+"`") {
			t.Errorf("label value %s (%s) is not in PROTOCOL.md's list of metrics", m[1], m[0])
		}
	}
}
