package disk

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/libbt/libbt/core/guard"
)

// DefaultMaxOpenFiles is the open file limit of a Storage with neither
// StorageOptions.FilePool nor MaxOpenFiles.
const DefaultMaxOpenFiles = 64

// StorageOptions tunes OpenStorage.
type StorageOptions struct {
	// FilePool, if set, is the pool of open files this Storage shares with
	// others (a session's, bounded by file_pool_size); MaxOpenFiles is then
	// ignored.
	FilePool *FilePool
	// MaxOpenFiles bounds the file handles of a Storage with a pool of its
	// own (least recently used closed first). 0 means DefaultMaxOpenFiles.
	MaxOpenFiles int
	// WrapBackend, if set, wraps the OS backend, e.g. to inject faults or
	// latency in tests. It is called once by OpenStorage.
	WrapBackend func(Backend) Backend
	// WriteThrough makes every flush of cached blocks (a finished piece, a
	// partial piece flushed for room) wait for fsync of the storage's
	// written files: durability at the price of throughput.
	WriteThrough bool
	// DropOSCache keeps written data out of the OS page cache: each write is
	// an uncached buffered write (pwritev2 with RWF_DONTCACHE, Linux 6.14+
	// on ext4, xfs, btrfs...), whose pages are freed once written back.
	// Downloads then neither evict other programs' cached files nor make the
	// kernel find fresh memory for every piece; reads of the data come from
	// the disk (and libbt's own read cache). Where the kernel or file system
	// refuses it, writes are ordinary buffered ones.
	DropOSCache bool
	// FullAllocation makes every file take its full size on disk when it is
	// first created (fallocate), instead of growing sparsely as written.
	FullAllocation bool
	// PartFile names the file, in the save directory, that holds the bytes
	// of skipped files (priority 0) that share a piece with wanted ones.
	// Empty means "." + the first path component + ".parts".
	PartFile string
	// OnPanic, if set, is told of a panic recovered in a disk job of this
	// Storage (its I/O or its done callback): the job's callback may not
	// have run. It runs on the disk goroutine and must not block. Without
	// it the IO's OnPanic is told.
	OnPanic func(*guard.Panic)
}

// Storage is the byte stream of one torrent mapped onto files under a save
// directory. Its methods are synchronous and safe for concurrent use; the
// session should not call them directly on a network goroutine but go
// through IO.
//
// Files are created lazily on the first write that touches them (with their
// parent directories) and grow as written (sparse; never preallocated). A
// read of bytes beyond a file's current end, or of a file that does not
// exist, fails with a *FileError wrapping ErrNotFound. A hole inside a file
// (below its end) reads as zeros, like any sparse file. Pad files are never
// created; they read as zeros and writes to them are dropped.
type Storage struct {
	saveDir string
	layout  *layout
	abs     []string
	backend Backend
	closed  atomic.Bool

	writeThrough bool

	// What Move and RenameFile rebuild the backend from.
	rel   []string
	opts  StorageOptions
	pool  *FilePool
	alloc []int64

	// prioMu guards the file priorities (files.go) and, for Move and
	// RenameFile, saveDir, abs, rel and backend: readers and writers of
	// data hold it shared.
	prioMu  sync.RWMutex
	toPart  []bool // nil: none
	prio    []int  // nil: all wanted
	partIdx FileIndex

	sched scheduler // ordering of IO jobs on this storage
}

// OpenStorage maps files onto saveDir. Nothing is created on disk until the
// first write. Every path is checked to stay under saveDir: lexically, and
// by resolving symlinks of directories that already exist; the OS backend
// additionally opens everything through an os.Root so links created later
// cannot lead outside either.
func OpenStorage(saveDir string, files []FileSpec, opts StorageOptions) (*Storage, error) {
	if saveDir == "" {
		return nil, errors.New("disk: empty save directory")
	}
	dir, err := filepath.Abs(saveDir)
	if err != nil {
		return nil, fmt.Errorf("disk: save directory %q: %w", saveDir, err)
	}
	l, err := newLayout(append([]FileSpec(nil), files...))
	if err != nil {
		return nil, err
	}
	rel := make([]string, len(files))
	abs := make([]string, len(files))
	seen := make(map[string]FileIndex, len(files))
	for i, f := range files {
		a, r, err := resolvePath(dir, f.Path)
		if err != nil {
			return nil, fmt.Errorf("disk: file %d: %w", i, err)
		}
		if !f.Pad {
			if j, dup := seen[a]; dup {
				return nil, fmt.Errorf("disk: files %d and %d have the same path %q", j, i, r)
			}
			seen[a] = FileIndex(i)
			if err := checkNoSymlinkEscape(dir, r); err != nil {
				return nil, fmt.Errorf("disk: file %d: %w", i, err)
			}
		}
		abs[i], rel[i] = a, r
	}
	if err := checkNoFileIsADirectory(files); err != nil {
		return nil, err
	}
	maxOpen := opts.MaxOpenFiles
	if maxOpen <= 0 {
		maxOpen = DefaultMaxOpenFiles
	}
	partName := opts.PartFile
	if partName == "" {
		partName = ".parts"
		if len(files) > 0 && len(files[0].Path) > 0 {
			partName = "." + files[0].Path[0] + ".parts"
		}
	}
	partAbs, partRel, err := resolvePath(dir, []string{partName})
	if err != nil {
		return nil, fmt.Errorf("disk: part file: %w", err)
	}
	if _, clash := seen[partAbs]; clash {
		return nil, fmt.Errorf("disk: part file %q is also a torrent file", partRel)
	}
	rel = append(rel, partRel)
	abs = append(abs, partAbs)
	var alloc []int64
	if opts.FullAllocation {
		alloc = make([]int64, len(files)) // the part file (last) stays sparse
		for i, f := range files {
			alloc[i] = f.Length
		}
	}
	st := &Storage{saveDir: dir, layout: l, abs: abs, rel: rel, writeThrough: opts.WriteThrough,
		partIdx: FileIndex(len(files)), opts: opts, pool: opts.FilePool, alloc: alloc}
	if st.pool == nil {
		st.pool = NewFilePool(maxOpen)
	}
	st.backend = st.newBackend()
	return st, nil
}

