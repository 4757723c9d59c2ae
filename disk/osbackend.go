package disk

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// osBackend is the default Backend: files under saveDir, opened through an
// os.Root so that no path (including symlinks created after OpenStorage) can
// reach outside the save directory, with a bounded LRU pool of handles.
type osBackend struct {
	saveDir string
	rel     []string // per file, relative to saveDir
	abs     []string // per file, for error messages
	pool    *poolClient
	alloc   []int64 // full allocation: size of each file when created (nil: sparse)
	// dontCache asks writes not to stay in the page cache (RWF_DONTCACHE);
	// cleared for good when the kernel or file system does not support it.
	dontCache atomic.Bool

	closed atomic.Bool
}

func newOSBackend(saveDir string, rel, abs []string, pool *FilePool, alloc []int64, dropOSCache bool) *osBackend {
	b := &osBackend{saveDir: saveDir, rel: rel, abs: abs, pool: pool.client(), alloc: alloc}
	b.dontCache.Store(dropOSCache)
	return b
}

// getRoot opens the save directory as an os.Root, creating it first if create is set; the
// caller closes it. A root is opened per operation, not kept: a storage holds no descriptor
// between operations (10,000 paused torrents held 10,000), and the files it opens stay open in
// the pool.
func (b *osBackend) getRoot(create bool) (*os.Root, error) {
	if b.closed.Load() {
		return nil, ErrClosed
	}
	return b.openRoot(create)
}

func (b *osBackend) openRoot(create bool) (*os.Root, error) {
	if create {
		if err := os.MkdirAll(b.saveDir, 0o755); err != nil {
			return nil, &FileError{Path: b.saveDir, Op: "mkdir", Err: err}
		}
	}
	r, err := os.OpenRoot(b.saveDir)
	if err != nil {
		return nil, &FileError{Path: b.saveDir, Op: "open", Err: err}
	}
	return r, nil
}

func (b *osBackend) open(i FileIndex, write bool) (*os.File, error) {
	root, err := b.getRoot(write)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	if !write {
		f, err := root.OpenFile(b.rel[i], os.O_RDONLY, 0)
		if err != nil {
			return nil, &FileError{Path: b.abs[i], Op: "open", Err: err}
		}
		return f, nil
	}
	f, err := root.OpenFile(b.rel[i], os.O_RDWR, 0)
	if errors.Is(err, fs.ErrNotExist) {
		if dir := filepath.Dir(b.rel[i]); dir != "." {
			if err := root.MkdirAll(dir, 0o755); err != nil {
				return nil, &FileError{Path: filepath.Join(b.saveDir, dir), Op: "mkdir", Err: err}
			}
		}
		// Created empty and left to grow: the on-disk size then tells
		// verification how far data can possibly be present.
		f, err = root.OpenFile(b.rel[i], os.O_RDWR|os.O_CREATE, 0o644)
		if err == nil && int(i) < len(b.alloc) && b.alloc[i] > 0 {
			if err := allocate(f, b.alloc[i]); err != nil {
				f.Close()
				return nil, &FileError{Path: b.abs[i], Op: "allocate", Err: err}
			}
		}
	}
	if err != nil {
		return nil, &FileError{Path: b.abs[i], Op: "open", Err: err}
	}
	return f, nil
}

func (b *osBackend) acquire(i FileIndex, write bool) (*openFile, error) {
	return b.pool.acquire(i, write, func(write bool) (*os.File, error) { return b.open(i, write) })
}

func (b *osBackend) ReadAt(i FileIndex, p []byte, off int64) (int, error) {
	e, err := b.acquire(i, false)
	if err != nil {
		return 0, err
	}
	defer b.pool.release(e)
	n, err := e.f.ReadAt(p, off)
	if err != nil && err != io.EOF {
		err = &FileError{Path: b.abs[i], Op: "read", Err: err}
	}
	return n, err
}

