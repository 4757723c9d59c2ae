package disk

import (
	"bytes"
	"crypto/sha1"
	"errors"
	"fmt"
)

func checkPiece(st *Storage, pc Piece) error {
	if pc.Index < 0 || pc.Offset < 0 || pc.Size <= 0 || pc.Offset > st.Length()-pc.Size {
		return fmt.Errorf("%w: piece %d [%d, +%d) of %d", ErrOutOfRange, pc.Index, pc.Offset, pc.Size, st.Length())
	}
	return nil
}

// WriteBlock puts one received block of piece pc into the write cache.
// begin must be a multiple of BlockSize and data exactly the block's
// length (BlockSize, or less for the last block of a piece). done is
// called, on a disk goroutine, once data has been copied (the caller may
// reuse it then): err is non-nil only if the block had to be written
// straight to disk (no cache slot could be freed) and that write failed.
//
// Blocks are hashed as soon as they extend the piece's contiguous prefix,
// on the disk goroutine. Nothing is written until FinishPiece, unless the
// cache runs out of room: then the least recently updated piece with
// unwritten blocks is flushed first (its running hash is kept; blocks
// flushed before being hashed are read back by FinishPiece).
//
// Writing a block that is already cached replaces it (and the piece is then
// hashed again from scratch in FinishPiece). WriteBlock counts towards the
// write queue (WriteQueueFull, Writable) until done.
func (d *IO) WriteBlock(st *Storage, pc Piece, begin int, data []byte, done func(err error)) {
	if err := checkPiece(st, pc); err != nil {
		d.goCallback(st, func() { done(err) })
		return
	}
	if begin < 0 || begin%BlockSize != 0 || int64(begin) >= pc.Size || len(data) != blockLen(pc, begin/BlockSize) {
		d.goCallback(st, func() {
			done(fmt.Errorf("%w: block of %d bytes at %d of piece %d (%d bytes)", ErrOutOfRange, len(data), begin, pc.Index, pc.Size))
		})
		return
	}
	n := int64(len(data))
	off := pc.Offset + int64(begin)
	j := &job{d: d, st: st, off: off, end: off + n, excl: true, prio: prioWrite}
	j.queueWrite(n)
	j.run = func(*worker) {
		p, err := d.cache.writeBlock(st, pc, begin/BlockSize, data)
		j.releaseQueued()
		done(err)
		d.cache.mu.Lock()
		d.cache.hashLocked(p)
		d.cache.mu.Unlock()
	}
	d.submit(j, func(err error) { j.releaseQueued(); done(err) })
}

// writeBlock copies data into a cache slot as block bi of pc and returns
// the piece entry.
func (c *cache) writeBlock(st *Storage, pc Piece, bi int, data []byte) (*cpiece, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		p := c.pieceLocked(st, pc, true)
		old := p.blocks[bi]
		if old != nil && (old.loading || old.inflight) {
			c.cond.Wait()
			continue
		}
		if old == nil && int64(bi)*BlockSize < p.hashed {
			// A block already hashed, then flushed and evicted, is being replaced.
			p.rehash = true
		}
		if old != nil {
			if int64(bi)*BlockSize < p.hashed || p.hashing {
				p.rehash = true
			}
			if old.pins == 0 {
				// Replace in place.
				copy(old.buf, data)
				if !old.dirty {
					c.markDirtyLocked(p, old)
				}
				c.relist(p, true, false)
				return p, nil
			}
			c.removeLocked(p, bi)
		}
		buf := c.allocWriteLocked()
		if p2 := c.pieceLocked(st, pc, true); p2 != p || p.blocks[bi] != nil {
			// The lock was released while flushing: look again.
			if buf != nil {
				c.arena.put(buf)
			}
			continue
		}
		if buf == nil {
			// Every slot is in use: write this block through.
			c.ctr.writeThroughs.Add(1)
			p.flushing++
			c.mu.Unlock()
			_, err := st.writeBlocksAt([][]byte{data}, pc.Offset+int64(bi)*BlockSize, c.ctr)
			c.mu.Lock()
			p.flushing--
			c.cond.Broadcast()
			if err != nil && p.err == nil {
				p.err = err
			}
			if err == nil {
				p.written += int64(len(data))
			}
			return p, err
		}
		buf = buf[:len(data)]
		copy(buf, data)
		c.insertLocked(p, bi, &cblock{buf: buf, dirty: true})
		c.relist(p, true, false)
		return p, nil
	}
}

