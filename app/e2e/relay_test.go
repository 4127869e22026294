//go:build !js

package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Keepalive of every relay in the suite, short so that a vanished member is
// announced as gone within seconds: the relay pings every relayPingInterval
// and drops a peer that has not answered relayPingTimeout later.
const (
	relayPingInterval = 1 * time.Second
	relayPingTimeout  = 1 * time.Second
	// keepaliveBound is the longest a dead peer may stay listed: one interval
	// to the next ping plus the timeout for its pong.
	keepaliveBound = relayPingInterval + relayPingTimeout
)

// relayStartTimeout bounds how long a started relay may take to answer
// /healthz, and relayStopTimeout how long SIGTERM may take to end it.
const (
	relayStartTimeout = 15 * time.Second
	relayStopTimeout  = 10 * time.Second
)

// relayProcess is the real relay binary serving the built site and /ws on a
// fixed loopback port. It can be stopped, killed and started again on the same
// port, as an operator would restart it.
type relayProcess struct {
	t    testing.TB
	addr string   // 127.0.0.1:PORT, the same for every start
	args []string // flags beyond -addr

	log syncBuffer // stdout and stderr of every run, for the failure report

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{} // closed when the current process has exited
	runs   int
}

// startRelay starts the relay on a free loopback port with the suite's site and
// keepalive, plus extra flags (e.g. "-secret", "s"), and stops it when the test
// ends. Its output joins the test log when the test fails.
func startRelay(t testing.TB, extra ...string) *relayProcess {
	t.Helper()
	r := newRelay(t, extra...)
	r.start()
	return r
}

// newRelay is startRelay without the start: its address is known before it
// runs, for a site that must name it.
func newRelay(t testing.TB, extra ...string) *relayProcess {
	t.Helper()
	r := &relayProcess{
		t:    t,
		addr: freeLoopbackAddr(t),
		args: append([]string{
			"-web", suite.distDir,
			"-ping-interval", relayPingInterval.String(),
			"-ping-timeout", relayPingTimeout.String(),
		}, extra...),
	}
	t.Cleanup(func() {
		r.stopOrKill()
		if t.Failed() {
			t.Logf("relay output (%d runs):\n%s", r.runs, r.log.String())
		}
	})
	return r
}

// freeLoopbackAddr picks a port the kernel says is free. The listener is closed
// at once so that the relay can take the port, and take it again after a restart.
func freeLoopbackAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("finding a free port: %v", err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatalf("releasing the free port: %v", err)
	}
	return addr
}

// URL is the page address of a room, as an invite link would carry it.
func (r *relayProcess) URL() string { return "http://" + r.addr }

// roomURL is the link that opens room, with an invite token when token != "".
func roomURL(origin, room, token string) string {
	u := origin + "/#room=" + room
	if token != "" {
		u += "&token=" + token
	}
	return u
}

// start runs the binary on r.addr and waits until /healthz answers 200.
func (r *relayProcess) start() {
	r.t.Helper()
	r.mu.Lock()
	if r.cmd != nil {
		r.mu.Unlock()
		r.t.Fatal("relay: start while already running")
	}
	r.runs++
	fmt.Fprintf(&r.log, "=== relay run %d on %s\n", r.runs, r.addr)
	cmd := exec.Command(suite.relayBin, append([]string{"-addr", r.addr}, r.args...)...)
	cmd.Env = relayEnv()
	dieWithParent(cmd)
	cmd.Stdout = &r.log
	cmd.Stderr = &r.log
	if err := cmd.Start(); err != nil {
		r.mu.Unlock()
		r.t.Fatalf("relay: starting %s: %v", suite.relayBin, err)
	}
	exited := make(chan struct{})
	go func() {
		err := cmd.Wait()
		fmt.Fprintf(&r.log, "=== relay run exited: %v\n", err)
		close(exited)
	}()
	r.cmd, r.exited = cmd, exited
	r.mu.Unlock()

	if err := waitHealthy(r.URL()+"/healthz", exited, relayStartTimeout); err != nil {
		r.t.Fatalf("relay: not ready: %v\n%s", err, r.log.String())
	}
}

