package chat

import "time"

// MaxViewLines is how many lines View returns at most: rendering more would
// freeze the page at 100 messages/s.
const MaxViewLines = 300

// Line is one rendered row of the conversation.
type Line struct {
	Kind LineKind
	// Key is stable and unique within the room: cid+"/"+id for messages (the
	// same while pending and once delivered), generated for system lines.
	Key    string
	Seq    uint64    // relay seq; 0 for pending messages and system lines
	Epoch  string    // the relay's seq epoch Seq counts in, as received; "" when restored from storage or the relay names none
	Nick   string    // sender's nick as carried inside the message data
	Text   string    // plain text: render as text, never as HTML
	Time   time.Time // relay ts for messages; local clock for pending ones and system lines
	Mine   bool      // sent by this client id
	Status Status    // meaningful for Mine messages
	// Failure is why the relay refused the message for good (Status ==
	// StatusFailed), in words for the person.
	Failure string
	// Edited and Deleted: its author changed or removed it (threads.go);
	// Text is then the latest text, or "" when deleted.
	Edited, Deleted bool
	Reactions       []Reaction // per emoji, none when deleted
	Reply           *Quote     // the message this one replies to, nil if none
	// SeenBy is, on my delivered messages, how many other people have read
	// it as far as their read signals tell (read_receipts.go); 0 otherwise.
	SeenBy int
}

// Member is one connection present in the room.
type Member struct {
	_ noCompare

	Conn, CID string
	Nick      string // from meta {"nick":…}, else the token name, else a short cid
	Name      string // the name from the member's token, if any
	Me        bool
	// Key is the member's verified public key in a private room ("" in a
	// plain room, or before its meta verified); SafetyCode its short code
	// to compare out of band. Members with the same Key are one install.
	Key, SafetyCode string
	// KeyChanged: in a private room, this member's nick last signed a
	// message with another key than the one its meta is signed with; the
	// presence list marks it as the timeline marks such a message.
	KeyChanged bool
}

// View is a consistent snapshot of everything the UI renders. It is a copy:
// the UI may keep it while the Client moves on.
type View struct {
	Room    string // the room's name as people see it (a private room's NAME)
	Nick    string
	State   ConnState
	Relay   string    // the relay in use when online, else the one the next attempt dials
	RetryAt time.Time // when State == StateOffline: the next attempt
	Detail  string    // human explanation of State
	Lines   []Line    // oldest first, at most MaxViewLines
	Members []Member  // everyone in the room including me, sorted by nick; in a big room, the relay's bounded list
	People  int       // how many are in the room, me included (≥ len(Members))
	// Unread is how many messages from others came after the read mark
	// (MarkRead), as CountUnread counts them: the title's count.
	Unread  int
	MaxText int    // the largest text (bytes) Send accepts right now
	Typing  string // "Ada is typing…", "" when nobody is

	// RoomID is the relay's room id: Room in a plain room, derived from the
	// key in a private one.
	RoomID string
	// Private: an end-to-end encrypted room; SafetyCode is then my own code.
	Private    bool
	SafetyCode string
	// Undecryptable and Unverified count the messages of the stored history
	// shown as "could not decrypt" and "unverified" lines.
	Undecryptable, Unverified int

	// Mentions is how many of the Unread messages mention my nick.
	Mentions int
	// FirstUnread is the key of the first unread line, where the "new
	// messages" divider goes; "" when none is unread.
	FirstUnread string
}