// newBackend builds the OS backend for the current paths, wrapped as asked, with its panics
// turned into errors (guardedbackend.go).
func (s *Storage) newBackend() Backend {
	var b Backend = newOSBackend(s.saveDir, s.rel, s.abs, s.pool, s.alloc, s.opts.DropOSCache)
	if s.opts.WrapBackend != nil {
		b = s.opts.WrapBackend(b)
	}
	return guardedBackend{b}
}

// Length is the total length of the torrent's byte stream.
func (s *Storage) Length() int64 { return s.layout.total }

// NumFiles is the number of files, pad files included.
func (s *Storage) NumFiles() int { return len(s.layout.files) }

// File returns the spec of file i.
func (s *Storage) File(i FileIndex) FileSpec { return s.layout.files[i] }

// FilePath returns the absolute path of file i.
func (s *Storage) FilePath(i FileIndex) string {
	s.prioMu.RLock()
	defer s.prioMu.RUnlock()
	return s.abs[i]
}

// SaveDir returns the absolute save directory.
func (s *Storage) SaveDir() string {
	s.prioMu.RLock()
	defer s.prioMu.RUnlock()
	return s.saveDir
}

func (s *Storage) be() Backend {
	s.prioMu.RLock()
	defer s.prioMu.RUnlock()
	return s.backend
}

func (s *Storage) wrap(i FileIndex, op string, err error) error {
	var fe *FileError
	if errors.As(err, &fe) || errors.Is(err, ErrClosed) {
		return err
	}
	return &FileError{Path: s.abs[i], Op: op, Err: err}
}

// ReadAt reads len(p) bytes at torrent offset off, one backend read per
// file touched. See Storage for what missing data reads as.
func (s *Storage) ReadAt(p []byte, off int64) (int, error) { return s.readAt(p, off, nil) }

func (s *Storage) readAt(p []byte, off int64, c *counters) (int, error) {
	return s.readV([][]byte{p}, off, c)
}

// readV reads into bufs, back to back, from torrent offset off: one
// vectored read (preadv) per file touched. c, if not nil, counts the calls.
func (s *Storage) readV(bufs [][]byte, off int64, c *counters) (int, error) {
	if s.closed.Load() {
		return 0, ErrClosed
	}
	s.prioMu.RLock()
	defer s.prioMu.RUnlock()
	var total int64
	for _, b := range bufs {
		total += int64(len(b))
	}
	n := 0
	var scratch [][]byte
	err := s.layout.span(off, total, func(seg segment) error {
		scratch = sliceBufs(scratch[:0], bufs, seg.bufOff, seg.n)
		if s.layout.files[seg.file].Pad {
			for _, d := range scratch {
				clear(d)
			}
			n += int(seg.n)
			return nil
		}
		var m int
		var err error
		f, fileOff := s.route(seg)
		if len(scratch) == 1 {
			m, err = s.backend.ReadAt(f, scratch[0], fileOff)
		} else {
			m, err = s.backend.ReadAtV(f, scratch, fileOff)
		}
		c.read(m)
		n += m
		if err == nil && int64(m) < seg.n {
			err = io.EOF
		}
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, io.EOF) {
			return &FileError{Path: s.abs[f], Op: "read", Err: ErrNotFound}
		}
		if err != nil {
			return s.wrap(f, "read", err)
		}
		return nil
	})
	return n, err
}

// WriteAt writes p at torrent offset off, one backend write per file.
func (s *Storage) WriteAt(p []byte, off int64) (int, error) {
	return s.writeBlocksAt([][]byte{p}, off, nil)
}

