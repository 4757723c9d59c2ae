// Package disk owns all file I/O and hashing of libbt: the mapping of a
// torrent's byte stream onto files (Storage), positional reads and writes
// across file boundaries, piece hashing and verification of existing data.
// It must never run on a network goroutine and knows nothing of peers.
//
// # Layers
//
//	IO       asynchronous service: a request queue served by N disk goroutines
//	Storage  one torrent's files: offset arithmetic, pad files, path safety
//	Backend  the OS seam (pread/pwritev through an os.Root, LRU file pool);
//	         tests wrap it to inject faults; a block cache will sit above it
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
// unfinished writes exceed IOOptions.MaxQueuedWriteBytes; the session should
// then stop reading peer sockets until IOOptions.OnWriteQueueLow fires (or
// QueuedWriteBytes drops).
//
// # Buffers
//
// IO.Read returns data in pooled BlockSize buffers (for lengths up to
// BlockSize); give them back with ReleaseBuffer. GetBuffer hands out the same
// buffers for network reads that are then passed to IO.Write.
package disk
