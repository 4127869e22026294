package chat

import (
	"sort"
	"strings"

	"github.com/chatpwa/chat/relay/wire"
)

// member is one connection in the room as the client tracks it.
type member struct {
	_ noCompare

	Member
	metaNick string // the nick from its last meta, "" if none announced yet
}

// newMember is the member p, its meta already opened (payload.openFrames).
func newMember(p wire.Peer, meta opened) *member {
	m := &member{Member: Member{Conn: p.Conn, CID: p.CID, Name: cleanNick(p.Name)}, metaNick: meta.body.Nick}
	m.Nick = m.displayNick()
	m.setSigner(meta.signer)
	return m
}

// displayNick: the announced nick, else the token's name, else a short cid.
func (m *member) displayNick() string {
	switch {
	case m.metaNick != "":
		return m.metaNick
	case m.Name != "":
		return m.Name
	default:
		return shortCID(m.CID)
	}
}

// known reports whether the member has a real name to show in "X joined".
func (m *member) known() bool { return m.metaNick != "" || m.Name != "" }

// sortedMembers returns the members sorted by nick (case-insensitive), then conn.
func sortedMembers(members map[string]*member) []Member {
	out := make([]Member, 0, len(members))
	for _, m := range members {
		out = append(out, m.Member)
	}
	sort.Sort(byNick(out))
	return out
}

// byNick orders members by nick (case-insensitive), then conn. It is a
// sort.Interface rather than a slices.SortFunc comparator because the wasm
// already links sort, while each slices.SortFunc element type instantiates
// its own pdqsort (about 20 KB of code).
type byNick []Member

func (s byNick) Len() int      { return len(s) }
func (s byNick) Swap(i, j int) { s[i], s[j] = s[j], s[i] }
func (s byNick) Less(i, j int) bool {
	a, b := strings.ToLower(s[i].Nick), strings.ToLower(s[j].Nick)
	if a != b {
		return a < b
	}
	return s[i].Conn < s[j].Conn
}
