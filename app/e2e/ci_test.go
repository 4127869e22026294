//go:build !js

package e2e

import (
	"os"
	"strings"
	"testing"
)

// underCI reports whether CI names a true value. CI services spell it
// differently (true, TRUE, 1, yes); build.sh's is_ci accepts the same set.
func underCI() bool {
	switch strings.ToLower(strings.TrimSpace(os.Getenv("CI"))) {
	case "1", "t", "true", "y", "yes", "on":
		return true
	}
	return false
}

// skipUnlessCI skips the test with reason, except under CI, where a skipped
// proof is no proof: there it fails.
func skipUnlessCI(t testing.TB, reason string) {
	t.Helper()
	if underCI() {
		t.Fatalf("%s (CI=%s: a skip is a failure under CI)", reason, os.Getenv("CI"))
	}
	t.Skip(reason)
}

func TestUnderCI_AcceptsEveryTrueSpelling(t *testing.T) {
	for value, want := range map[string]bool{
		"true": true, "TRUE": true, "True": true, "1": true, "yes": true, "YES": true, "on": true, "t": true, " true\n": true,
		"": false, "false": false, "0": false, "no": false, "off": false, "nope": false,
	} {
		t.Setenv("CI", value)
		if got := underCI(); got != want {
			t.Errorf("CI=%q: underCI() = %v, want %v", value, got, want)
		}
	}
}
