package disk

import (
	"container/list"
	"crypto/sha1"
	"hash"
	"sync"
)

// DefaultCacheSize is the block cache budget when CacheOptions.Size is 0.
const DefaultCacheSize = 64 << 20

// CacheOptions tunes the block cache of an IO.
type CacheOptions struct {
	// Size is the total budget in bytes (rounded down to whole blocks, at
	// least 4 blocks), shared dynamically between blocks waiting to be
	// written and blocks read ahead for uploads. Writing comes first: read
	// blocks are evicted before a write ever has to flush early. 0 means
	// DefaultCacheSize. The cache never holds more than this.
	Size int64
	// NoLock leaves cache memory unlocked (no mlock).
	NoLock bool
	// MaxWriteSize caps the bytes of one write system call when blocks are
	// flushed (rounded down to whole blocks); 0 means no cap: one vectored
	// write per run of blocks, so one per piece and file. A cap helps where
	// large page-cache writes are dear: on the test VM (ext4, kernel 6.18)
	// a 1 MiB buffered pwritev gets large folios from memory the hypervisor
	// has to fault in, at several times the CPU of 64 KiB ones, unless the
	// pages are recycled (StorageOptions.DropOSCache, the session default).
	MaxWriteSize int64
	// OnLockFailed, if set, is called once, on a goroutine of its own, when
	// the system refuses to lock cache memory (RLIMIT_MEMLOCK): the cache
	// carries on with unlocked memory. The session turns it into a
	// performance alert.
	OnLockFailed func(err error)
}

// Piece names one piece of a Storage: its index and its byte range in the
// torrent stream.
type Piece struct {
	Index  int
	Offset int64
	Size   int64
}

func (pc Piece) numBlocks() int { return int((pc.Size + BlockSize - 1) / BlockSize) }

// flush reasons, for the counters.
type flushReason int

const (
	flushComplete flushReason = iota // piece passed its hash
	flushBudget                      // room needed: least recently updated partial piece
	flushClose                       // Sync, Close, Verify of the storage
)

// cblock is one cached block: a BlockSize slot of arena memory.
type cblock struct {
	buf      []byte // len = the block's length
	dirty    bool   // not on disk yet
	loading  bool   // being read from disk; wait on the cache's cond
	inflight bool   // being written by a flush; wait on the cond to replace it
	pins     int    // users reading buf outside the lock (hash, send, flush)
	orphan   bool   // removed from its piece while pinned: freed at last unpin
	ahead    bool   // read ahead and not asked for yet (see cache.ahead)
}

// cpiece is the cache's state of one piece: its blocks and, while it is
// being downloaded, the running SHA-1 of its contiguous prefix.
type cpiece struct {
	st         *Storage
	pc         Piece
	blocks     []*cblock
	ndirty     int
	nclean     int // loaded clean blocks
	welem      *list.Element
	relem      *list.Element
	h          hash.Hash // running hash of [0, hashed); nil when nothing hashed
	hashed     int64
	hashing    bool  // a goroutine is advancing h (others leave it alone)
	rehash     bool  // a hashed block was replaced: start over in FinishPiece
	flushing   int   // flushes of this piece in progress
	finishing  bool  // FinishPiece owns the piece
	err        error // a write of this piece failed (reported by FinishPiece)
	blockCount int   // non-nil entries of blocks (loading included)
	written    int64 // bytes in the files before the piece was verified (budget flushes, write-throughs)
}

// cache is the block cache shared by all storages of one IO. One mutex
// guards all metadata; copying into slots happens under it, but disk I/O
// and hashing run with it released and the blocks involved pinned.
type cache struct {
	mu     sync.Mutex
	cond   *sync.Cond
	arena  *arena
	pieces map[*Storage]map[int]*cpiece
	wlru   list.List // pieces with dirty blocks; front = most recently written
	rlru   list.List // pieces with clean blocks; front = most recently used
	ndirty int
	nclean int
	ctr    *counters
	noLock bool
	maxRun int // blocks per write call, 0 = unlimited
	// ahead is how many blocks a miss reads beyond the one asked for (up to the piece's end):
	// one more for every block read ahead that is then asked for, half as many for every one
	// evicted unasked. Whole pieces while they are used; with more readers than the cache
	// holds (thousands of slow peers on different pieces), read-ahead would evict itself
	// before use and read every byte many times (10x measured: 300 torrents x 5 peers), so it
	// shrinks until what it reads is used.
	ahead int
}

