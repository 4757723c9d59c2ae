package disk

import (
	"container/list"
	"os"
	"sync"
)

// FilePool bounds the files kept open by every Storage that shares it
// (StorageOptions.FilePool), least recently used closed first: libtorrent's
// file_pool_size. A session with many torrents shares one, so the process
// stays under its descriptor limit however many torrents it has.
//
// A file is opened read-only until a write needs it, then reopened
// read-write. Handles are reference counted so that an evicted file is
// closed only when the last pread/pwrite on it has returned.
type FilePool struct {
	mu    sync.Mutex
	max   int
	files map[fileKey]*openFile
	lru   *list.List // of *openFile, front = most recently used
}

// NewFilePool returns a pool keeping at most limit files open (at least 1).
func NewFilePool(limit int) *FilePool {
	return &FilePool{max: max(limit, 1), files: make(map[fileKey]*openFile), lru: list.New()}
}

// SetLimit changes the limit (at least 1); files over it are closed as
// others are opened.
func (p *FilePool) SetLimit(limit int) {
	p.mu.Lock()
	p.max = max(limit, 1)
	p.mu.Unlock()
}

// OpenFiles is the number of files open now.
func (p *FilePool) OpenFiles() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.files)
}

// fileKey names one file of one storage backend.
type fileKey struct {
	c   *poolClient
	idx FileIndex
}

type openFile struct {
	key      fileKey
	f        *os.File
	rw       bool
	refs     int
	detached bool // no longer in the pool; close when refs reaches 0
	elem     *list.Element
}

// poolClient is one backend's view of a FilePool.
type poolClient struct {
	p      *FilePool
	closed bool // guarded by p.mu
}

func (p *FilePool) client() *poolClient { return &poolClient{p: p} }

// acquire returns an open handle for file i, opened for writing if write is
// set. open is called without the pool lock held.
func (c *poolClient) acquire(i FileIndex, write bool, open func(write bool) (*os.File, error)) (*openFile, error) {
	p, key := c.p, fileKey{c, i}
	p.mu.Lock()
	if c.closed {
		p.mu.Unlock()
		return nil, ErrClosed
	}
	if e := p.files[key]; e != nil && (e.rw || !write) {
		e.refs++
		p.lru.MoveToFront(e.elem)
		p.mu.Unlock()
		return e, nil
	}
	p.mu.Unlock()

	f, err := open(write)
	if err != nil {
		return nil, err
	}

	p.mu.Lock()
	if c.closed {
		p.mu.Unlock()
		f.Close()
		return nil, ErrClosed
	}
	if e := p.files[key]; e != nil {
		if e.rw || !write {
			// Another worker opened it meanwhile; use theirs.
			e.refs++
			p.lru.MoveToFront(e.elem)
			p.mu.Unlock()
			f.Close()
			return e, nil
		}
		// Replace a read-only handle by our read-write one.
		p.detachLocked(e)
	}
	e := &openFile{key: key, f: f, rw: write, refs: 1}
	e.elem = p.lru.PushFront(e)
	p.files[key] = e
	var toClose []*os.File
	for len(p.files) > p.max {
		victim := p.lru.Back().Value.(*openFile)
		if victim == e {
			break
		}
		if f := p.detachLocked(victim); f != nil {
			toClose = append(toClose, f)
		}
	}
	p.mu.Unlock()
	for _, f := range toClose {
		f.Close()
	}
	return e, nil
}

// release drops a reference taken by acquire.
func (c *poolClient) release(e *openFile) {
	p := c.p
	p.mu.Lock()
	e.refs--
	var f *os.File
	if e.detached && e.refs == 0 {
		f = e.f
	}
	p.mu.Unlock()
	if f != nil {
		f.Close()
	}
}

// detachLocked removes e from the pool and returns its file if it can be
// closed now (no users); otherwise the last release closes it.
func (p *FilePool) detachLocked(e *openFile) *os.File {
	if e.detached {
		return nil
	}
	e.detached = true
	delete(p.files, e.key)
	p.lru.Remove(e.elem)
	if e.refs == 0 {
		return e.f
	}
	return nil
}

// forget closes file i if it is open (used before removing it).
func (c *poolClient) forget(i FileIndex) {
	p := c.p
	p.mu.Lock()
	var f *os.File
	if e := p.files[fileKey{c, i}]; e != nil {
		f = p.detachLocked(e)
	}
	p.mu.Unlock()
	if f != nil {
		f.Close()
	}
}

// mineLocked returns this client's open files, each referenced when ref is
// set. p.mu is held.
func (c *poolClient) mineLocked(writableOnly, ref bool) []*openFile {
	var out []*openFile
	for k, e := range c.p.files {
		if k.c == c && (e.rw || !writableOnly) {
			if ref {
				e.refs++
			}
			out = append(out, e)
		}
	}
	return out
}

// writable returns this client's files open for writing, referenced; the
// caller must release each.
func (c *poolClient) writable() []*openFile {
	c.p.mu.Lock()
	defer c.p.mu.Unlock()
	return c.mineLocked(true, true)
}

func (c *poolClient) openCount() int {
	c.p.mu.Lock()
	defer c.p.mu.Unlock()
	return len(c.mineLocked(false, false))
}

// close detaches this client's files (in-flight users close theirs on
// release); later acquires fail with ErrClosed.
func (c *poolClient) close() {
	p := c.p
	p.mu.Lock()
	c.closed = true
	var toClose []*os.File
	for _, e := range c.mineLocked(false, false) {
		if f := p.detachLocked(e); f != nil {
			toClose = append(toClose, f)
		}
	}
	p.mu.Unlock()
	for _, f := range toClose {
		f.Close()
	}
}
