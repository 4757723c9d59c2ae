package disk

import (
	"time"

	"github.com/libbt/libbt/core/guard"
)

// guardedBackend turns a panic in a Backend call into an error (a *guard.Panic, matched by
// guard.ErrPanic) returned like any I/O error: the cache above calls backends with its own
// bookkeeping half done (blocks in flight, a mutex released for the I/O and taken back after),
// which a panic unwinding through it would leave broken for every torrent of the session.
type guardedBackend struct{ b Backend }

func (g guardedBackend) ReadAt(f FileIndex, p []byte, off int64) (n int, err error) {
	err = guardPanic("disk read", func() error { n, err = g.b.ReadAt(f, p, off); return err })
	return n, err
}

func (g guardedBackend) ReadAtV(f FileIndex, bufs [][]byte, off int64) (n int, err error) {
	err = guardPanic("disk read", func() error { n, err = g.b.ReadAtV(f, bufs, off); return err })
	return n, err
}

func (g guardedBackend) WriteAt(f FileIndex, bufs [][]byte, off int64) (n int, err error) {
	err = guardPanic("disk write", func() error { n, err = g.b.WriteAt(f, bufs, off); return err })
	return n, err
}

func (g guardedBackend) Size(f FileIndex) (n int64, err error) {
	err = guardPanic("disk stat", func() error { n, err = g.b.Size(f); return err })
	return n, err
}

func (g guardedBackend) ModTime(f FileIndex) (t time.Time, err error) {
	err = guardPanic("disk stat", func() error { t, err = g.b.ModTime(f); return err })
	return t, err
}

func (g guardedBackend) Discard(f FileIndex, off, n int64) error {
	return guardPanic("disk discard", func() error { return g.b.Discard(f, off, n) })
}

func (g guardedBackend) Remove(f FileIndex) error {
	return guardPanic("disk remove", func() error { return g.b.Remove(f) })
}

func (g guardedBackend) Sync() error {
	return guardPanic("disk sync", g.b.Sync)
}

func (g guardedBackend) Close() error {
	return guardPanic("disk close", g.b.Close)
}

// guardPanic runs f and returns its error, or the panic it raised as an error.
func guardPanic(where string, f func() error) (err error) {
	if p := guard.Run(where, func() { err = f() }); p != nil {
		return p
	}
	return err
}