// maxAhead bounds cache.ahead: 16 MiB, more than a piece of any torrent libtorrent would make.
const maxAhead = 1024

func newCache(opts CacheOptions, ctr *counters) *cache {
	size := opts.Size
	if size <= 0 {
		size = DefaultCacheSize
	}
	slots := int(max(size/BlockSize, 4))
	c := &cache{
		arena:  newArena(slots, !opts.NoLock, opts.OnLockFailed),
		pieces: make(map[*Storage]map[int]*cpiece),
		ctr:    ctr,
		noLock: opts.NoLock,
		ahead:  maxAhead,
	}
	if opts.MaxWriteSize > 0 {
		c.maxRun = int(max(opts.MaxWriteSize/BlockSize, 1))
	}
	c.cond = sync.NewCond(&c.mu)
	return c
}

func blockLen(pc Piece, bi int) int {
	return int(min(BlockSize, pc.Size-int64(bi)*BlockSize))
}

// pieceLocked returns the entry of pc, creating it if create is set.
func (c *cache) pieceLocked(st *Storage, pc Piece, create bool) *cpiece {
	m := c.pieces[st]
	if p := m[pc.Index]; p != nil || !create {
		return p
	}
	if m == nil {
		m = make(map[int]*cpiece)
		c.pieces[st] = m
	}
	p := &cpiece{st: st, pc: pc, blocks: make([]*cblock, pc.numBlocks())}
	m[pc.Index] = p
	return p
}

// relist puts p on (or off) the write and read LRU lists after a change;
// touchW / touchR also make it the most recent there.
func (c *cache) relist(p *cpiece, touchW, touchR bool) {
	switch {
	case p.ndirty == 0 || p.finishing:
		if p.welem != nil {
			c.wlru.Remove(p.welem)
			p.welem = nil
		}
	case p.welem == nil:
		p.welem = c.wlru.PushFront(p)
	case touchW:
		c.wlru.MoveToFront(p.welem)
	}
	switch {
	case p.nclean == 0:
		if p.relem != nil {
			c.rlru.Remove(p.relem)
			p.relem = nil
		}
	case p.relem == nil:
		p.relem = c.rlru.PushFront(p)
	case touchR:
		c.rlru.MoveToFront(p.relem)
	}
}

// maybeDropLocked forgets p once it holds nothing.
func (c *cache) maybeDropLocked(p *cpiece) {
	if p.blockCount > 0 || p.hashing || p.flushing > 0 || p.finishing || p.h != nil || p.err != nil || p.written > 0 {
		return
	}
	c.relist(p, false, false)
	if m := c.pieces[p.st]; m[p.pc.Index] == p {
		delete(m, p.pc.Index)
		if len(m) == 0 {
			delete(c.pieces, p.st)
		}
	}
}

// insertLocked puts a new block at bi of p.
func (c *cache) insertLocked(p *cpiece, bi int, b *cblock) {
	p.blocks[bi] = b
	p.blockCount++
	switch {
	case b.dirty:
		p.ndirty++
		c.ndirty++
	case !b.loading:
		p.nclean++
		c.nclean++
	}
}

// removeLocked takes block bi out of p and frees its slot, or leaves that
// to the last unpin.
func (c *cache) removeLocked(p *cpiece, bi int) {
	b := p.blocks[bi]
	if b == nil {
		return
	}
	p.blocks[bi] = nil
	p.blockCount--
	switch {
	case b.dirty:
		p.ndirty--
		c.ndirty--
	case !b.loading:
		p.nclean--
		c.nclean--
	}
	b.orphan = true
	if b.pins == 0 {
		c.arena.put(b.buf)
		b.buf = nil
	}
}

func (c *cache) unpinLocked(b *cblock) {
	b.pins--
	if b.pins == 0 && b.orphan && b.buf != nil {
		c.arena.put(b.buf)
		b.buf = nil
	}
}

// markCleanLocked turns a dirty block of p into a clean one.
func (c *cache) markCleanLocked(p *cpiece, b *cblock) {
	if !b.dirty || b.orphan {
		b.dirty = false
		return
	}
	b.dirty = false
	p.ndirty--
	c.ndirty--
	p.nclean++
	c.nclean++
}

