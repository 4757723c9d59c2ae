package disk

import (
	"math"
	"sync"
)

// scheduler orders the jobs of one Storage. A job waits for every earlier,
// still unfinished job of the same Storage whose byte range overlaps its own
// when either of the two writes (barriers count as writes of everything).
// Reads of overlapping ranges and all disjoint jobs run in parallel.
//
// Its fields are guarded by the Storage's own mutex; the cost of add is
// linear in the number of unfinished jobs of that Storage (bounded in
// practice by the write back-pressure limit).
type scheduler struct {
	mu     sync.Mutex
	active []*job
}

// barrierEnd is the end of a job that covers the whole storage.
const barrierEnd = math.MaxInt64

type priority int

const (
	prioRead       priority = iota // peer requests: latency matters
	prioWrite                      // writes, barriers
	prioBackground                 // verification
	numPrio
)

// job is one unit of disk work.
type job struct {
	d        *IO
	st       *Storage
	off, end int64 // byte range [off, end)
	excl     bool  // modifies the range (write or barrier)
	prio     priority
	run      func(w *worker)

	deps    int    // unfinished earlier jobs this one waits for
	waiters []*job // later jobs waiting for this one
	idx     int    // position in scheduler.active
}

func conflicts(a, b *job) bool {
	return (a.excl || b.excl) && a.off < b.end && b.off < a.end
}

// add registers j and reports whether it can run now.
func (s *scheduler) add(j *job) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range s.active {
		if conflicts(a, j) {
			a.waiters = append(a.waiters, j)
			j.deps++
		}
	}
	j.idx = len(s.active)
	s.active = append(s.active, j)
	return j.deps == 0
}

// finish unregisters j and returns the jobs that became runnable.
func (s *scheduler) finish(j *job) []*job {
	s.mu.Lock()
	defer s.mu.Unlock()
	last := len(s.active) - 1
	s.active[j.idx] = s.active[last]
	s.active[j.idx].idx = j.idx
	s.active[last] = nil
	s.active = s.active[:last]
	var ready []*job
	for _, w := range j.waiters {
		w.deps--
		if w.deps == 0 {
			ready = append(ready, w)
		}
	}
	j.waiters = nil
	return ready
}
