package main

import (
	"context"
	"errors"
	"io"
)

// Defaults of the rooms command.
const (
	DefaultRooms       = 500
	DefaultRoomMembers = 10
)

const roomsUsage = `Usage: relay-bench rooms [flags]

Opens -rooms rooms of -members members each; one member of every room
publishes (closed loop with -window in flight, or open loop at -rate over all
rooms). Reports the same as fanout. chat only: a raw broadcast server has no
rooms.

Flags:
`

func runRooms(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var common commonFlags
	var members int
	plan := loadPlan{command: "rooms", pubs: 1}
	fs := newFlagSet("rooms", stderr, roomsUsage)
	common.register(fs)
	fs.IntVar(&plan.rooms, "rooms", DefaultRooms, "rooms")
	fs.IntVar(&members, "members", DefaultRoomMembers, "members per room, the publisher included")
	registerLoadFlags(fs, &plan)
	if err := parse(fs, args, &common); err != nil {
		return err
	}
	if common.proto == protoRaw {
		return errors.New("rooms needs -proto chat or socketio: a raw broadcast server has no rooms")
	}
	plan.subs = members - 1
	return runPlan(ctx, &common, plan, stdout, stderr)
}