func (c *cache) markDirtyLocked(p *cpiece, b *cblock) {
	b.dirty = true
	p.nclean--
	c.nclean--
	p.ndirty++
	c.ndirty++
}

// FinishPiece completes piece pc once all its blocks have been given to
// WriteBlock: it finishes the hash (from memory; blocks that had to be
// flushed before being hashed are read back), compares it with want and
// calls done on a disk goroutine. A piece that matches is written with one
// vectored write per file it spans and done gets ok = true once it is on
// disk; its blocks stay cached as read blocks. A piece that does not match
// is dropped from the cache, nothing of it written (unless flushed early
// for room), and done gets ok = false with a nil error. err is set when a
// write or read-back failed; the piece's cached blocks are dropped then.
//
// FinishPiece is ordered after every earlier WriteBlock of the piece.
func (d *IO) FinishPiece(st *Storage, pc Piece, want [20]byte, done func(ok bool, err error)) {
	d.FinishPieceDigests(st, pc, want, false, func(ok bool, _ []BlockDigest, err error) { done(ok, err) })
}

// BlockDigest is the SHA-1 of one block of a piece (BlockSize bytes, the last block of a piece
// shorter): what core/smartban compares to tell which sender's blocks were bad.
type BlockDigest = [20]byte

// FinishPieceDigests is FinishPiece that also passes done the digest of every block of the
// piece, in order: always when the piece fails its hash (taken before its blocks are dropped;
// blocks already flushed are read back), and when it passes only if onPass is set (a piece
// that failed before, whose good copy is compared with the bad one). digests is nil otherwise,
// and when a block could not be read back for it (the verdict stands).
func (d *IO) FinishPieceDigests(st *Storage, pc Piece, want [20]byte, onPass bool, done func(ok bool, digests []BlockDigest, err error)) {
	if err := checkPiece(st, pc); err != nil {
		d.goCallback(st, func() { done(false, nil, err) })
		return
	}
	j := &job{d: d, st: st, off: pc.Offset, end: pc.Offset + pc.Size, excl: true, prio: prioWrite}
	j.run = func(w *worker) {
		ok, digests, err := d.cache.finish(w, st, pc, want, onPass)
		done(ok, digests, err)
	}
	d.submit(j, func(err error) { done(false, nil, err) })
}

func (c *cache) finish(w *worker, st *Storage, pc Piece, want [20]byte, onPass bool) (bool, []BlockDigest, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.pieceLocked(st, pc, false)
	if p == nil {
		// Nothing cached (all written by IO.Write): hash from disk.
		c.ctr.readBacks.Add(1)
		c.mu.Unlock()
		sum, err := w.hashRange(st, pc.Offset, pc.Size, c.ctr)
		c.mu.Lock()
		if err != nil {
			return false, nil, err
		}
		ok := sum == want
		if ok {
			c.ctr.flushed.Add(1)
		} else {
			c.ctr.failed.Add(1)
			c.ctr.failedWritten.Add(uint64(pc.Size)) // all of it is in the files
		}
		var digests []BlockDigest
		if !ok || onPass {
			digests = c.blockDigestsLocked(w, st, pc, nil)
		}
		return ok, digests, nil
	}
	for p.hashing || p.flushing > 0 {
		c.cond.Wait()
	}
	p.finishing = true
	c.relist(p, false, false) // off the write LRU: no budget flush of it now
	if p.err != nil {
		err := p.err
		c.dropPieceLocked(p)
		return false, nil, err
	}
	if p.rehash || p.h == nil {
		p.h, p.hashed, p.rehash = sha1.New(), 0, false
	}
	readBack := false
	for p.hashed < pc.Size {
		bi := int(p.hashed / BlockSize)
		n := blockLen(pc, bi)
		var data []byte
		b := p.blocks[bi]
		if b != nil {
			b.pins++
			data = b.buf
		} else {
			readBack = true
			c.ctr.readBackBlocks.Add(1)
			if cap(w.scratch) < BlockSize {
				w.scratch = make([]byte, BlockSize)
			}
			data = w.scratch[:n]
		}
		c.mu.Unlock()
		var err error
		if b == nil {
			_, err = st.readAt(data, pc.Offset+int64(bi)*BlockSize, c.ctr)
		}
		if err == nil {
			p.h.Write(data)
		}
		c.mu.Lock()
		if b != nil {
			c.unpinLocked(b)
		}
		if err != nil {
			c.dropPieceLocked(p)
			return false, nil, err
		}
		p.hashed += int64(n)
	}
	if readBack {
		c.ctr.readBacks.Add(1)
	}
	var sum [20]byte
	p.h.Sum(sum[:0])
	if !bytes.Equal(sum[:], want[:]) {
		c.ctr.failed.Add(1)
		c.ctr.failedWritten.Add(uint64(p.written))
		digests := c.blockDigestsLocked(w, st, pc, p)
		c.dropPieceLocked(p)
		return false, digests, nil
	}
	var digests []BlockDigest
	if onPass {
		digests = c.blockDigestsLocked(w, st, pc, p)
	}
	if err := c.flushLocked(p, flushComplete); err != nil {
		c.dropPieceLocked(p)
		return false, nil, err
	}
	c.ctr.flushed.Add(1)
	p.h, p.hashed, p.finishing, p.written = nil, 0, false, 0
	c.relist(p, false, true) // its blocks are now the most recent read blocks
	c.maybeDropLocked(p)
	return true, digests, nil
}

