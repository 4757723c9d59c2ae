package disk

import (
	"fmt"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/libbt/libbt/core/guard"
)

// mlock is a seam for tests (the limit does not apply to root).
var mlock = unix.Mlock

// slabBlocks is how many cache blocks one mmap'd slab holds (1 MiB).
const slabBlocks = 64

// arena hands out BlockSize slots of memory outside the Go heap: anonymous
// mmap'd slabs, allocated lazily up to the budget and mlock'd unless locking
// is off. The garbage collector never scans or moves them. When mlock is
// refused (RLIMIT_MEMLOCK) the arena keeps going with unlocked memory and
// reports it once through onLockFailed. When mmap itself fails it falls
// back to Go heap slabs (reported the same way). Slabs are unmapped only by
// release, after every user is gone.
//
// Not safe for concurrent use: the cache calls it under its own lock.
type arena struct {
	maxSlots int
	carved   int // slots handed out from slabs so far (free ones included)
	peak     int // most slots in use at once (tests check the budget)
	free     [][]byte
	slabs    [][]byte // mmap'd slabs, unmapped by release
	lock     bool
	failed   bool // mlock (or mmap) refused once: stop trying, reported
	onFail   func(error)

	lockedBytes atomic.Int64
	slabBytes   atomic.Int64
}

func newArena(maxSlots int, lock bool, onFail func(error)) *arena {
	return &arena{maxSlots: maxSlots, lock: lock, onFail: onFail}
}

// get returns a free BlockSize slot, or nil when the budget is used up.
func (a *arena) get() []byte {
	if n := len(a.free); n > 0 {
		b := a.free[n-1]
		a.free[n-1] = nil
		a.free = a.free[:n-1]
		a.peak = max(a.peak, a.inUse())
		return b[:BlockSize]
	}
	if a.carved >= a.maxSlots {
		return nil
	}
	a.grow()
	return a.get()
}

// put returns a slot obtained from get.
func (a *arena) put(b []byte) { a.free = append(a.free, b[:BlockSize:BlockSize]) }

// inUse is the number of slots handed out and not returned.
func (a *arena) inUse() int { return a.carved - len(a.free) }

// grow maps one more slab (smaller at the end of the budget) and carves it.
func (a *arena) grow() {
	n := min(slabBlocks, a.maxSlots-a.carved)
	size := n * BlockSize
	mem, err := unix.Mmap(-1, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		a.report(fmt.Errorf("disk: cache: mmap %d bytes: %w (using Go heap memory)", size, err))
		mem = make([]byte, size)
	} else {
		a.slabs = append(a.slabs, mem)
		if a.lock && !a.failed {
			if err := mlock(mem); err != nil {
				a.report(fmt.Errorf("disk: cache: mlock %d bytes: %w (RLIMIT_MEMLOCK?); cache memory is not locked", size, err))
			} else {
				a.lockedBytes.Add(int64(size))
			}
		}
	}
	a.slabBytes.Add(int64(size))
	for i := n - 1; i >= 0; i-- {
		a.free = append(a.free, mem[i*BlockSize:(i+1)*BlockSize:(i+1)*BlockSize])
	}
	a.carved += n
}

func (a *arena) report(err error) {
	if a.failed {
		return
	}
	a.failed = true
	if a.onFail != nil {
		guard.Go("disk cache failure report", func() { a.onFail(err) }, nil) // never under the cache lock
	}
}

// release unmaps every slab. No slot may be used afterwards.
func (a *arena) release() {
	for _, s := range a.slabs {
		unix.Munmap(s) // unlocks too
	}
	a.slabs = nil
	a.free = nil
	a.carved = 0
	a.maxSlots = 0
	a.lockedBytes.Store(0)
	a.slabBytes.Store(0)
}
