//go:build !js

package wasmbuild

import (
	"slices"
	"testing"
)

// TestEnv_OnlyAnExperimentThisGoKnows: the experiment is set when go knows
// it, and left out, rather than failing every build, when it does not.
func TestEnv_OnlyAnExperimentThisGoKnows(t *testing.T) {
	t.Setenv("GOEXPERIMENT", "")
	if got := Env(nil); !slices.Contains(got, "GOEXPERIMENT="+Experiment) {
		t.Errorf("Env = %q, want GOEXPERIMENT=%s (go1.25 and go1.26 know it)", got, Experiment)
	}
	got := env(nil, "nosuchexperiment")
	if want := []string{"GOOS=js", "GOARCH=wasm"}; !slices.Equal(got, want) {
		t.Errorf("env with an unknown experiment = %q, want %q", got, want)
	}
}
