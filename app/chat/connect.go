package chat

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// Run connects to the relay and keeps the room going until ctx is done:
// it reads, writes the outbox, pings, and reconnects with exponential
// backoff and full jitter. On return the socket is closed with 1000 and the
// history is persisted. Call it once, in its own goroutine; to switch rooms,
// cancel ctx and create a new Client. Run returns only after the close
// handshake, which on a dead link in a browser can take long: don't block
// the UI on it.
func (c *Client) Run(ctx context.Context) {
	var wg sync.WaitGroup // connection goroutines, waited for before returning
	defer func() {
		wg.Wait()
		c.mu.Lock()
		_ = c.flushLocked() // nothing left to retry it with: a failure stays
		c.setStateLocked(StateOffline, time.Time{}, "disconnected")
		c.mu.Unlock()
		c.signal()
	}()

	attempt := 0
	everConnected := false
	for ctx.Err() == nil {
		select { // a RetryNow from before this attempt is already served
		case <-c.retry:
		default:
		}
		c.setState(dialingState(everConnected), time.Time{}, "")
		conn, r, err := c.dial(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			if state, detail, final := refusal(err); final {
				if !c.waitForRetry(ctx, state, detail) {
					return
				}
				continue
			}
			c.failedAttempt()
			if !c.backoff(ctx, attempt, unreachable(err)) {
				return
			}
			attempt++
			continue
		}
		everConnected = true
		welcomed, up := c.runSession(ctx, conn, r, &wg)
		switch {
		case !welcomed:
			c.failedAttempt() // open but never welcomed: as good as unreachable
		case up >= DefaultStableLink:
			attempt = 0 // the link worked for a while: start the schedule again
		}
		if ctx.Err() != nil {
			return
		}
		if !c.backoff(ctx, attempt, "connection lost") {
			return
		}
		attempt++
	}
}

func dialingState(everConnected bool) ConnState {
	if everConnected {
		return StateReconnecting
	}
	return StateConnecting
}

func (c *Client) dial(ctx context.Context) (Conn, resume, error) {
	c.mu.Lock()
	r := c.resumeLocked()
	url := dialURL(c.failover.relay(), c.room, c.dialIDLocked(), r.since, r.epoch, c.token)
	c.mu.Unlock()
	dialCtx, cancel := context.WithTimeout(ctx, DefaultDialTimeout)
	defer cancel()
	conn, err := c.transport.Dial(dialCtx, url)
	if err != nil {
		return nil, r, fmt.Errorf("connect to the relay: %w", err)
	}
	return conn, r, nil
}

// failedAttempt counts a failed attempt on the current relay, which may
// move the next attempt to another relay (see failover.go).
func (c *Client) failedAttempt() {
	c.mu.Lock()
	c.failover.failed()
	c.mu.Unlock()
}

// refusal maps a refused handshake to a state in which retrying on a timer
// cannot help (denied, invalid); final is false for everything else.
func refusal(err error) (state ConnState, detail string, final bool) {
	de, ok := errors.AsType[*DialError](err)
	if !ok {
		return 0, "", false
	}
	switch de.Status {
	case http.StatusUnauthorized:
		return StateDenied, "access denied: the invite is invalid or expired", true
	case http.StatusForbidden:
		return StateDenied, "access denied: the relay does not accept connections from this site", true
	case http.StatusBadRequest:
		detail := "the relay refused this room name or client id"
		if de.Reason != "" {
			detail += ": " + de.Reason
		}
		return StateInvalid, detail, true
	}
	return 0, "", false
}

// unreachable explains a transient dial failure to the person.
func unreachable(err error) string {
	de, ok := errors.AsType[*DialError](err)
	switch {
	case !ok:
		return "cannot reach the relay"
	case de.Status == http.StatusServiceUnavailable:
		return "the relay is busy"
	case de.Status == http.StatusTooManyRequests:
		return "too many connections from this network"
	}
	return fmt.Sprintf("the relay answered HTTP %d", de.Status)
}

// backoff shows StateOffline and waits the jittered delay of attempt.
func (c *Client) backoff(ctx context.Context, attempt int, detail string) bool {
	delay := backoffDelay(attempt, c.rand)
	c.mu.Lock()
	retryAt := c.clock.Now().Add(delay)
	c.mu.Unlock()
	return c.waitWithState(ctx, delay, StateOffline, retryAt, detail)
}

// waitWithState arms the timer before publishing the state, so whoever sees
// the state (a test advancing a manual clock) finds the timer in place.
func (c *Client) waitWithState(ctx context.Context, delay time.Duration, state ConnState, retryAt time.Time, detail string) bool {
	c.reportWait(true)
	defer c.reportWait(false)
	fired := make(chan struct{})
	stop := c.clock.AfterFunc(delay, func() {
		c.reportWait(false)
		close(fired)
	})
	defer stop()
	c.setState(state, retryAt, detail)
	select {
	case <-ctx.Done():
		return false
	case <-fired:
		return true
	case <-c.retry:
		return true
	}
}

// waitForRetry shows state and blocks until RetryNow or ctx: no timer at all.
func (c *Client) waitForRetry(ctx context.Context, state ConnState, detail string) bool {
	c.reportWait(true)
	defer c.reportWait(false)
	c.setState(state, time.Time{}, detail)
	select {
	case <-ctx.Done():
		return false
	case <-c.retry:
		return true
	}
}

// reportWait tells the test hook Client.onWait whether Run waits with
// nothing due. A RetryNow already queued is due; RetryNow reports false after
// queueing, and both report under mu, so the last report is always right.
func (c *Client) reportWait(waiting bool) {
	if c.onWait == nil {
		return
	}
	c.mu.Lock()
	c.onWait(waiting && len(c.retry) == 0)
	c.mu.Unlock()
}

func (c *Client) setState(state ConnState, retryAt time.Time, detail string) {
	c.mu.Lock()
	c.setStateLocked(state, retryAt, detail)
	c.mu.Unlock()
	c.signal()
}

func (c *Client) setStateLocked(state ConnState, retryAt time.Time, detail string) {
	c.state, c.retryAt, c.detail = state, retryAt, detail
}
