package ui

import (
	"strconv"
	"testing"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/chatpwa/chat/app/chat"
)

// BenchmarkMessageRows_Open mounts the rows a room opened from the relay
// shows first: the newest renderOpen of 500 delivered messages from others,
// with their day separator, as MessageList renders them; then dismounts
// them. Only the mount is timed (mount-ms/op). In a browser
// (GOOS=js GOARCH=wasm go test -exec wasmbrowsertest -run '^$' -bench Rows
// ./app/ui/) that is the cost of building rows through syscall/js, the
// largest part of opening a room (BENCHMARKS.md); natively it is go-app's
// own share only.
func BenchmarkMessageRows_Open(b *testing.B) {
	now := time.Now()
	lines := make([]chat.Line, 500)
	for i := range lines {
		lines[i] = chat.Line{
			Kind: chat.LineMessage, Key: "sender/" + strconv.Itoa(i+1), Seq: uint64(i + 1),
			Nick: "Sender", Text: "message " + strconv.Itoa(i+1) + " of 500 in the history of a room",
			Time: now.Add(time.Duration(i-500) * time.Second), Status: chat.StatusDelivered,
		}
	}
	shell := &rowsShell{lines: lines[len(lines)-renderOpen:]}
	engine := app.NewTestEngine()
	if err := engine.Load(shell); err != nil {
		b.Fatal(err)
	}
	engine.ConsumeAll()
	toggle := func() {
		shell.ctx.Dispatch(func(app.Context) { shell.shown = !shell.shown })
		engine.ConsumeAll()
	}
	// Timed by hand: b.StopTimer reads the memory stats, which in the
	// browser costs more than what is measured.
	var mounting time.Duration
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		toggle() // mount
		mounting += time.Since(start)
		toggle() // dismount
	}
	b.ReportMetric(float64(mounting.Microseconds())/1000/float64(b.N), "mount-ms/op")
}

// rowsShell shows the rows of lines in a list while shown.
type rowsShell struct {
	app.Compo
	lines []chat.Line
	shown bool
	ctx   app.Context
}

func (s *rowsShell) OnMount(ctx app.Context) { s.ctx = ctx }

func (s *rowsShell) Render() app.UI {
	rows := []app.UI{}
	if s.shown {
		rows = withMentions(withDaySeparators(s.lines, dayOf(localTime, time.Now()), ""), nil, "reader")
	}
	return app.Elem("ul").Body(rows...)
}
