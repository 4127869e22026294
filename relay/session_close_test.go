package relay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"syscall"
	"testing"
)

func TestIsNormalClose_VanishedPeersAreNotErrors(t *testing.T) {
	for _, err := range []error{
		nil, io.EOF, context.Canceled,
		fmt.Errorf("read: %w", syscall.ECONNRESET),
		fmt.Errorf("write: %w", syscall.EPIPE),
	} {
		if !isNormalClose(err) {
			t.Errorf("isNormalClose(%v) = false, want true", err)
		}
	}
	if isNormalClose(errors.New("tls: bad record MAC")) {
		t.Error("an unexpected failure was taken for a normal close")
	}
}