// relayEnv is the test's environment without RELAY_* variables: every relay
// flag also reads one, and a RELAY_SECRET left in a shell must not turn the
// open rooms of the scenarios into token rooms.
func relayEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "RELAY_") {
			env = append(env, kv)
		}
	}
	return env
}

// waitHealthy polls url until it answers 200, the process exits, or the
// deadline passes. Polling is the only way to learn that a child process
// listens; each attempt is bounded and the whole wait has a deadline.
func waitHealthy(url string, exited <-chan struct{}, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	client := &http.Client{Timeout: time.Second}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	var lastErr error
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return fmt.Errorf("request: %w", err)
		}
		resp, err := client.Do(req)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			lastErr = fmt.Errorf("GET %s: %s", url, resp.Status)
		} else {
			lastErr = err
		}
		select {
		case <-exited:
			return fmt.Errorf("the relay exited before it was ready (last try: %v)", lastErr)
		case <-ctx.Done():
			return fmt.Errorf("no 200 from %s within %v (last try: %v)", url, timeout, lastErr)
		case <-tick.C:
		}
	}
}

// stop sends SIGTERM, the operator's stop, and waits for the exit.
func (r *relayProcess) stop() {
	r.t.Helper()
	if err := r.signalAndWait(syscall.SIGTERM); err != nil {
		r.t.Fatalf("relay: stop: %v", err)
	}
}

// kill9 ends the relay with SIGKILL: no close frames, no goodbye, as a crash.
func (r *relayProcess) kill9() {
	r.t.Helper()
	if err := r.signalAndWait(syscall.SIGKILL); err != nil {
		r.t.Fatalf("relay: kill -9: %v", err)
	}
}

// stopOrKill is the cleanup: SIGTERM, and SIGKILL when that is not enough.
func (r *relayProcess) stopOrKill() {
	if err := r.signalAndWait(syscall.SIGTERM); err != nil {
		r.t.Logf("relay: %v; killing it", err)
		if err := r.signalAndWait(syscall.SIGKILL); err != nil {
			r.t.Errorf("relay: kill -9: %v", err)
		}
	}
}

// signalAndWait sends sig to the running relay, if any, and waits for it to
// exit within relayStopTimeout.
func (r *relayProcess) signalAndWait(sig syscall.Signal) error {
	r.mu.Lock()
	cmd, exited := r.cmd, r.exited
	r.mu.Unlock()
	if cmd == nil {
		return nil
	}
	if err := cmd.Process.Signal(sig); err != nil {
		select {
		case <-exited: // it had exited already
		default:
			return fmt.Errorf("signal %v: %w", sig, err)
		}
	}
	select {
	case <-exited:
	case <-time.After(relayStopTimeout):
		return fmt.Errorf("still running %v after %v", relayStopTimeout, sig)
	}
	r.mu.Lock()
	r.cmd, r.exited = nil, nil
	r.mu.Unlock()
	return nil
}

// mintToken runs `relay token`, the command an operator uses to make an
// invite, and returns the JWT it prints.
func mintToken(t *testing.T, secret, room, name string) string {
	t.Helper()
	args := []string{"token", "-secret", secret, "-room", room, "-ttl", "24h"}
	if name != "" {
		args = append(args, "-name", name)
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(suite.relayBin, args...)
	cmd.Env = relayEnv()
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("relay token: %v\n%s", err, stderr.String())
	}
	token := strings.TrimSpace(stdout.String())
	if strings.Count(token, ".") != 2 {
		t.Fatalf("relay token printed %q, not a JWT", token)
	}
	return token
}

// syncBuffer is a bytes.Buffer safe for the writes of a child process's
// output copier and the reads of the test.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
