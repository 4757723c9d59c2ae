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
// Unfinished jobs are indexed by the 1 MiB regions they touch, so adding a
// 16 KiB write looks only at the jobs in its region (plus the few "wide"
// jobs, such as barriers, that span more than wideRegions regions), not at
// the whole queue.
type scheduler struct {
	mu      sync.Mutex
	buckets map[int64][]*job // region -> unfinished non-wide jobs touching it
	wide    []*job           // unfinished jobs spanning many regions
	epoch   uint64           // visit marker for add, to count each conflict once
}

const (
	regionShift = 20 // 1 MiB regions
	wideRegions = 64
)

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
	queued   int64 // bytes counted in the IO's write queue until released (releaseQueued)

	// Guarded by the scheduler's mutex.
	deps    int    // unfinished earlier jobs this one waits for
	waiters []*job // later jobs waiting for this one
	mark    uint64 // last scheduler epoch that looked at this job
}

func conflicts(a, b *job) bool {
	return (a.excl || b.excl) && a.off < b.end && b.off < a.end
}

// regions returns the first and last region of j and whether j is wide.
// An empty range touches no region.
func (j *job) regions() (first, last int64, wide, empty bool) {
	if j.end <= j.off {
		return 0, 0, false, true
	}
	first, last = j.off>>regionShift, (j.end-1)>>regionShift
	return first, last, last-first >= wideRegions, false
}

// add registers j and reports whether it can run now.
func (s *scheduler) add(j *job) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.buckets == nil {
		s.buckets = make(map[int64][]*job)
	}
	first, last, wide, empty := j.regions()
	if empty {
		return true
	}
	s.epoch++
	visit := func(a *job) {
		if a.mark == s.epoch {
			return
		}
		a.mark = s.epoch
		if conflicts(a, j) {
			a.waiters = append(a.waiters, j)
			j.deps++
		}
	}
	for _, a := range s.wide {
		visit(a)
	}
	if wide {
		for _, b := range s.buckets {
			for _, a := range b {
				visit(a)
			}
		}
		s.wide = append(s.wide, j)
	} else {
		for r := first; r <= last; r++ {
			for _, a := range s.buckets[r] {
				visit(a)
			}
			s.buckets[r] = append(s.buckets[r], j)
		}
	}
	return j.deps == 0
}

// finish unregisters j and returns the jobs that became runnable.
func (s *scheduler) finish(j *job) []*job {
	s.mu.Lock()
	defer s.mu.Unlock()
	first, last, wide, empty := j.regions()
	switch {
	case empty:
	case wide:
		if s.wide = removeJob(s.wide, j); len(s.wide) == 0 {
			s.wide = nil
		}
	default:
		for r := first; r <= last; r++ {
			if b := removeJob(s.buckets[r], j); len(b) > 0 {
				s.buckets[r] = b
			} else {
				delete(s.buckets, r)
			}
		}
		if len(s.buckets) == 0 {
			s.buckets = nil // an idle storage (a paused torrent's) keeps no map: add makes one
		}
	}
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

// pending returns the number of unfinished jobs (for tests).
func (s *scheduler) pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := map[*job]bool{}
	for _, b := range s.buckets {
		for _, j := range b {
			seen[j] = true
		}
	}
	return len(seen) + len(s.wide)
}

func removeJob(list []*job, j *job) []*job {
	for i, a := range list {
		if a == j {
			last := len(list) - 1
			list[i] = list[last]
			list[last] = nil
			return list[:last]
		}
	}
	return list
}
