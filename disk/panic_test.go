package disk

import (
	"crypto/sha1"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/libbt/libbt/core/guard"
)

// osBackendOf is the OS backend under a storage's panic guard (and no test wrapper).
func osBackendOf(st *Storage) *osBackend {
	return st.backend.(guardedBackend).b.(*osBackend)
}

// panickingBackend panics on every write.
type panickingBackend struct{ Backend }

func (panickingBackend) WriteAt(FileIndex, [][]byte, int64) (int, error) {
	panic("backend bug")
}

func oneFile(n int64) []FileSpec { return []FileSpec{{Path: []string{"f"}, Length: n}} }

func TestPanicInADoneCallbackIsReportedToItsStorageAndTheWorkerGoesOn(t *testing.T) {
	d := newIO(t, IOOptions{Workers: 1}) // one worker: if it died, nothing else would run
	panics := make(chan *guard.Panic, 1)
	bad, err := OpenStorage(t.TempDir(), oneFile(BlockSize), StorageOptions{OnPanic: func(p *guard.Panic) { panics <- p }})
	require.NoError(t, err)
	t.Cleanup(func() { bad.Close() })
	good := openStorage(t, t.TempDir(), oneFile(BlockSize))

	d.Write(bad, 0, make([]byte, 100), func(error) { panic("callback bug") })
	p := wait(t, panics)
	require.Equal(t, "callback bug", p.Value)
	require.Equal(t, "disk job", p.Where)

	done := make(chan error, 1)
	d.Write(good, 0, []byte("still working"), func(err error) { done <- err })
	require.NoError(t, wait(t, done), "the disk worker survived the panic")
	require.Zero(t, d.QueuedWriteBytes())
}

func TestPanicInAnEarlyFailureCallbackIsReportedToItsStorage(t *testing.T) {
	d := newIO(t, IOOptions{})
	panics := make(chan *guard.Panic, 1)
	st, err := OpenStorage(t.TempDir(), oneFile(BlockSize), StorageOptions{OnPanic: func(p *guard.Panic) { panics <- p }})
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	d.Read(st, 0, -1, func([]byte, error) { panic("callback bug") })
	require.Equal(t, "callback bug", wait(t, panics).Value)
}

func TestPanicWithoutAStorageHandlerGoesToTheIOHandler(t *testing.T) {
	panics := make(chan *guard.Panic, 1)
	d := newIO(t, IOOptions{Workers: 1, OnPanic: func(p *guard.Panic) { panics <- p }})
	st := openStorage(t, t.TempDir(), oneFile(BlockSize))
	d.Write(st, 0, make([]byte, 10), func(error) { panic("callback bug") })
	require.Equal(t, "callback bug", wait(t, panics).Value)
	done := make(chan error, 1)
	d.Write(st, 0, make([]byte, 10), func(err error) { done <- err })
	require.NoError(t, wait(t, done), "the only disk worker survived the panic")
}

// A backend that panics while the cache flushes a piece (the cache's lock released, blocks
// marked in flight) must leave the cache usable: the panic becomes the write's error.
func TestPanicInABackendBecomesTheErrorOfTheWriteAndTheCacheGoesOn(t *testing.T) {
	d := newIO(t, IOOptions{Workers: 1})
	bad, err := OpenStorage(t.TempDir(), oneFile(BlockSize), StorageOptions{WrapBackend: func(b Backend) Backend { return panickingBackend{b} }})
	require.NoError(t, err)
	t.Cleanup(func() { bad.Close() })
	good := openStorage(t, t.TempDir(), oneFile(BlockSize))
	data := randomBytes(BlockSize, 9)
	pc := Piece{Index: 0, Offset: 0, Size: BlockSize}

	type result struct {
		ok  bool
		err error
	}
	finish := func(st *Storage) result {
		wrote := make(chan error, 1)
		d.WriteBlock(st, pc, 0, data, func(err error) { wrote <- err })
		require.NoError(t, wait(t, wrote))
		res := make(chan result, 1)
		d.FinishPiece(st, pc, sha1.Sum(data), func(ok bool, err error) { res <- result{ok, err} })
		return wait(t, res)
	}
	r := finish(bad)
	require.False(t, r.ok)
	require.ErrorIs(t, r.err, guard.ErrPanic)
	var fe *FileError
	require.ErrorAs(t, r.err, &fe, "the panic is reported as the failed write of a file")
	require.Equal(t, bad.FilePath(0), fe.Path)

	r = finish(good)
	require.NoError(t, r.err)
	require.True(t, r.ok, "the other storage's piece is written")
}
