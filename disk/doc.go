// Package disk owns all file I/O and hashing of libbt: the mapping of a
// torrent's byte stream onto files (Storage), positional reads and writes
// across file boundaries, piece hashing and verification of existing data.
// It must never run on a network goroutine and knows nothing of peers.
//
// # Layers
//
//	IO       asynchronous service: a request queue served by N disk goroutines
//	cache    the block cache of an IO, shared by its storages (cache.go)
//	Storage  one torrent's files: offset arithmetic, pad files, part file,
//	         path safety, move and rename
//	Backend  the OS seam (pread/preadv/pwritev through an os.Root); tests
//	         wrap it to inject faults
//	FilePool open files, least recently used closed first, shared by a
//	         session's storages (file_pool_size)
//
// # Block cache
//
// Received blocks go to IO.WriteBlock: they are copied into the cache and
// hashed on the disk goroutine as soon as they extend the piece's contiguous
// prefix. IO.FinishPiece completes the hash from memory and, if it matches,
// writes the piece with one pwritev per file it spans (uncached, with
// RWF_DONTCACHE, when StorageOptions.DropOSCache); a piece that fails
// is dropped unwritten. IO.FinishPieceDigests also reports each block's
// SHA-1 (of a failed piece, and of a passing one when asked) so the session
// can tell which sender's blocks were bad; Stats.FailedBytesWritten counts
// what failed pieces had already put in the files (flushed early for room). Peer reads go to IO.ReadBlock: a miss reads the
// whole run of uncached blocks of the piece around the request (one preadv
// per file), later blocks are hits. One budget (CacheOptions.Size) holds
// both kinds; writes come first: clean (read or already written) blocks are
// evicted, least recently used piece first, before a write ever flushes
// early; when it must, the least recently updated piece with unwritten
// blocks is flushed (its running hash is kept; blocks flushed before they
// were hashed are read back by FinishPiece). Reads never push unwritten
// blocks out: without room they read around the cache. The cache never
// holds more than its budget. Its memory is anonymous mmap, outside the Go
// heap, mlock'd unless CacheOptions.NoLock (a refused lock is reported once
// through CacheOptions.OnLockFailed and the cache carries on unlocked),
// mapped 1 MiB at a time as needed; when a storage is closed or removed, the
// slabs it leaves wholly free are unmapped, so a removed torrent's cache
// memory goes back to the system. IO.Stats reports hits, misses, system calls, cache occupancy, queued and
// locked bytes and flush reasons.
//
// Cache metadata is guarded by one mutex; copies into slots happen under
// it, disk I/O and hashing outside it with the blocks involved pinned.
// IO.Read, IO.Write, IO.HashPiece and Verify work on the files directly
// (Write drops cached copies of its range; Verify and the storage barriers
// write the cache's unwritten blocks first).
//
// # Concurrency model
//
// The session calls IO methods from any goroutine; they never block on a
// syscall (they only take short internal locks and append to a queue). Each
// job runs on one of IOOptions.Workers disk goroutines, which then call the
// job's done callback. Callbacks therefore run on disk goroutines: they must
// not block and must not call IO.Close; hand the result to your own
// goroutine (send on a buffered channel, or a non-blocking queue). While a
// callback runs, its disk goroutine does no other work. Work refused because
// the IO is closed completes with ErrClosed on a new goroutine, never
// synchronously inside the submitting call.
//
// # Ordering
//
// Jobs on one Storage whose byte ranges overlap, and at least one of which
// writes, run in submission order: a Read (or HashPiece) issued after a
// Write of an overlapping range observes it, and a Write issued after a Read
// does not change what that Read returns. Non-overlapping jobs, and reads of
// the same range, run in parallel. SyncStorage, CloseStorage and
// RemoveStorage are barriers: after everything before, before everything
// after. Jobs on different Storages are independent. Among runnable jobs,
// peer reads and HashPiece go before writes, and writes before Verify.
//
// # Missing data
//
// Files are created lazily by the first write that touches them and grow as
// written. Reading bytes beyond a file's end, or from a file that does not
// exist, fails with ErrNotFound (inside a *FileError); Verify uses file sizes
// to mark such pieces missing without reading them. Holes inside a file read
// as zeros and are caught by the hash check.
//
// # Back-pressure
//
// Writes are always accepted. IO.WriteQueueFull reports when the bytes of
// unfinished writes (Write, and WriteBlock until its block is in the cache)
// exceed IOOptions.MaxQueuedWriteBytes; the session should then stop reading
// peer sockets until IO.Writable's channel is closed (or
// IOOptions.OnWriteQueueLow fires): at half the limit.
//
// # Buffers
//
// ReadBlock's data points into cache memory and is valid only during its
// callback. IO.Read returns data in pooled BlockSize buffers (for lengths up to
// BlockSize); give them back with ReleaseBuffer. GetBuffer hands out the same
// buffers for network reads that are then passed to IO.Write.
package disk
