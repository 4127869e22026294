package relay

// wakeList gathers the members a fan-out gives to the writer pool, which
// then gets them at once (writerPool.scheduleAll): one lock of the pool
// and a few worker wakes per message, instead of one of each per member
// taken under the room's lock while the workers take the pool's lock too.
// A room holds one, guarded by its lock; a nil *wakeList schedules each
// member at once.
type wakeList struct {
	members []*member
}

// schedule gives m to the pool, now (nil list) or at flush.
func (w *wakeList) schedule(m *member) {
	if w == nil {
		m.out.pool.schedule(m)
		return
	}
	w.members = append(w.members, m)
}

// flush schedules the members gathered and forgets them (the array stays,
// without the pointers that would keep ended members alive).
func (w *wakeList) flush() {
	if len(w.members) == 0 {
		return
	}
	// Every member of a relay writes through the same pool.
	w.members[0].out.pool.scheduleAll(w.members)
	clear(w.members)
	w.members = w.members[:0]
}
