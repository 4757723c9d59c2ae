package disk

import "sync/atomic"

// Stats is a snapshot of the disk layer's counters, modelled on
// libtorrent's session stats (disk.* and the block cache gauges). Counters
// only grow; gauges are the current value.
type Stats struct {
	// Block cache lookups by ReadBlock, in blocks.
	ReadHits   uint64 // served from memory
	ReadMisses uint64 // needed a disk read (which reads ahead)
	// Read-ahead, in blocks: loaded beside the one a miss asked for, and of those evicted before
	// anyone asked (the window shrinks on each; see ReadAheadWindow).
	ReadAheadBlocks uint64
	ReadAheadWasted uint64

	// System calls: one per file touched by each pread/preadv/pwrite/pwritev.
	ReadSyscalls  uint64
	WriteSyscalls uint64
	ReadBytes     uint64
	WriteBytes    uint64

	// Pieces.
	PiecesFlushed   uint64 // pieces written by FinishPiece after passing their hash
	PiecesFailed    uint64 // pieces that failed their hash in FinishPiece (dropped)
	HashReadBacks   uint64 // pieces FinishPiece had to read (part of) back to hash
	ReadBackBlocks  uint64 // blocks read back for that
	WriteThroughs   uint64 // blocks written directly: no cache slot could be freed
	FlushesComplete uint64 // flushes of a piece that passed its hash
	FlushesBudget   uint64 // flushes of a partial piece to make room (LRU)
	FlushesClose    uint64 // flushes of partial pieces at Sync/Close/Verify
	// FailedBytesWritten counts bytes of pieces that failed their hash check which were already
	// in the files (flushed early for room or written through): junk a lying peer cost the disk.
	FailedBytesWritten uint64

	// Gauges.
	WriteBlocks      int64 // dirty blocks in the cache (not on disk yet)
	ReadBlocks       int64 // clean blocks in the cache (also on disk)
	CacheBlocks      int64 // cache capacity in blocks (CacheOptions.Size / BlockSize)
	ReadAheadWindow  int64 // blocks a miss reads beyond the one asked for (up to the piece's end)
	QueuedWriteBytes int64 // bytes of submitted writes not yet in the cache or on disk
	MappedBytes      int64 // cache memory mapped so far
	LockedBytes      int64 // of which locked in RAM
	LockFailed       bool  // locking was asked for and refused (see CacheOptions.OnLockFailed)
}

// counters are updated by disk goroutines; a nil *counters counts nothing
// (Storage's exported methods, used outside an IO).
type counters struct {
	readCalls, writeCalls, readBytes, writeBytes atomic.Uint64
	hits, misses                                 atomic.Uint64
	flushed, failed, readBacks, readBackBlocks   atomic.Uint64
	writeThroughs                                atomic.Uint64
	aheadLoaded, aheadWasted                     atomic.Uint64
	flushComplete, flushBudget, flushClose       atomic.Uint64
	failedWritten                                atomic.Uint64
}

func (c *counters) read(n int) {
	if c != nil {
		c.readCalls.Add(1)
		c.readBytes.Add(uint64(max(n, 0)))
	}
}

func (c *counters) write(n int) {
	if c != nil {
		c.writeCalls.Add(1)
		c.writeBytes.Add(uint64(max(n, 0)))
	}
}

// Stats returns a snapshot of the counters. Safe from any goroutine.
func (d *IO) Stats() Stats {
	c := &d.ctr
	s := Stats{
		ReadHits:           c.hits.Load(),
		ReadMisses:         c.misses.Load(),
		ReadAheadBlocks:    c.aheadLoaded.Load(),
		ReadAheadWasted:    c.aheadWasted.Load(),
		ReadSyscalls:       c.readCalls.Load(),
		WriteSyscalls:      c.writeCalls.Load(),
		ReadBytes:          c.readBytes.Load(),
		WriteBytes:         c.writeBytes.Load(),
		PiecesFlushed:      c.flushed.Load(),
		PiecesFailed:       c.failed.Load(),
		HashReadBacks:      c.readBacks.Load(),
		ReadBackBlocks:     c.readBackBlocks.Load(),
		WriteThroughs:      c.writeThroughs.Load(),
		FlushesComplete:    c.flushComplete.Load(),
		FlushesBudget:      c.flushBudget.Load(),
		FlushesClose:       c.flushClose.Load(),
		FailedBytesWritten: c.failedWritten.Load(),
		QueuedWriteBytes:   d.queuedWrite.Load(),
	}
	d.cache.fill(&s)
	return s
}
