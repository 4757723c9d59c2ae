package sched

import "time"

// ID names a torrent to this package. The session chooses it (a handle number); the scheduler
// only compares IDs.
type ID uint64

// Due is the due-set: torrents keyed by when their next piece of work is due, in a binary heap
// with each torrent's place indexed, so setting, moving and cancelling are O(log n) and popping
// the k due ones is O(k log n). A torrent with nothing to do is simply not in it.
//
// Memory: 16 bytes per scheduled torrent in the heap, plus one map entry.
type Due struct {
	heap  []dueEntry
	index map[ID]int
}

type dueEntry struct {
	at int64 // Unix nanoseconds
	id ID
}

// Len is the number of scheduled torrents.
func (d *Due) Len() int { return len(d.heap) }

// Set schedules id at at, moving it if it was scheduled already.
func (d *Due) Set(id ID, at time.Time) {
	if d.index == nil {
		d.index = map[ID]int{}
	}
	ns := at.UnixNano()
	if i, ok := d.index[id]; ok {
		old := d.heap[i].at
		d.heap[i].at = ns
		if ns < old {
			d.up(i)
		} else {
			d.down(i)
		}
		return
	}
	d.heap = append(d.heap, dueEntry{ns, id})
	i := len(d.heap) - 1
	d.index[id] = i
	d.up(i)
}

// SetEarlier schedules id at at unless it is scheduled sooner already.
func (d *Due) SetEarlier(id ID, at time.Time) {
	if i, ok := d.index[id]; ok && d.heap[i].at <= at.UnixNano() {
		return
	}
	d.Set(id, at)
}

// Cancel takes id out; it reports whether it was scheduled.
func (d *Due) Cancel(id ID) bool {
	i, ok := d.index[id]
	if !ok {
		return false
	}
	d.removeAt(i)
	return true
}

// When returns when id is due.
func (d *Due) When(id ID) (time.Time, bool) {
	i, ok := d.index[id]
	if !ok {
		return time.Time{}, false
	}
	return time.Unix(0, d.heap[i].at), true
}

// Next returns the earliest due time.
func (d *Due) Next() (time.Time, bool) {
	if len(d.heap) == 0 {
		return time.Time{}, false
	}
	return time.Unix(0, d.heap[0].at), true
}

// Pop appends to dst the torrents due at or before now, earliest first, at most max of them
// (max < 0: all), and takes them out. The rest stay scheduled.
func (d *Due) Pop(now time.Time, max int, dst []ID) []ID {
	ns := now.UnixNano()
	for len(d.heap) > 0 && d.heap[0].at <= ns && max != 0 {
		dst = append(dst, d.heap[0].id)
		d.removeAt(0)
		max--
	}
	return dst
}

// PopEvery is Pop for periodic work: each due torrent stays in the set, due again period after
// the time it was due (or after now, if it fell more than a period behind, so a stalled
// scheduler does not burst to catch up).
func (d *Due) PopEvery(now time.Time, period time.Duration, dst []ID) []ID {
	ns := now.UnixNano()
	p := int64(period)
	for len(d.heap) > 0 && d.heap[0].at <= ns {
		e := &d.heap[0]
		dst = append(dst, e.id)
		e.at += p
		if e.at <= ns {
			e.at = ns + p
		}
		d.down(0)
	}
	return dst
}

func (d *Due) removeAt(i int) {
	last := len(d.heap) - 1
	delete(d.index, d.heap[i].id)
	if i != last {
		d.heap[i] = d.heap[last]
		d.index[d.heap[i].id] = i
	}
	d.heap = d.heap[:last]
	if i < last {
		d.down(i)
		d.up(i)
	}
}

func (d *Due) less(i, j int) bool {
	a, b := &d.heap[i], &d.heap[j]
	return a.at < b.at || (a.at == b.at && a.id < b.id)
}

func (d *Due) swap(i, j int) {
	d.heap[i], d.heap[j] = d.heap[j], d.heap[i]
	d.index[d.heap[i].id] = i
	d.index[d.heap[j].id] = j
}

func (d *Due) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !d.less(i, p) {
			return
		}
		d.swap(i, p)
		i = p
	}
}

func (d *Due) down(i int) {
	n := len(d.heap)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && d.less(r, l) {
			m = r
		}
		if !d.less(m, i) {
			return
		}
		d.swap(i, m)
		i = m
	}
}
