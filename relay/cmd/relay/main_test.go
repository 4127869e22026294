package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"io"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"go.uber.org/goleak"

	"github.com/chatpwa/chat/relay"
	"github.com/chatpwa/chat/relay/wire"
)

// runMainEnv makes the test binary act as the relay binary, so that a test
// can run main in a child process and send it real signals.
const runMainEnv = "RELAY_CMD_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		os.Args = []string{"relay"}
		main()
		return
	}
	goleak.VerifyTestMain(m)
}

func noEnv(string) (string, bool) { return "", false }

func envOf(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
}

func TestToken_PrintsVerifiableJWT(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"token", "-secret", "S", "-room", "R", "-ttl", "24h", "-name", "N"}, noEnv, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	claims, err := relay.VerifyToken("S", strings.TrimSpace(stdout.String()), "R")
	if err != nil {
		t.Fatalf("printed token does not verify: %v", err)
	}
	if claims.Name != "N" || time.Until(claims.ExpiresAt.Time) < 23*time.Hour {
		t.Fatalf("claims = %+v", claims)
	}
}

func TestToken_SecretFromEnv(t *testing.T) {
	var stdout bytes.Buffer
	if code := run(context.Background(), []string{"token", "-room", "*"}, envOf(map[string]string{"RELAY_SECRET": "E"}), &stdout, io.Discard); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if _, err := relay.VerifyToken("E", strings.TrimSpace(stdout.String()), "any-room"); err != nil {
		t.Fatal(err)
	}
}

func TestToken_RequiresSecretAndRoom(t *testing.T) {
	if code := run(context.Background(), []string{"token", "-room", "R"}, noEnv, io.Discard, io.Discard); code == 0 {
		t.Fatal("token without secret succeeded")
	}
}

func TestServe_HelpDocumentsEveryFlagAndEnv(t *testing.T) {
	var stderr bytes.Buffer
	if code := run(context.Background(), []string{"-h"}, noEnv, io.Discard, &stderr); code != 0 {
		t.Fatalf("-h exit %d", code)
	}
	help := stderr.String()
	for _, name := range []string{"addr", "web", "origins", "secret", "ping-interval", "ping-timeout", "max-message",
		"rate", "burst", "queue", "history", "history-age", "max-conns", "nats", "presence-interval", "broker-timeout", "tls-cert", "tls-key",
		"max-conns-per-ip", "handshakes-per-ip", "handshake-burst", "trusted-proxies", "require-ckey", "metrics-addr",
		"read-header-timeout", "http-read-timeout", "http-write-timeout", "http-idle-timeout"} {
		documented := strings.Contains(help, "-"+name+" ") || strings.Contains(help, "-"+name+"\n") // bool flags show no type
		if !documented || !strings.Contains(help, envName(name)) {
			t.Errorf("-h does not document -%s and %s", name, envName(name))
		}
	}
}

func TestServe_BadFlagsAndEnv(t *testing.T) {
	if code := run(context.Background(), []string{"-no-such-flag"}, noEnv, io.Discard, io.Discard); code != 2 {
		t.Fatalf("unknown flag: exit %d, want 2", code)
	}
	if code := run(context.Background(), nil, envOf(map[string]string{"RELAY_PING_INTERVAL": "soon"}), io.Discard, io.Discard); code != 1 {
		t.Fatalf("bad env value: exit %d, want 1", code)
	}
	if code := run(context.Background(), []string{"-tls-cert", "c.pem"}, noEnv, io.Discard, io.Discard); code != 1 {
		t.Fatalf("invalid config: exit %d, want 1", code)
	}
}

func TestParseFlags_FlagWinsOverEnv(t *testing.T) {
	fs := newFlagSet("t", io.Discard, "")
	interval := fs.Duration("ping-interval", time.Second, "")
	queue := fs.Int("queue", 1, "")
	env := envOf(map[string]string{"RELAY_PING_INTERVAL": "7s", "RELAY_QUEUE": "9"})
	if err := parseFlags(fs, []string{"-queue", "3"}, env); err != nil {
		t.Fatal(err)
	}
	if *interval != 7*time.Second || *queue != 3 {
		t.Fatalf("ping-interval=%v queue=%d, want 7s from env and 3 from the flag", *interval, *queue)
	}
	if err := parseFlags(newFlagSet("t", io.Discard, ""), []string{"-h"}, noEnv); err != flag.ErrHelp {
		t.Fatalf("-h = %v", err)
	}
}

