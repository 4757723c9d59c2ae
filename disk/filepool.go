package disk

import (
	"container/list"
	"os"
	"sync"
)

// filePool keeps at most max *os.File open, least recently used evicted
// first. A file is opened read-only until a write needs it, then reopened
// read-write. Handles are reference counted so that an evicted file is
// closed only when the last pread/pwrite on it has returned.
type filePool struct {
	mu     sync.Mutex
	max    int
	files  map[FileIndex]*openFile
	lru    *list.List // of *openFile, front = most recently used
	closed bool
}

type openFile struct {
	idx      FileIndex
	f        *os.File
	rw       bool
	refs     int
	detached bool // no longer in the pool; close when refs reaches 0
	elem     *list.Element
}

func newFilePool(max int) *filePool {
	return &filePool{max: max, files: make(map[FileIndex]*openFile), lru: list.New()}
}

// acquire returns an open handle for file i, opened for writing if write is
// set. open is called without the pool lock held.
func (p *filePool) acquire(i FileIndex, write bool, open func(write bool) (*os.File, error)) (*openFile, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, ErrClosed
	}
	if e := p.files[i]; e != nil && (e.rw || !write) {
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
	if p.closed {
		p.mu.Unlock()
		f.Close()
		return nil, ErrClosed
	}
	if e := p.files[i]; e != nil {
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
	e := &openFile{idx: i, f: f, rw: write, refs: 1}
	e.elem = p.lru.PushFront(e)
	p.files[i] = e
	var toClose []*os.File
	for len(p.files) > p.max {
		victim := p.lru.Back().Value.(*openFile)
		if victim == e {
			break
		}
		if c := p.detachLocked(victim); c != nil {
			toClose = append(toClose, c)
		}
	}
	p.mu.Unlock()
	for _, c := range toClose {
		c.Close()
	}
	return e, nil
}

// release drops a reference taken by acquire.
func (p *filePool) release(e *openFile) {
	p.mu.Lock()
	e.refs--
	var c *os.File
	if e.detached && e.refs == 0 {
		c = e.f
	}
	p.mu.Unlock()
	if c != nil {
		c.Close()
	}
}

// detachLocked removes e from the pool and returns its file if it can be
// closed now (no users); otherwise the last release closes it.
func (p *filePool) detachLocked(e *openFile) *os.File {
	if e.detached {
		return nil
	}
	e.detached = true
	delete(p.files, e.idx)
	p.lru.Remove(e.elem)
	if e.refs == 0 {
		return e.f
	}
	return nil
}

// forget closes file i if it is open (used before removing it).
func (p *filePool) forget(i FileIndex) {
	p.mu.Lock()
	var c *os.File
	if e := p.files[i]; e != nil {
		c = p.detachLocked(e)
	}
	p.mu.Unlock()
	if c != nil {
		c.Close()
	}
}

// writable returns the files currently open for writing, referenced; the
// caller must release each.
func (p *filePool) writable() []*openFile {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []*openFile
	for _, e := range p.files {
		if e.rw {
			e.refs++
			out = append(out, e)
		}
	}
	return out
}

func (p *filePool) openCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.files)
}

// close detaches every file; in-flight users close theirs on release.
func (p *filePool) close() {
	p.mu.Lock()
	p.closed = true
	var toClose []*os.File
	for _, e := range p.files {
		if c := p.detachLocked(e); c != nil {
			toClose = append(toClose, c)
		}
	}
	p.mu.Unlock()
	for _, c := range toClose {
		c.Close()
	}
}