// blockDigestsLocked hashes each block of pc on its own: from the cache where p (which may be
// nil) holds it, else read back from the files. It returns nil if a read fails.
func (c *cache) blockDigestsLocked(w *worker, st *Storage, pc Piece, p *cpiece) []BlockDigest {
	out := make([]BlockDigest, pc.numBlocks())
	for bi := range out {
		n := blockLen(pc, bi)
		var b *cblock
		if p != nil {
			b = p.blocks[bi]
		}
		var data []byte
		if b != nil && !b.loading {
			b.pins++
			data = b.buf
		} else {
			b = nil
			if cap(w.scratch) < BlockSize {
				w.scratch = make([]byte, BlockSize)
			}
			data = w.scratch[:n]
		}
		c.mu.Unlock()
		var err error
		if b == nil {
			_, err = st.readAt(data, pc.Offset+int64(bi)*BlockSize, c.ctr)
		}
		if err == nil {
			out[bi] = sha1.Sum(data)
		}
		c.mu.Lock()
		if b != nil {
			c.unpinLocked(b)
		}
		if err != nil {
			return nil
		}
	}
	return out
}

// ReadBlock reads length bytes at begin of piece pc and passes them to
// done, on a disk goroutine. data points into cache memory and is valid
// only until done returns: copy what you need (the session appends it to
// the peer's send buffer) and never keep it. On error data is nil.
//
// A block not in the cache is read together with the rest of the piece's
// uncached blocks around it (one preadv per file), on the assumption that
// the peer will ask for the following blocks; they are then served from
// memory. Read blocks never push written blocks out of the cache; when no
// slot can be found the bytes are read without caching them.
func (d *IO) ReadBlock(st *Storage, pc Piece, begin, length int, done func(data []byte, err error)) {
	if err := checkPiece(st, pc); err != nil {
		d.goCallback(st, func() { done(nil, err) })
		return
	}
	if begin < 0 || length <= 0 || int64(begin)+int64(length) > pc.Size {
		d.goCallback(st, func() {
			done(nil, fmt.Errorf("%w: read of %d bytes at %d of piece %d (%d bytes)", ErrOutOfRange, length, begin, pc.Index, pc.Size))
		})
		return
	}
	off := pc.Offset + int64(begin)
	j := &job{d: d, st: st, off: off, end: off + int64(length), prio: prioRead}
	j.run = func(*worker) {
		if err := d.cache.read(st, pc, begin, length, done); err != nil {
			done(nil, err)
		}
	}
	d.submit(j, func(err error) { done(nil, err) })
}

// errNoRoom makes read fall back to an uncached read.
var errNoRoom = errors.New("disk: no cache room")