// TestMain_SIGTERM_Closes1001AndExits0 runs the binary's main in a child
// process configured through RELAY_* variables, connects a client, sends
// SIGTERM and expects close 1001 and exit status 0.
func TestMain_SIGTERM_Closes1001AndExits0(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), runMainEnv+"=1", "RELAY_ADDR=127.0.0.1:0", "RELAY_LOG_FORMAT=text")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill() }()

	addrCh := make(chan string, 1)
	logDone := make(chan struct{})
	go func() {
		defer close(logDone)
		listening := regexp.MustCompile(`relay listening" addr=(\S+)`)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				addrCh <- m[1]
			}
		}
	}()
	var addr string
	select {
	case addr = <-addrCh:
	case <-time.After(20 * time.Second):
		t.Fatal("relay did not log its address")
	}

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws://"+addr+"/ws?room=sig&cid=c", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	if _, data, err := conn.Read(ctx); err != nil || !bytes.Contains(data, []byte(`"type":"`+wire.TypeWelcome+`"`)) {
		t.Fatalf("first frame %s, %v", data, err)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	_, _, err = conn.Read(ctx)
	if got := websocket.CloseStatus(err); got != websocket.StatusGoingAway {
		t.Fatalf("closed with %v (%v), want 1001", got, err)
	}
	<-logDone
	if err := cmd.Wait(); err != nil {
		t.Fatalf("relay exited with %v, want status 0", err)
	}
}

func TestToken_CIDBindsTheToken(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"token", "-secret", "S", "-room", "R", "-cid", "alice"}, noEnv, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	claims, err := relay.VerifyToken("S", strings.TrimSpace(stdout.String()), "R")
	if err != nil {
		t.Fatal(err)
	}
	if claims.CID != "alice" || claims.AllowsCID("bob") == nil || claims.AllowsCID("alice") != nil {
		t.Fatalf("claims %+v: want bound to alice only", claims)
	}
	if code := run(context.Background(), []string{"token", "-secret", "S", "-room", "R", "-cid", "a.b"}, noEnv, io.Discard, io.Discard); code != 1 {
		t.Fatalf("invalid -cid: exit %d, want 1", code)
	}
}

// TestApplyAddressFlags: the per-address flags say 0 for unlimited (the
// flag shows its default); Config says Unlimited, because its zero means
// the default. "none" trusts no proxy.
func TestApplyAddressFlags(t *testing.T) {
	cfg := relay.Config{MaxConnsPerIP: 0, HandshakesPerIP: 0}
	if err := applyAddressFlags(&cfg, commaList{"none"}); err != nil {
		t.Fatal(err)
	}
	if cfg.MaxConnsPerIP != relay.Unlimited || cfg.HandshakesPerIP != relay.Unlimited {
		t.Fatalf("0 flags = %d, %v; want Unlimited", cfg.MaxConnsPerIP, cfg.HandshakesPerIP)
	}
	if cfg.TrustedProxies == nil || len(cfg.TrustedProxies) != 0 {
		t.Fatalf("none = %#v, want an empty non-nil list", cfg.TrustedProxies)
	}
	cfg = relay.Config{MaxConnsPerIP: 7, HandshakesPerIP: 2}
	if err := applyAddressFlags(&cfg, commaList{"10.0.0.0/8"}); err != nil || cfg.MaxConnsPerIP != 7 || cfg.HandshakesPerIP != 2 {
		t.Fatalf("explicit limits changed: %+v %v", cfg, err)
	}
	if err := applyAddressFlags(&relay.Config{MaxConnsPerIP: -1}, nil); err == nil {
		t.Fatal("a negative flag was accepted")
	}
	if code := run(context.Background(), []string{"-trusted-proxies", "not-an-ip"}, noEnv, io.Discard, io.Discard); code != 1 {
		t.Fatalf("bad -trusted-proxies: exit %d, want 1", code)
	}
	if relay.DefaultTrustedProxies[0] != "127.0.0.0/8" {
		t.Fatalf("parsing flags changed relay.DefaultTrustedProxies: %v", relay.DefaultTrustedProxies)
	}
}

// TestServe_OneCPU_RunsTwoPs: on one CPU (GOMAXPROCS 1) the relay raises
// GOMAXPROCS to -min-procs, so that its writer pool leaves a P to the
// network poller; GOMAXPROCS in the environment and -min-procs 0 keep the
// runtime's choice.
func TestServe_OneCPU_RunsTwoPs(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	stopped, cancel := context.WithCancel(context.Background())
	cancel() // serve, then stop at once: GOMAXPROCS is set before the relay starts
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want int
	}{
		{"default", nil, nil, DefaultMinProcs},
		{"flag", []string{"-min-procs", "3"}, nil, 3},
		{"env of the flag", nil, map[string]string{"RELAY_MIN_PROCS": "3"}, 3},
		{"GOMAXPROCS set", nil, map[string]string{"GOMAXPROCS": "1"}, 1},
		{"off", []string{"-min-procs", "0"}, nil, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			runtime.GOMAXPROCS(1)
			args := append([]string{"-addr", "127.0.0.1:0", "-log-level", "error"}, tc.args...)
			if code := run(stopped, args, envOf(tc.env), io.Discard, io.Discard); code != 0 {
				t.Fatalf("exit %d", code)
			}
			if got := runtime.GOMAXPROCS(0); got != tc.want {
				t.Fatalf("GOMAXPROCS %d after serving on one P, want %d", got, tc.want)
			}
		})
	}
	if code := run(stopped, []string{"-min-procs", "-1"}, noEnv, io.Discard, io.Discard); code != 1 {
		t.Fatalf("-min-procs -1: exit %d, want 1", code)
	}
}
