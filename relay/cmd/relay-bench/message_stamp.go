package main

// messageStamp is the receive timestamp of one message the server sent.
type messageStamp struct {
	ns           int64 // UnixNano; 0: the read was not stamped
	possiblyLate bool  // its read copied later bytes or filled its buffer
	floorNS      int64 // the message arrived no earlier (0: no bound known)
	size         int64 // payload bytes, to check the stamps line up with the messages read
}
