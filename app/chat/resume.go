package chat

// An in-memory relay counts seq from 1 again when it restarts or frees an
// empty room, so a seq alone does not say which message it names. The relay
// names each seq space with an epoch (welcome.epoch, the "seq epoch"
// extension of chat.v1); the client persists it with its last seq and
// resumes with since=<last seq>&epoch=<epoch>. When that epoch is no longer
// the room's, the relay replays its whole window and answers
// recovered:false; dedup by (cid, id) merges the replay, and the client
// continues in the new seq space without another connection.
//
// Without a known epoch (a history stored before epochs, or a relay without
// the extension) the last seq cannot be trusted, so the client asks for
// since=0: the whole window, merged the same way.

// resume is how one connection picks up the room.
type resume struct {
	_ noCompare

	since uint64 // sent as since=
	epoch string // the seq space of since, sent as epoch= when not ""
}

func (c *Client) resumeLocked() resume {
	if c.epoch == "" {
		return resume{}
	}
	return resume{since: c.lastSeq, epoch: c.epoch}
}

// adoptEpochLocked takes the welcome's epoch as the seq space of lastSeq.
// A new one means our last seq names nothing in it: the replay, in seq
// order, raises lastSeq again. With lastSeq 0 the stored resume point means
// the same under any epoch, so the epoch is written with the next message.
func (c *Client) adoptEpochLocked(epoch string) {
	if epoch == c.epoch {
		return
	}
	if c.lastSeq != 0 {
		c.markHistoryDirty()
	}
	c.epoch = epoch
	c.lastSeq = 0
}
