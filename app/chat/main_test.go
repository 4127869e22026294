//go:build !js

package chat

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when a Client leaves goroutines behind after
// Run returned (readers, writers, close handshakes).
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