func (b *osBackend) ReadAtV(i FileIndex, bufs [][]byte, off int64) (int, error) {
	e, err := b.acquire(i, false)
	if err != nil {
		return 0, err
	}
	defer b.pool.release(e)
	n, err := preadvFile(e.f, bufs, off)
	if err != nil && err != io.EOF {
		err = &FileError{Path: b.abs[i], Op: "read", Err: err}
	}
	return n, err
}

// preadvFile fills bufs from off with preadv, retrying short reads; end of
// file before the buffers are full returns io.EOF.
func preadvFile(f *os.File, bufs [][]byte, off int64) (int, error) {
	return vectored(f, bufs, off, unix.Preadv, io.EOF)
}

// vectored runs op (preadv or pwritev) until all of bufs is done, at most
// IOV_MAX buffers a call, retrying on EINTR and after short transfers; a
// transfer of 0 bytes ends it with zeroErr. It uses the descriptor under
// Control, not Read/Write: that only holds a reference on it, so positional
// I/O on one file from several goroutines runs in parallel.
func vectored(f *os.File, bufs [][]byte, off int64, op func(fd int, iovs [][]byte, off int64) (int, error), zeroErr error) (int, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return 0, err
	}
	total := 0
	var ioErr error
	cerr := rc.Control(func(fd uintptr) {
		for len(bufs) > 0 {
			n, err := op(int(fd), bufs[:min(len(bufs), maxIovec)], off)
			if err == unix.EINTR {
				continue
			}
			if err != nil {
				ioErr = err
				return
			}
			if n == 0 {
				ioErr = zeroErr
				return
			}
			total += n
			off += int64(n)
			bufs = dropFront(bufs, n)
		}
	})
	if ioErr == nil {
		ioErr = cerr
	}
	return total, ioErr
}

// dropFront removes the first n bytes from bufs without touching the
// caller's slice of slices (a partly consumed head is copied).
func dropFront(bufs [][]byte, n int) [][]byte {
	for n > 0 && len(bufs) > 0 {
		if n >= len(bufs[0]) {
			n -= len(bufs[0])
			bufs = bufs[1:]
			continue
		}
		rest := make([][]byte, len(bufs))
		copy(rest, bufs)
		rest[0] = rest[0][n:]
		bufs, n = rest, 0
	}
	for len(bufs) > 0 && len(bufs[0]) == 0 {
		bufs = bufs[1:]
	}
	return bufs
}

func (b *osBackend) WriteAt(i FileIndex, bufs [][]byte, off int64) (int, error) {
	e, err := b.acquire(i, true)
	if err != nil {
		return 0, err
	}
	defer b.pool.release(e)
	var n int
	if len(bufs) > 0 {
		n, err = b.pwritev(e.f, bufs, off)
	}
	if err != nil {
		err = &FileError{Path: b.abs[i], Op: "write", Err: err}
	}
	return n, err
}

// pwritev2 is the system call, a variable so tests can refuse its flags.
var pwritev2 = unix.Pwritev2

// maxIovec bounds one pwritev call (IOV_MAX on Linux is 1024).
const maxIovec = 1024

// pwritev writes bufs at off, uncached when asked and supported: the first
// refusal (EOPNOTSUPP: kernel before 6.14, or a file system without uncached
// buffered writes; ENOSYS: no pwritev2 at all) turns it off for this
// backend and the write is retried as an ordinary one.
func (b *osBackend) pwritev(f *os.File, bufs [][]byte, off int64) (int, error) {
	if b.dontCache.Load() {
		n, err := pwritevFile(f, bufs, off, unix.RWF_DONTCACHE)
		if !errors.Is(err, unix.EOPNOTSUPP) && !errors.Is(err, unix.ENOSYS) {
			return n, err
		}
		b.dontCache.Store(false)
		bufs, off = dropFront(bufs, n), off+int64(n)
		m, err := pwritevFile(f, bufs, off, 0)
		return n + m, err
	}
	return pwritevFile(f, bufs, off, 0)
}

