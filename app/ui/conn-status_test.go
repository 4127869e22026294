package ui

import (
	"testing"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/chatpwa/chat/app/chat"
)

func TestConnLabel(t *testing.T) {
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		view chat.View
		want string
	}{
		{chat.View{State: chat.StateConnecting}, "Connecting…"},
		{chat.View{State: chat.StateOnline}, "Online"},
		{chat.View{State: chat.StateOffline, RetryAt: now.Add(4200 * time.Millisecond)}, "Offline — retrying in 5s"},
		{chat.View{State: chat.StateOffline, RetryAt: now.Add(time.Second)}, "Offline — retrying in 1s"},
		{chat.View{State: chat.StateOffline, RetryAt: now}, "Offline — retrying…"},
		{chat.View{State: chat.StateOffline}, "Offline — retrying…"},
		{chat.View{State: chat.StateReconnecting}, "Reconnecting…"},
		{chat.View{State: chat.StateDenied}, "Access denied"},
		{chat.View{State: chat.StateInvalid}, "Invalid room"},
	}
	for _, tc := range cases {
		if got := connLabel(tc.view, now); got != tc.want {
			t.Errorf("connLabel(%v, retry %v) = %q, want %q", tc.view.State, tc.view.RetryAt.Sub(now), got, tc.want)
		}
	}
}

func TestConnStatus_DataState(t *testing.T) {
	view := chat.View{State: chat.StateDenied, Detail: "relay refused the connection: HTTP 401", Relay: "wss://b.test/ws"}
	want := app.Elem("div").
		ID("conn-state").
		Class("conn-state").
		DataSet("state", "denied").
		DataSet("relay", "wss://b.test/ws").
		Role("status").
		Aria("live", "polite").
		Title("relay refused the connection: HTTP 401 (relay: wss://b.test/ws)")
	if err := app.Match(want, connStatus(view, time.Now())); err != nil {
		t.Fatal(err)
	}
}

func TestConnDetail_NamesTheRelay(t *testing.T) {
	for _, tc := range []struct {
		view chat.View
		want string
	}{
		{chat.View{Detail: "connection lost"}, "connection lost"},
		{chat.View{Relay: "wss://a.test/ws"}, "Relay: wss://a.test/ws"},
		{chat.View{Detail: "cannot reach the relay", Relay: "wss://a.test/ws"}, "cannot reach the relay (relay: wss://a.test/ws)"},
	} {
		if got := connDetail(tc.view); got != tc.want {
			t.Errorf("connDetail(%+v) = %q, want %q", tc.view, got, tc.want)
		}
	}
}

func TestBlockedNotice(t *testing.T) {
	if blockedNotice(chat.View{State: chat.StateOffline}) != nil {
		t.Error("offline is not blocked: it retries by itself")
	}
	notice := blockedNotice(chat.View{State: chat.StateDenied})
	if err := app.Match(app.Text("Access denied"), notice, 0, 0); err != nil {
		t.Error(err)
	}
}
