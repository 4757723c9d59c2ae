package disk

import (
	"crypto/sha1"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/libbt/libbt/core/guard"
)

// Defaults for IOOptions.
const (
	DefaultMaxQueuedWriteBytes = 64 << 20
	// maxChunk bounds one read when hashing: pieces up to this size are read
	// whole (one pread per file), larger ones in chunks of this size.
	maxChunk = 16 << 20
)

// IOOptions tunes NewIO.
type IOOptions struct {
	// Workers is the number of disk goroutines. 0 means NumCPU clamped to
	// [2, 4].
	Workers int
	// MaxQueuedWriteBytes is the write back-pressure limit: once the bytes
	// of submitted but unfinished writes exceed it, WriteQueueFull reports
	// true and the session should stop reading from peer sockets. Writes
	// are still accepted. 0 means DefaultMaxQueuedWriteBytes.
	MaxQueuedWriteBytes int64
	// OnWriteQueueLow, if set, is called (on a disk goroutine; must not
	// block) when the write queue drops to half the limit after having
	// been over it: the signal to resume reading sockets.
	OnWriteQueueLow func()
	// Cache configures the block cache (size, memory locking).
	Cache CacheOptions
	// OnPanic, if set, is told of a panic recovered on a disk goroutine
	// outside any Storage with an OnPanic of its own. It runs on that
	// goroutine and must not block. The goroutine goes on with the next job.
	OnPanic func(*guard.Panic)
}

// IO is the asynchronous disk service. See the package documentation for
// its threading and ordering rules.
type IO struct {
	workers  int
	maxWrite int64
	onLow    func()
	onPanic  func(*guard.Panic)

	mu      sync.Mutex
	cond    *sync.Cond
	ready   [numPrio][]*job // FIFO per priority
	pending int             // submitted, not finished
	closed  bool
	wg      sync.WaitGroup

	queuedWrite atomic.Int64
	over        atomic.Bool

	wmu      sync.Mutex    // guards wch
	wch      chan struct{} // closed when the write queue drains (Writable)
	wwaiting atomic.Bool   // wch != nil

	cache *cache
	ctr   counters
}

// worker is the per-goroutine state: a scratch buffer for hashing.
type worker struct {
	scratch []byte
}

// NewIO starts the disk goroutines.
func NewIO(opts IOOptions) *IO {
	n := opts.Workers
	if n <= 0 {
		n = min(max(runtime.NumCPU(), 2), 4)
	}
	d := &IO{workers: n, maxWrite: opts.MaxQueuedWriteBytes, onLow: opts.OnWriteQueueLow, onPanic: opts.OnPanic}
	if d.maxWrite <= 0 {
		d.maxWrite = DefaultMaxQueuedWriteBytes
	}
	d.cache = newCache(opts.Cache, &d.ctr)
	d.cond = sync.NewCond(&d.mu)
	d.wg.Add(n)
	for range n {
		guard.Go("disk worker", d.loop, d.reportPanic)
	}
	return d
}

// Workers returns the number of disk goroutines.
func (d *IO) Workers() int { return d.workers }

// Close stops accepting work, waits for every submitted job (writes
// included) to finish and their callbacks to return, then stops the disk
// goroutines, writes what is left in the write cache (best effort: close
// storages with CloseStorage first to see errors) and unmaps the cache. Work submitted after Close fails with ErrClosed. A Verify in
// progress stops starting pieces and ends with ErrClosed (its done may run
// just after Close returns). Close must not be called from a done callback.
func (d *IO) Close() {
	d.mu.Lock()
	d.closed = true
	d.cond.Broadcast()
	d.mu.Unlock()
	d.wg.Wait()
	d.cache.close()
}

func (d *IO) loop() {
	defer d.wg.Done()
	w := &worker{}
	for {
		d.mu.Lock()
		var j *job
		for {
			for p := range d.ready {
				if q := d.ready[p]; len(q) > 0 {
					j = q[0]
					q[0] = nil
					d.ready[p] = q[1:]
					break
				}
			}
			if j != nil || (d.closed && d.pending == 0) {
				break
			}
			d.cond.Wait()
		}
		d.mu.Unlock()
		if j == nil {
			return
		}
		if p := guard.Run("disk job", func() { j.run(w) }); p != nil {
			d.jobPanicked(j, p)
		}
		d.finish(j)
	}
}

// jobPanicked reports a panic recovered from a job (its callback may not have run) to its
// Storage and releases the write-queue bytes the job still held, so that one bug does not
// leave the write queue looking full (and every torrent's sockets unread) forever.
func (d *IO) jobPanicked(j *job, p *guard.Panic) {
	j.releaseQueued()
	if j.st != nil && j.st.opts.OnPanic != nil {
		if q := guard.Run("disk job panic handler", func() { j.st.opts.OnPanic(p) }); q == nil {
			return
		}
	}
	d.reportPanic(p)
}

