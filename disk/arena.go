package disk

import (
	"cmp"
	"fmt"
	"slices"
	"sync/atomic"
	"unsafe"

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
// back to Go heap slabs (reported the same way). A slab goes back to the
// system when trim finds all of its slots free (the cache trims when a
// storage's blocks are dropped: a removed torrent's cache memory is returned),
// and all of them on release, after every user is gone.
//
// Not safe for concurrent use: the cache calls it under its own lock.
type arena struct {
	maxSlots int
	carved   int // slots handed out from slabs so far (free ones included)
	peak     int // most slots in use at once (tests check the budget)
	free     [][]byte
	slabs    []slab // unmapped by trim (when wholly free) or release
	lock     bool
	failed   bool // mlock (or mmap) refused once: stop trying, reported
	onFail   func(error)

	lockedBytes atomic.Int64
	slabBytes   atomic.Int64
}

// slab is one mmap'd (or, when mmap failed, Go heap) run of slots.
type slab struct {
	mem    []byte
	mapped bool // else Go heap: dropped, not unmapped
	locked bool
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
	sl := slab{mem: mem, mapped: err == nil}
	if err != nil {
		a.report(fmt.Errorf("disk: cache: mmap %d bytes: %w (using Go heap memory)", size, err))
		mem = make([]byte, size)
		sl.mem = mem
	} else if a.lock && !a.failed {
		if err := mlock(mem); err != nil {
			a.report(fmt.Errorf("disk: cache: mlock %d bytes: %w (RLIMIT_MEMLOCK?); cache memory is not locked", size, err))
		} else {
			sl.locked = true
			a.lockedBytes.Add(int64(size))
		}
	}
	a.slabs = append(a.slabs, sl)
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

// trim returns every slab whose slots are all free to the system (munmap,
// which also unlocks it) and forgets its slots. O(free slots × log slabs);
// the cache calls it when a storage's blocks are dropped, not per block.
func (a *arena) trim() {
	if len(a.free) == 0 {
		return
	}
	base := func(b []byte) uintptr { return uintptr(unsafe.Pointer(unsafe.SliceData(b))) }
	slices.SortFunc(a.slabs, func(x, y slab) int { return cmp.Compare(base(x.mem), base(y.mem)) })
	// owner finds the slab holding slot b: the last one starting at or before it.
	owner := func(b []byte) int {
		i, _ := slices.BinarySearchFunc(a.slabs, base(b), func(s slab, p uintptr) int {
			return cmp.Compare(base(s.mem), p)
		})
		if i == len(a.slabs) || base(a.slabs[i].mem) != base(b) {
			i--
		}
		return i
	}
	freeSlots := make([]int, len(a.slabs))
	for _, b := range a.free {
		freeSlots[owner(b)]++
	}
	gone := make([]bool, len(a.slabs))
	n := 0
	for i, s := range a.slabs {
		if freeSlots[i] == len(s.mem)/BlockSize {
			gone[i] = true
			n++
		}
	}
	if n == 0 {
		return
	}
	a.free = slices.DeleteFunc(a.free, func(b []byte) bool { return gone[owner(b)] })
	kept := a.slabs[:0]
	for i, s := range a.slabs {
		if !gone[i] {
			kept = append(kept, s)
			continue
		}
		a.drop(s)
	}
	clear(a.slabs[len(kept):])
	a.slabs = kept
}

// drop gives one slab back and uncounts it.
func (a *arena) drop(s slab) {
	if s.mapped {
		unix.Munmap(s.mem) // unlocks too
	}
	if s.locked {
		a.lockedBytes.Add(-int64(len(s.mem)))
	}
	a.slabBytes.Add(-int64(len(s.mem)))
	a.carved -= len(s.mem) / BlockSize
}

// release unmaps every slab. No slot may be used afterwards.
func (a *arena) release() {
	for _, s := range a.slabs {
		if s.mapped {
			unix.Munmap(s.mem) // unlocks too
		}
	}
	a.slabs = nil
	a.free = nil
	a.carved = 0
	a.maxSlots = 0
	a.lockedBytes.Store(0)
	a.slabBytes.Store(0)
}