// pwritevFile writes all of bufs at off with pwritev, or pwritev2 when
// flags (RWF_*) are given, retrying short writes.
func pwritevFile(f *os.File, bufs [][]byte, off int64, flags int) (int, error) {
	if flags == 0 {
		return vectored(f, bufs, off, unix.Pwritev, io.ErrShortWrite)
	}
	return vectored(f, bufs, off, func(fd int, iovs [][]byte, off int64) (int, error) {
		return pwritev2(fd, iovs, off, flags)
	}, io.ErrShortWrite)
}

func (b *osBackend) ModTime(i FileIndex) (time.Time, error) {
	root, err := b.getRoot(false)
	if err != nil {
		return time.Time{}, err
	}
	defer root.Close()
	fi, err := root.Stat(b.rel[i])
	if err != nil {
		return time.Time{}, &FileError{Path: b.abs[i], Op: "stat", Err: err}
	}
	return fi.ModTime(), nil
}

func (b *osBackend) Size(i FileIndex) (int64, error) {
	root, err := b.getRoot(false)
	if err != nil {
		return 0, err
	}
	defer root.Close()
	fi, err := root.Stat(b.rel[i])
	if err != nil {
		return 0, &FileError{Path: b.abs[i], Op: "stat", Err: err}
	}
	if !fi.Mode().IsRegular() {
		return 0, &FileError{Path: b.abs[i], Op: "stat", Err: errors.New("not a regular file")}
	}
	return fi.Size(), nil
}

func (b *osBackend) Discard(i FileIndex, off, n int64) error {
	if n <= 0 {
		return nil
	}
	if _, err := b.Size(i); errors.Is(err, fs.ErrNotExist) {
		return nil // never written: nothing to free
	}
	e, err := b.acquire(i, true)
	if err != nil {
		return err
	}
	defer b.pool.release(e)
	ferr := fallocate(e.f, unix.FALLOC_FL_PUNCH_HOLE|unix.FALLOC_FL_KEEP_SIZE, off, n)
	if errors.Is(ferr, unix.EOPNOTSUPP) || errors.Is(ferr, unix.ENOSYS) {
		return nil
	}
	if ferr != nil {
		return &FileError{Path: b.abs[i], Op: "discard", Err: ferr}
	}
	return nil
}

func (b *osBackend) Remove(i FileIndex) error {
	b.pool.forget(i)
	root, err := b.openRoot(false) // removing after Close is allowed
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer root.Close()
	if err := root.Remove(b.rel[i]); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return &FileError{Path: b.abs[i], Op: "remove", Err: err}
	}
	// Prune now-empty parents, deepest first; a non-empty one stops us.
	for dir := filepath.Dir(b.rel[i]); dir != "."; dir = filepath.Dir(dir) {
		if err := root.Remove(dir); err != nil {
			break
		}
	}
	return nil
}

func (b *osBackend) Sync() error {
	var first error
	for _, e := range b.pool.writable() {
		if err := e.f.Sync(); err != nil && first == nil {
			first = &FileError{Path: b.abs[e.key.idx], Op: "sync", Err: err}
		}
		b.pool.release(e)
	}
	return first
}

func (b *osBackend) Close() error {
	b.pool.close()
	b.closed.Store(true)
	return nil
}

// allocate reserves size bytes for a new file (fallocate), or, where the
// file system cannot, at least sets its size.
func allocate(f *os.File, size int64) error {
	ferr := fallocate(f, 0, 0, size)
	if errors.Is(ferr, unix.EOPNOTSUPP) || errors.Is(ferr, unix.ENOSYS) {
		return f.Truncate(size)
	}
	return ferr
}

// fallocate is fallocate(2) on f, retried on EINTR.
func fallocate(f *os.File, mode uint32, off, n int64) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) {
		for {
			ferr = unix.Fallocate(int(fd), mode, off, n)
			if ferr != unix.EINTR {
				return
			}
		}
	}); err != nil {
		return err
	}
	return ferr
}