// evictCleanLocked frees one clean, unused block, taken from the least
// recently used piece that has one. It reports whether it freed anything.
func (c *cache) evictCleanLocked() bool {
	for e := c.rlru.Back(); e != nil; e = e.Prev() {
		p := e.Value.(*cpiece)
		for bi, b := range p.blocks {
			if b != nil && !b.dirty && !b.loading && b.pins == 0 {
				if b.ahead {
					c.ahead /= 2
					c.ctr.aheadWasted.Add(1)
				}
				c.removeLocked(p, bi)
				c.relist(p, false, false)
				c.maybeDropLocked(p)
				return true
			}
		}
	}
	return false
}

// allocReadLocked returns a free slot for read-ahead: free memory or an
// evicted clean block, never by flushing written data. nil if none.
func (c *cache) allocReadLocked() []byte {
	for {
		if b := c.arena.get(); b != nil {
			return b
		}
		if !c.evictCleanLocked() {
			return nil
		}
	}
}

// allocWriteLocked returns a free slot for a written block: free memory,
// else an evicted clean block, else it flushes the least recently updated
// piece with dirty blocks (which may release the lock) and takes one of
// those. nil only when every block is in use by someone.
func (c *cache) allocWriteLocked() []byte {
	for {
		if b := c.allocReadLocked(); b != nil {
			return b
		}
		v := c.flushVictimLocked()
		if v == nil {
			return nil
		}
		c.flushLocked(v, flushBudget)
	}
}

// flushVictimLocked picks the least recently updated piece that has dirty
// blocks not already being written.
func (c *cache) flushVictimLocked() *cpiece {
	for e := c.wlru.Back(); e != nil; e = e.Prev() {
		p := e.Value.(*cpiece)
		for _, b := range p.blocks {
			if b != nil && b.dirty && !b.inflight {
				return p
			}
		}
	}
	return nil
}

// flushLocked writes the dirty blocks of p, one vectored write per run of
// consecutive blocks (split by Storage only at file boundaries), and marks
// them clean. The lock is released during the writes. A failed write drops
// the blocks and is kept as p.err.
func (c *cache) flushLocked(p *cpiece, reason flushReason) error {
	type run struct {
		first  int
		blocks []*cblock
	}
	var runs []run
	for bi, b := range p.blocks {
		if b == nil || !b.dirty || b.inflight {
			continue
		}
		if n := len(runs); n > 0 && runs[n-1].first+len(runs[n-1].blocks) == bi &&
			(c.maxRun == 0 || len(runs[n-1].blocks) < c.maxRun) {
			runs[n-1].blocks = append(runs[n-1].blocks, b)
		} else {
			runs = append(runs, run{first: bi, blocks: []*cblock{b}})
		}
		b.inflight = true
		b.pins++
	}
	if len(runs) == 0 {
		return nil
	}
	switch reason {
	case flushComplete:
		c.ctr.flushComplete.Add(1)
	case flushBudget:
		c.ctr.flushBudget.Add(1)
	default:
		c.ctr.flushClose.Add(1)
	}
	p.flushing++
	c.mu.Unlock()
	var err error
	var bufs [][]byte
	var written int64
	for _, r := range runs {
		bufs = bufs[:0]
		for _, b := range r.blocks {
			bufs = append(bufs, b.buf)
		}
		var n int
		n, err = p.st.writeBlocksAt(bufs, p.pc.Offset+int64(r.first)*BlockSize, c.ctr)
		written += int64(n)
		if err != nil {
			break
		}
	}
	if err == nil && p.st.writeThrough {
		err = p.st.Sync()
	}
	c.mu.Lock()
	p.flushing--
	if reason != flushComplete {
		p.written += written // unverified data in the files
	}
	for _, r := range runs {
		for i, b := range r.blocks {
			b.inflight = false
			if err == nil {
				c.markCleanLocked(p, b)
			} else if bi := r.first + i; p.blocks[bi] == b {
				c.removeLocked(p, bi)
			}
			c.unpinLocked(b)
		}
	}
	if err != nil && p.err == nil {
		p.err = err
	}
	c.relist(p, false, false)
	c.cond.Broadcast()
	return err
}

