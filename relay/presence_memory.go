package relay

import "encoding/json"

// memoryPresence is the presence of a relay alone: every member is here,
// in the hub's rooms, so there is nobody to tell and nobody elsewhere.
type memoryPresence struct{}

var _ presence = memoryPresence{}

func (memoryPresence) join(string, peerAt)                  {}
func (memoryPresence) meta(string, string, json.RawMessage) {}
func (memoryPresence) leave(string, string)                 {}
func (memoryPresence) start(presenceSink)                   {}
func (memoryPresence) close()                               {}