// WriteBlocksAt writes bufs back to back starting at off: one vectored
// write (pwritev) per file touched. Bytes falling in pad files are dropped
// but counted.
func (s *Storage) WriteBlocksAt(bufs [][]byte, off int64) (int, error) {
	return s.writeBlocksAt(bufs, off, nil)
}

func (s *Storage) writeBlocksAt(bufs [][]byte, off int64, c *counters) (int, error) {
	if s.closed.Load() {
		return 0, ErrClosed
	}
	s.prioMu.RLock()
	defer s.prioMu.RUnlock()
	var total int64
	for _, b := range bufs {
		total += int64(len(b))
	}
	n := 0
	var scratch [][]byte
	err := s.layout.span(off, total, func(seg segment) error {
		if s.layout.files[seg.file].Pad {
			n += int(seg.n)
			return nil
		}
		scratch = sliceBufs(scratch[:0], bufs, seg.bufOff, seg.n)
		f, fileOff := s.route(seg)
		m, err := s.backend.WriteAt(f, scratch, fileOff)
		c.write(m)
		n += m
		if err == nil && int64(m) < seg.n {
			err = io.ErrShortWrite
		}
		if err != nil {
			return s.wrap(f, "write", err)
		}
		return nil
	})
	return n, err
}

// sliceBufs appends to dst the pieces of bufs covering [from, from+n) of
// their concatenation.
func sliceBufs(dst, bufs [][]byte, from, n int64) [][]byte {
	for _, b := range bufs {
		if n == 0 {
			break
		}
		bl := int64(len(b))
		if from >= bl {
			from -= bl
			continue
		}
		take := min(bl-from, n)
		dst = append(dst, b[from:from+take])
		n -= take
		from = 0
	}
	return dst
}

// FileSizes returns the on-disk size of every file, -1 for a file that does
// not exist. Pad files report their full length.
func (s *Storage) FileSizes() ([]int64, error) {
	if s.closed.Load() {
		return nil, ErrClosed
	}
	s.prioMu.RLock()
	defer s.prioMu.RUnlock()
	out := make([]int64, len(s.layout.files))
	partSize := int64(-2) // not looked up yet
	for i, f := range s.layout.files {
		if f.Pad {
			out[i] = f.Length
			continue
		}
		if s.toPart != nil && s.toPart[i] {
			// Held in the (sparse) part file at its torrent offset.
			if partSize == -2 {
				sz, err := s.backend.Size(s.partIdx)
				switch {
				case errors.Is(err, fs.ErrNotExist):
					partSize = -1
				case err != nil:
					return nil, s.wrap(s.partIdx, "stat", err)
				default:
					partSize = sz
				}
			}
			out[i] = -1
			if have := partSize - s.layout.starts[i]; partSize >= 0 && have >= 0 {
				out[i] = min(have, f.Length)
			}
			continue
		}
		sz, err := s.backend.Size(FileIndex(i))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			out[i] = -1
		case err != nil:
			return nil, s.wrap(FileIndex(i), "stat", err)
		default:
			out[i] = sz
		}
	}
	return out, nil
}

// CreateEmptyFiles creates every zero-length (non-pad) file, which no write
// would ever touch. Call it when the torrent completes.
func (s *Storage) CreateEmptyFiles() error {
	if s.closed.Load() {
		return ErrClosed
	}
	for i, f := range s.layout.files {
		if f.Length == 0 && !f.Pad && !s.skipped(FileIndex(i)) {
			if _, err := s.be().WriteAt(FileIndex(i), nil, 0); err != nil {
				return s.wrap(FileIndex(i), "open", err)
			}
		}
	}
	return nil
}

// Sync flushes written data to stable storage.
func (s *Storage) Sync() error {
	if s.closed.Load() {
		return ErrClosed
	}
	return s.be().Sync()
}

// Close closes all files. Operations racing with Close fail with ErrClosed
// or complete; none is left half-open.
func (s *Storage) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	return s.be().Close()
}

// Remove closes the storage (if still open) and deletes the torrent's files, then each of
// their parent directories below the save directory that is left empty.
// Nothing else is touched: not the save directory itself, not other files,
// not non-empty directories. It removes as much as it can and returns the
// first error.
func (s *Storage) Remove() error {
	s.closed.Store(true)
	s.prioMu.Lock()
	defer s.prioMu.Unlock()
	var first error
	for i, f := range s.layout.files {
		if f.Pad {
			continue
		}
		if err := s.backend.Remove(FileIndex(i)); err != nil && first == nil {
			first = s.wrap(FileIndex(i), "remove", err)
		}
	}
	if err := s.backend.Remove(s.partIdx); err != nil && first == nil {
		first = s.wrap(s.partIdx, "remove", err)
	}
	if err := s.backend.Close(); err != nil && first == nil {
		first = err
	}
	return first
}