// hashLocked advances p's running hash over the blocks present right
// after its prefix. Only one goroutine hashes a piece at a time; one that
// finds another at work leaves the new blocks to it.
func (c *cache) hashLocked(p *cpiece) {
	if p.hashing || p.finishing || p.rehash {
		return
	}
	p.hashing = true
	for p.hashed < p.pc.Size && !p.rehash {
		b := p.blocks[p.hashed/BlockSize]
		if b == nil || b.loading {
			break
		}
		if p.h == nil {
			p.h = sha1.New()
		}
		b.pins++
		c.mu.Unlock()
		p.h.Write(b.buf)
		c.mu.Lock()
		c.unpinLocked(b)
		p.hashed += int64(len(b.buf))
	}
	p.hashing = false
	c.cond.Broadcast()
}

// dropPieceLocked forgets p entirely (waits for its flushes first).
func (c *cache) dropPieceLocked(p *cpiece) {
	for p.flushing > 0 || p.hashing || p.loadingLocked() {
		c.cond.Wait()
	}
	for bi := range p.blocks {
		c.removeLocked(p, bi)
	}
	p.h, p.hashed, p.err, p.rehash, p.finishing, p.written = nil, 0, nil, false, false, 0
	c.maybeDropLocked(p)
}

func (p *cpiece) loadingLocked() bool {
	for _, b := range p.blocks {
		if b != nil && b.loading {
			return true
		}
	}
	return false
}

// storagePiecesLocked lists st's cached pieces.
func (c *cache) storagePiecesLocked(st *Storage) []*cpiece {
	out := make([]*cpiece, 0, len(c.pieces[st]))
	for _, p := range c.pieces[st] {
		out = append(out, p)
	}
	return out
}

// flushStorage writes every dirty block of st (reason close) and, if
// drop is set, then forgets all of st's cached state. It runs inside a
// barrier job, so no other job of st is running; flushes started by other
// storages' evictions are waited for.
func (c *cache) flushStorage(st *Storage, drop bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var first error
	for _, p := range c.storagePiecesLocked(st) {
		for p.flushing > 0 {
			c.cond.Wait()
		}
		if p.ndirty > 0 {
			if err := c.flushLocked(p, flushClose); err != nil && first == nil {
				first = err
			}
		}
		if drop {
			c.dropPieceLocked(p)
		}
	}
	if drop {
		c.arena.trim() // a closed storage's memory goes back to the system
	}
	return first
}

// discardStorage forgets st's cached state without writing anything.
func (c *cache) discardStorage(st *Storage) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, p := range c.storagePiecesLocked(st) {
		c.dropPieceLocked(p)
	}
	c.arena.trim()
}

// invalidate drops cached blocks of st overlapping [off, end): used after
// a write that bypassed the cache (IO.Write).
func (c *cache) invalidate(st *Storage, off, end int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, p := range c.storagePiecesLocked(st) {
		if p.pc.Offset >= end || p.pc.Offset+p.pc.Size <= off {
			continue
		}
		for bi, b := range p.blocks {
			bo := p.pc.Offset + int64(bi)*BlockSize
			if b == nil || bo >= end || bo+int64(len(b.buf)) <= off {
				continue
			}
			for b.loading || b.inflight {
				c.cond.Wait()
			}
			if p.blocks[bi] == b {
				if bo < p.pc.Offset+p.hashed || p.hashing {
					p.rehash = true
				}
				c.removeLocked(p, bi)
			}
		}
		c.relist(p, false, false)
		c.maybeDropLocked(p)
	}
}

// close flushes what is still dirty (best effort) and unmaps the memory.
func (c *cache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for st := range c.pieces {
		for _, p := range c.storagePiecesLocked(st) {
			if p.ndirty > 0 {
				c.flushLocked(p, flushClose)
			}
			c.dropPieceLocked(p)
		}
	}
	c.arena.release()
}

func (c *cache) fill(s *Stats) {
	c.mu.Lock()
	s.WriteBlocks = int64(c.ndirty)
	s.ReadBlocks = int64(c.nclean)
	s.CacheBlocks = int64(c.arena.maxSlots)
	s.ReadAheadWindow = int64(c.ahead)
	s.LockFailed = c.arena.failed && !c.noLock
	c.mu.Unlock()
	s.MappedBytes = c.arena.slabBytes.Load()
	s.LockedBytes = c.arena.lockedBytes.Load()
}
