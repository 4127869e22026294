package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os/exec"
	"syscall"
	"time"
)

// Bounds of starting and stopping a server process the tool runs itself.
const (
	// serverStartTimeout bounds the wait for a started server to accept.
	serverStartTimeout = 10 * time.Second
	// serverStopTimeout bounds a graceful stop before the process is killed;
	// above the relay's default 10s shutdown budget.
	serverStopTimeout = 30 * time.Second
)

// serverProcess is a server the tool started (storm restarts it).
type serverProcess struct {
	cmd    *exec.Cmd
	exited chan struct{} // closed when the process has exited
}

// startServer runs argv, sending its output to logs, and returns once it
// accepts TCP connections on the host of wsURL.
func startServer(ctx context.Context, argv []string, wsURL string, logs io.Writer) (*serverProcess, error) {
	if len(argv) == 0 {
		return nil, errors.New("no server command")
	}
	u, err := url.Parse(wsURL)
	if err != nil {
		return nil, fmt.Errorf("-url: %w", err)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start server: %w", err)
	}
	p := &serverProcess{cmd: cmd, exited: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.exited) }()

	deadline := time.NewTimer(serverStartTimeout)
	defer deadline.Stop()
	retry := time.NewTicker(20 * time.Millisecond)
	defer retry.Stop()
	for {
		conn, err := net.DialTimeout("tcp", u.Host, time.Second)
		if err == nil {
			_ = conn.Close()
			return p, nil
		}
		select {
		case <-retry.C:
		case <-p.exited:
			return nil, fmt.Errorf("server exited before accepting: %v", cmd.ProcessState)
		case <-deadline.C:
			p.stop()
			return nil, fmt.Errorf("server did not accept on %s within %v", u.Host, serverStartTimeout)
		case <-ctx.Done():
			p.stop()
			return nil, ctx.Err()
		}
	}
}

// pid is the server's process id.
func (p *serverProcess) pid() int { return p.cmd.Process.Pid }

// stop sends SIGTERM, waits for the exit (killing after serverStopTimeout)
// and returns how long the graceful part took.
func (p *serverProcess) stop() time.Duration {
	start := time.Now()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(serverStopTimeout):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
	return time.Since(start)
}
