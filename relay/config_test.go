package relay

import (
	"strings"
	"testing"
	"time"
)

func TestConfig_Validate(t *testing.T) {
	if err := (Config{}).Validate(); err != nil {
		t.Fatalf("zero config: %v", err)
	}
	for _, tc := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"negative ping", Config{PingInterval: -time.Second}, "ping interval"},
		{"tiny max message", Config{MaxMessage: 10}, "max message"},
		{"negative rate", Config{Rate: -1}, "rate"},
		{"negative queue", Config{Queue: -1}, "queue"},
		{"bad origin pattern", Config{Origins: []string{"[x"}}, "origin pattern"},
		{"half TLS", Config{TLSCert: "cert.pem"}, "tls"},
		{"missing web dir", Config{Web: "/no/such/dir"}, "web dir"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate = %v, want error about %q", err, tc.want)
			}
			if _, err := New(tc.cfg); err == nil {
				t.Fatal("New accepted an invalid config")
			}
		})
	}
}

func TestConfig_ZeroMeansDefault(t *testing.T) {
	c := Config{Queue: 7}.withDefaults()
	if c.Queue != 7 || c.PingInterval != DefaultPingInterval || c.MaxMessage != DefaultMaxMessage ||
		c.History != DefaultHistory || c.HistoryAge != DefaultHistoryAge || c.Addr != DefaultAddr || c.Logger == nil {
		t.Fatalf("withDefaults = %+v", c)
	}
}
