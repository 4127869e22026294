package main

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/chatpwa/chat/relay"
)

const tokenUsage = `Usage: relay token -secret S -room R -ttl 24h [-name N] [-cid CID]

Prints an HS256 JWT that lets its holder into room R (or every room with
-room '*') until it expires, for a relay started with the same secret.
Invite links carry it as ?token=. With -cid, the relay refuses the token
to any other cid (401 token not valid for this cid); with a client that
connects with ckey=, CID is the cid its key derives (see PROTOCOL.md).

Flags:
`

// runToken prints a token.
func runToken(args []string, lookupEnv func(string) (string, bool), stdout, stderr io.Writer) error {
	var secret, room, name, cid string
	var ttl time.Duration
	fs := newFlagSet("relay token", stderr, tokenUsage)
	fs.StringVar(&secret, "secret", "", "the relay's secret (required)")
	fs.StringVar(&room, "room", "", "room name, or * for every room (required)")
	fs.DurationVar(&ttl, "ttl", 24*time.Hour, "how long the token is valid")
	fs.StringVar(&name, "name", "", "name shown to the room's peers (optional)")
	fs.StringVar(&cid, "cid", "", "bind the token to this cid (optional)")
	if err := parseFlags(fs, args, lookupEnv); err != nil {
		return err
	}
	if secret == "" || room == "" {
		fs.Usage()
		return errors.New("token: -secret and -room are required")
	}
	token, err := relay.IssueBoundToken(secret, room, name, cid, ttl)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, token)
	return err
}
