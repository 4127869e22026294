package main

import (
	"context"
	"fmt"
	"io"
	"time"
)

// Defaults of the fanout and rooms commands.
const (
	DefaultSubs     = 1000
	DefaultPubs     = 4
	DefaultWindow   = 16
	DefaultDuration = 10 * time.Second
	DefaultDrain    = 5 * time.Second
)

const fanoutUsage = `Usage: relay-bench fanout [flags]

Puts -subs subscribers and -pubs publishers in one room. Each publisher keeps
-window messages in flight (closed loop: its own echo frees a slot), or with
-rate the publishers together send that many messages per second (open
loop). Every message carries its send time; every member that receives it
records the latency in an HdrHistogram. Reports deliveries per second (msg
objects received by all members), latency percentiles, the server's CPU
seconds per million deliveries (with -pid), and lost and duplicate
deliveries (after waiting -drain for what is in flight). Open loop also
reports this tool's send lag (scheduled → written). On Linux every report
also has its receive lag per frame (kernel receive timestamp → read) and a
second latency, to the socket: from the same start to the kernel's receive
timestamp of the data that completed the message's frame (on loopback, when
the server's write reached the member's socket). On a small machine they
tell the load generator's own delays from the server's.

Flags:
`

func runFanout(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var common commonFlags
	plan := loadPlan{command: "fanout", rooms: 1}
	fs := newFlagSet("fanout", stderr, fanoutUsage)
	common.register(fs)
	fs.IntVar(&plan.subs, "subs", DefaultSubs, "subscribers in the room (they only receive)")
	fs.IntVar(&plan.pubs, "pubs", DefaultPubs, "publishers in the room (they receive too)")
	registerLoadFlags(fs, &plan)
	if err := parse(fs, args, &common); err != nil {
		return err
	}
	return runPlan(ctx, &common, plan, stdout, stderr)
}

// registerLoadFlags registers the flags fanout and rooms share.
func registerLoadFlags(fs flagSet, plan *loadPlan) {
	fs.IntVar(&plan.window, "window", DefaultWindow, "closed loop: messages in flight per publisher")
	fs.Float64Var(&plan.rate, "rate", 0, "open loop: messages per second over all publishers (0: closed loop)")
	fs.DurationVar(&plan.duration, "duration", DefaultDuration, "how long to publish")
	fs.DurationVar(&plan.drain, "drain", DefaultDrain, "how long to wait for messages in flight before counting losses")
}

// flagSet is the part of flag.FlagSet registerLoadFlags needs.
type flagSet interface {
	IntVar(p *int, name string, value int, usage string)
	Float64Var(p *float64, name string, value float64, usage string)
	DurationVar(p *time.Duration, name string, value time.Duration, usage string)
}

// runPlan validates plan, runs it and reports.
func runPlan(ctx context.Context, common *commonFlags, plan loadPlan, stdout, stderr io.Writer) error {
	if plan.rooms < 1 || plan.pubs < 1 || plan.subs < 0 {
		return errNoPublishers
	}
	if plan.rate <= 0 && plan.window < 1 {
		return fmt.Errorf("-window %d: want at least 1 (or set -rate)", plan.window)
	}
	if plan.duration <= 0 {
		return fmt.Errorf("-duration %v: want more than 0", plan.duration)
	}
	res, err := runLoad(ctx, common, plan, func(format string, args ...any) {
		fmt.Fprintf(stderr, "relay-bench: "+format+"\n", args...)
	})
	if err != nil {
		return err
	}
	return report(stdout, common.jsonOut, res, loadText)
}

func loadText(w io.Writer, r loadResult) {
	fmt.Fprintf(w, "%s %s %s\n", r.Command, r.Proto, r.URL)
	fmt.Fprintf(w, "  layout             %d room(s) × (%d subscribers + %d publishers) = %d connections\n",
		r.Rooms, r.SubsPerRoom, r.PubsPerRoom, r.Conns)
	if r.Mode == "open" {
		fmt.Fprintf(w, "  load               open loop, %.0f msg/s\n", r.Rate)
	} else {
		fmt.Fprintf(w, "  load               closed loop, %d in flight per publisher\n", r.Window)
	}
	fmt.Fprintf(w, "  duration           %.2fs, %d published\n", r.DurationSeconds, r.Published)
	fmt.Fprintf(w, "  deliveries         %d (%.0f/s)\n", r.Deliveries, r.DeliveriesPerSec)
	fmt.Fprintf(w, "  frames read        %d (%.0f/s, %.2f deliveries per frame)\n", r.Frames, r.FramesPerSec, r.DeliveriesPerFrame)
	since := "write"
	if r.Mode == "open" {
		since = "scheduled send"
	}
	fmt.Fprintf(w, "  latency ms         p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f  (%d samples, from the %s)\n",
		r.Latency.P50, r.Latency.P90, r.Latency.P99, r.Latency.P999, r.Latency.Max, r.Latency.Count, since)
	if l := r.SocketLatency; l != nil {
		fmt.Fprintf(w, "  latency to socket  p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f  (%d samples: from the %s to the kernel's receive stamp; %.1f %% possibly late)\n",
			l.P50, l.P90, l.P99, l.P999, l.Max, l.Count, since, 100*float64(r.SocketStampsPossiblyLate)/float64(max(l.Count, 1)))
	}
	if l := r.SocketLatencyFloor; l != nil && r.SocketStampsPossiblyLate > 0 {
		fmt.Fprintf(w, "    its lower bound  p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f  (possibly late stamps at their floor)\n",
			l.P50, l.P90, l.P99, l.P999, l.Max)
	}
	if r.StampMismatches > 0 {
		fmt.Fprintf(w, "  stamp mismatches   %d frames (not stamped: a bug in this tool)\n", r.StampMismatches)
	}
	if l := r.SendLag; l != nil {
		fmt.Fprintf(w, "  send lag ms        p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f  (this tool: scheduled → written)\n",
			l.P50, l.P90, l.P99, l.P999, l.Max)
	}
	if l := r.RecvLag; l != nil {
		fmt.Fprintf(w, "  receive lag ms     p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f  (this tool: on the socket → read, per frame)\n",
			l.P50, l.P90, l.P99, l.P999, l.Max)
	}
	fmt.Fprintf(w, "  lost / duplicate   %d / %d of %d expected", r.Lost, r.Duplicates, r.Expected)
	if r.Errors > 0 || r.ClosedEarly > 0 {
		fmt.Fprintf(w, " (%d error frames, %d connections closed by the server)", r.Errors, r.ClosedEarly)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  client CPU         %.2fs (GOMAXPROCS %d)\n", r.ClientCPUSeconds, r.ClientProcs)
	if !r.CPUMeasured {
		fmt.Fprintln(w, "  server CPU         not measured (no -pid)")
		return
	}
	fmt.Fprintf(w, "  server CPU         %.2fs = %.2f s per million deliveries\n", r.ServerCPUSeconds, r.CPUSecPerMillion)
	fmt.Fprintf(w, "  server RSS         %d kB (peak %d kB)\n", r.ServerRSSKB, r.ServerPeakRSSKB)
}