// goCallback runs a done callback on a new goroutine (one that fails before any disk work: it
// must not run on the caller's, which may hold its own locks); a panic in it is reported as a
// panic in a job of st.
func (d *IO) goCallback(st *Storage, done func()) {
	guard.Go("disk callback", done, func(p *guard.Panic) { d.jobPanicked(&job{d: d, st: st}, p) })
}

// reportPanic tells the IO's OnPanic, if any, of a panic recovered on a disk goroutine.
func (d *IO) reportPanic(p *guard.Panic) {
	if d.onPanic != nil {
		guard.Run("disk panic handler", func() { d.onPanic(p) })
	}
}

// submit queues j, or calls fail(ErrClosed) on a new goroutine if the IO is
// closed (never synchronously: the caller may hold its own locks).
func (d *IO) submit(j *job, fail func(error)) {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		d.goCallback(j.st, func() { fail(ErrClosed) })
		return
	}
	d.pending++
	d.mu.Unlock()
	if j.st.sched.add(j) {
		d.push(j)
	}
}

// push makes jobs runnable; each goes to the IO it was submitted to (a
// Storage may be shared by several IOs).
func (d *IO) push(jobs ...*job) {
	if len(jobs) == 0 {
		return
	}
	if len(jobs) > 1 {
		for _, j := range jobs {
			j.d.push(j)
		}
		return
	}
	d = jobs[0].d
	d.mu.Lock()
	for _, j := range jobs {
		d.ready[j.prio] = append(d.ready[j.prio], j)
	}
	d.cond.Signal()
	d.mu.Unlock()
}

func (d *IO) finish(j *job) {
	d.push(j.st.sched.finish(j)...)
	d.mu.Lock()
	d.pending--
	if d.pending == 0 && d.closed {
		d.cond.Broadcast()
	}
	d.mu.Unlock()
}

// QueuedWriteBytes is the number of bytes of writes submitted and not yet
// finished.
func (d *IO) QueuedWriteBytes() int64 { return d.queuedWrite.Load() }

// WriteQueueFull reports whether QueuedWriteBytes exceeds
// IOOptions.MaxQueuedWriteBytes.
func (d *IO) WriteQueueFull() bool { return d.queuedWrite.Load() > d.maxWrite }

// Write writes data at torrent offset off of st, then calls done. The
// caller must not modify data until done is called; done may hand a pooled
// buffer back with ReleaseBuffer.
//
// Write bypasses the block cache (cached blocks of the range are dropped);
// the session writes received blocks with WriteBlock instead.
func (d *IO) Write(st *Storage, off int64, data []byte, done func(err error)) {
	n := int64(len(data))
	j := &job{d: d, st: st, off: off, end: off + n, excl: true, prio: prioWrite}
	j.queueWrite(n)
	j.run = func(*worker) {
		_, err := st.writeBlocksAt([][]byte{data}, off, &d.ctr)
		d.cache.invalidate(st, off, off+n)
		j.releaseQueued()
		done(err)
	}
	d.submit(j, func(err error) { j.releaseQueued(); done(err) })
}

// queueWrite counts a write job's n bytes in the write queue until releaseQueued.
func (j *job) queueWrite(n int64) {
	j.queued = n
	j.d.queueWrite(n)
}

// releaseQueued takes the job's bytes out of the write queue, once: from the job when its data
// is taken, or from the disk goroutine when the job panicked before that.
func (j *job) releaseQueued() {
	if n := j.queued; n > 0 {
		j.queued = 0
		j.d.writeDone(n)
	}
}

func (d *IO) queueWrite(n int64) {
	if d.queuedWrite.Add(n) > d.maxWrite {
		d.over.Store(true)
	}
}

func (d *IO) writeDone(n int64) {
	left := d.queuedWrite.Add(-n)
	if left <= d.maxWrite/2 && d.over.Load() && d.over.CompareAndSwap(true, false) && d.onLow != nil {
		d.onLow()
	}
	if left <= d.maxWrite/2 && d.wwaiting.Load() {
		d.wakeWriters()
	}
}

func (d *IO) wakeWriters() {
	d.wmu.Lock()
	if d.wch != nil && d.queuedWrite.Load() <= d.maxWrite/2 {
		close(d.wch)
		d.wch = nil
		d.wwaiting.Store(false)
	}
	d.wmu.Unlock()
}

var closedChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// Writable returns a channel that is closed when more writes may be
// queued: at once if the write queue is not over its limit, otherwise once
// it has drained to half the limit. The session's peer readers wait on it
// before reading the next block from a socket (back-pressure, not loss).
func (d *IO) Writable() <-chan struct{} {
	if !d.WriteQueueFull() {
		return closedChan
	}
	d.wmu.Lock()
	if d.wch == nil {
		d.wch = make(chan struct{})
		d.wwaiting.Store(true)
	}
	ch := d.wch
	d.wmu.Unlock()
	// A write that finished before wwaiting was set did not wake anyone.
	if d.queuedWrite.Load() <= d.maxWrite/2 {
		d.wakeWriters()
	}
	return ch
}

// WaitWritable blocks until Writable's channel is closed or cancel is; it
// reports whether the queue has room.
func (d *IO) WaitWritable(cancel <-chan struct{}) bool {
	select {
	case <-d.Writable():
		return true
	case <-cancel:
		return false
	}
}

// Read reads length bytes at off of st and passes them to done. For
// lengths up to BlockSize the data is a pooled buffer: give it back with
// ReleaseBuffer once consumed. On error data is nil.
func (d *IO) Read(st *Storage, off int64, length int, done func(data []byte, err error)) {
	if length < 0 {
		d.goCallback(st, func() { done(nil, fmt.Errorf("disk: read of negative length %d", length)) })
		return
	}
	j := &job{d: d, st: st, off: off, end: off + int64(length), prio: prioRead}
	j.run = func(*worker) {
		var buf []byte
		if length <= BlockSize {
			buf = GetBuffer()[:length]
		} else {
			buf = make([]byte, length)
		}
		if _, err := st.readAt(buf, off, &d.ctr); err != nil {
			ReleaseBuffer(buf)
			done(nil, err)
			return
		}
		done(buf, nil)
	}
	d.submit(j, func(err error) { done(nil, err) })
}

// HashPiece computes the SHA-1 of [off, off+length) of st. A range whose
// data is not on disk fails with an error wrapping ErrNotFound.
func (d *IO) HashPiece(st *Storage, off int64, length int64, done func(sum [20]byte, err error)) {
	j := &job{d: d, st: st, off: off, end: off + length, prio: prioRead}
	j.run = func(w *worker) {
		sum, err := w.hashRange(st, off, length, &d.ctr)
		done(sum, err)
	}
	d.submit(j, func(err error) { done([20]byte{}, err) })
}

// hashRange reads [off, off+length) in chunks of at most maxChunk into the
// worker's scratch buffer (one pread per file per chunk) and hashes it.
func (w *worker) hashRange(st *Storage, off, length int64, c *counters) ([20]byte, error) {
	if length < 0 {
		return [20]byte{}, fmt.Errorf("%w: negative length %d", ErrOutOfRange, length)
	}
	chunk := min(length, maxChunk)
	if int64(cap(w.scratch)) < chunk {
		w.scratch = make([]byte, chunk)
	}
	h := sha1.New()
	for length > 0 {
		n := min(length, chunk)
		buf := w.scratch[:n]
		if _, err := st.readAt(buf, off, c); err != nil {
			return [20]byte{}, err
		}
		h.Write(buf)
		off += n
		length -= n
	}
	var sum [20]byte
	h.Sum(sum[:0])
	return sum, nil
}

// barrier runs fn on st after every job submitted before it on st and
// before any submitted after it.
func (d *IO) barrier(st *Storage, fn func() error, done func(err error)) {
	j := &job{d: d, st: st, off: 0, end: barrierEnd, excl: true, prio: prioWrite}
	j.run = func(*worker) { done(fn()) }
	d.submit(j, done)
}

// SyncStorage writes st's cached blocks (partial pieces included) and
// flushes its data to stable storage once every earlier job on st has
// finished.
func (d *IO) SyncStorage(st *Storage, done func(err error)) {
	d.barrier(st, func() error {
		if err := d.cache.flushStorage(st, false); err != nil {
			return err
		}
		return st.Sync()
	}, done)
}

// CloseStorage writes st's cached blocks, forgets them and closes st once
// every earlier job on st has finished.
func (d *IO) CloseStorage(st *Storage, done func(err error)) {
	d.barrier(st, func() error {
		ferr := d.cache.flushStorage(st, true)
		if err := st.Close(); err != nil {
			return err
		}
		return ferr
	}, done)
}

// RemoveStorage drops st's cached blocks unwritten and deletes its files
// (see Storage.Remove) once every earlier job on st has finished.
func (d *IO) RemoveStorage(st *Storage, done func(err error)) {
	d.barrier(st, func() error {
		d.cache.discardStorage(st)
		return st.Remove()
	}, done)
}