// read serves [begin, begin+length) of pc through the cache and calls fn
// with the bytes; an error is returned (fn not called) if the read fails.
func (c *cache) read(st *Storage, pc Piece, begin, length int, fn func([]byte, error)) error {
	first, last := begin/BlockSize, (begin+length-1)/BlockSize
	pinned := make([]*cblock, 0, last-first+1)
	c.mu.Lock()
	unpinAll := func() {
		for _, b := range pinned {
			c.unpinLocked(b)
		}
	}
	missed := false
	for bi := first; bi <= last; {
		p := c.pieceLocked(st, pc, true)
		b := p.blocks[bi]
		if b != nil && b.loading {
			c.cond.Wait()
			continue
		}
		if b != nil {
			if b.ahead {
				b.ahead = false
				c.ahead = min(c.ahead+1, maxAhead)
			}
			b.pins++
			pinned = append(pinned, b)
			c.relist(p, false, true)
			bi++
			continue
		}
		if !missed {
			missed = true
			c.ctr.misses.Add(1)
		}
		if bi > 0 && p.blocks[bi-1] != nil && !p.blocks[bi-1].ahead {
			// A reader moving on from a block it had: a bigger window would have had this one
			// too (and a window shrunk to nothing learns again here).
			c.ahead = min(c.ahead+1, maxAhead)
		}
		err := c.readAheadLocked(p, bi)
		if err == errNoRoom {
			unpinAll()
			c.maybeDropLocked(p)
			c.mu.Unlock()
			return c.readUncached(st, pc, begin, length, fn)
		}
		if err != nil {
			unpinAll()
			c.maybeDropLocked(p)
			c.mu.Unlock()
			return err
		}
	}
	if !missed {
		c.ctr.hits.Add(1)
	}
	c.mu.Unlock()

	var data []byte
	if first == last {
		lo := begin - first*BlockSize
		data = pinned[0].buf[lo : lo+length]
		fn(data, nil)
	} else {
		data = make([]byte, 0, length)
		for i, b := range pinned {
			lo, hi := 0, len(b.buf)
			if i == 0 {
				lo = begin - first*BlockSize
			}
			if i == len(pinned)-1 {
				hi = begin + length - last*BlockSize
			}
			data = append(data, b.buf[lo:hi]...)
		}
		fn(data, nil)
	}
	c.mu.Lock()
	unpinAll()
	c.mu.Unlock()
	return nil
}

func (c *cache) readUncached(st *Storage, pc Piece, begin, length int, fn func([]byte, error)) error {
	var buf []byte
	if length <= BlockSize {
		buf = GetBuffer()[:length]
		defer ReleaseBuffer(buf)
	} else {
		buf = make([]byte, length)
	}
	if _, err := st.readAt(buf, pc.Offset+int64(begin), c.ctr); err != nil {
		return err
	}
	fn(buf, nil)
	return nil
}

// readAheadLocked loads the run of uncached blocks of p around bi (back to
// the previous cached block, forward to the next one or the piece's end)
// with one vectored read per file, as far as free or evictable slots and
// the read-ahead window (c.ahead blocks besides bi) go. The run always
// contains bi; errNoRoom if not even bi fits.
func (c *cache) readAheadLocked(p *cpiece, bi int) error {
	lo, hi := bi, bi
	for lo > 0 && p.blocks[lo-1] == nil {
		lo--
	}
	for hi+1 < len(p.blocks) && p.blocks[hi+1] == nil {
		hi++
	}
	slots := map[int][]byte{}
	get := func(i int) bool {
		b := c.allocReadLocked()
		if b == nil {
			return false
		}
		slots[i] = b
		return true
	}
	if !get(bi) {
		return errNoRoom
	}
	budget := c.ahead
	end := bi + 1
	for end <= hi && budget > 0 && get(end) {
		end++
		budget--
	}
	start := bi
	if end > hi { // the rest of the piece fits: also fill in before bi
		for start > lo && budget > 0 && get(start-1) {
			start--
			budget--
		}
	}
	c.ctr.aheadLoaded.Add(uint64(end - start - 1))
	bufs := make([][]byte, 0, end-start)
	blocks := make([]*cblock, 0, end-start)
	for i := start; i < end; i++ {
		// Pinned while loading: the slot must outlive the read even if the
		// piece is dropped meanwhile.
		b := &cblock{buf: slots[i][:blockLen(p.pc, i)], loading: true, pins: 1, ahead: i != bi}
		c.insertLocked(p, i, b)
		bufs = append(bufs, b.buf)
		blocks = append(blocks, b)
	}
	c.mu.Unlock()
	_, err := p.st.readV(bufs, p.pc.Offset+int64(start)*BlockSize, c.ctr)
	c.mu.Lock()
	for i, b := range blocks {
		if p.blocks[start+i] == b {
			if err != nil {
				c.removeLocked(p, start+i) // still loading: not counted as clean
			} else {
				b.loading = false
				p.nclean++
				c.nclean++
			}
		}
		b.loading = false
		c.unpinLocked(b)
	}
	c.relist(p, false, true)
	c.cond.Broadcast()
	return err
}
