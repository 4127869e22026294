//go:build !js

package chat

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// dialFailure turns a failed native dial into a *DialError when the relay
// answered with an HTTP status: natively the handshake response is visible,
// so no extra request is needed.
func dialFailure(_ context.Context, url string, resp *http.Response, err error) error {
	if resp != nil && resp.StatusCode >= 400 {
		reason := ""
		if resp.Body != nil {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, maxReasonBytes))
			reason = strings.TrimSpace(string(body))
		}
		return &DialError{Status: resp.StatusCode, Reason: reason}
	}
	return fmt.Errorf("dial %s: %w", url, err)
}

// maxReasonBytes bounds how much of a refusal body becomes DialError.Reason.
const maxReasonBytes = 512
