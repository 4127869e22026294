package relay

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when a test leaves goroutines behind: every
// connection's reader, writer and keepalive must end with it.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
