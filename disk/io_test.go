package disk

import (
	"context"
	"crypto/sha1"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func newIO(t *testing.T, opts IOOptions) *IO {
	t.Helper()
	d := NewIO(opts)
	t.Cleanup(d.Close)
	return d
}

// wait receives from ch or fails the test after a timeout.
func wait[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatal("timed out waiting for a disk callback")
	}
	var zero T
	return zero
}

func TestIOWriteThenReadAndHashAcrossFiles(t *testing.T) {
	d := newIO(t, IOOptions{})
	files := spanFiles()
	st := openStorage(t, t.TempDir(), files)
	data := withPads(files, randomBytes(int(totalLen(files)), 5))

	errs := make(chan error, 64)
	for off := 0; off < len(data); off += BlockSize / 8 {
		end := min(off+BlockSize/8, len(data))
		d.Write(st, int64(off), data[off:end], func(err error) { errs <- err })
	}
	for off := 0; off < len(data); off += BlockSize / 8 {
		require.NoError(t, wait(t, errs))
	}

	type res struct {
		b   []byte
		err error
	}
	reads := make(chan res, 1)
	d.Read(st, 990, 40, func(b []byte, err error) { reads <- res{b, err} })
	r := wait(t, reads)
	require.NoError(t, r.err)
	require.Equal(t, data[990:1030], r.b)
	require.Equal(t, BlockSize, cap(r.b), "small reads come from the pool")
	ReleaseBuffer(r.b)

	type hres struct {
		sum [20]byte
		err error
	}
	hashes := make(chan hres, 1)
	d.HashPiece(st, 500, 3000, func(sum [20]byte, err error) { hashes <- hres{sum, err} })
	h := wait(t, hashes)
	require.NoError(t, h.err)
	require.Equal(t, sha1.Sum(data[500:3500]), h.sum)
}

func TestIOReadAfterWriteObservesIt(t *testing.T) {
	// A slow backend makes the write still in flight when the read is
	// submitted; the read must wait for it.
	fb := &faultBackend{delay: 30 * time.Millisecond}
	st := openWithFaults(t, t.TempDir(), []FileSpec{{Path: []string{"f"}, Length: 1 << 20}}, fb)
	d := newIO(t, IOOptions{Workers: 4})
	for i := range 20 {
		want := randomBytes(BlockSize, uint64(i))
		off := int64(i) * 1000 // overlapping ranges, all different data
		werr := make(chan error, 1)
		d.Write(st, off, want, func(err error) { werr <- err })
		got := make(chan []byte, 1)
		d.Read(st, off, BlockSize, func(b []byte, err error) {
			if err != nil {
				b = nil
			}
			got <- b
		})
		require.NoError(t, wait(t, werr))
		require.Equal(t, want, wait(t, got))
	}
}

func TestIOWritesToSameRangeApplyInSubmissionOrder(t *testing.T) {
	fb := &faultBackend{}
	st := openWithFaults(t, t.TempDir(), []FileSpec{{Path: []string{"f"}, Length: 64}}, fb)
	d := newIO(t, IOOptions{Workers: 4})
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Add(1)
		d.Write(st, int64(i%8), []byte{byte(i), byte(i), byte(i), byte(i)}, func(err error) {
			require.NoError(t, err)
			wg.Done()
		})
	}
	wg.Wait()
	got := make([]byte, 11)
	_, err := st.ReadAt(got, 0)
	require.NoError(t, err)
	// Last writer of each byte wins: byte k was last written by the highest i
	// with i%8 <= k <= i%8+3.
	want := make([]byte, 11)
	for i := range 200 {
		for k := i % 8; k < i%8+4; k++ {
			want[k] = byte(i)
		}
	}
	require.Equal(t, want, got)
}

func TestIOWriteFailureSurfacesFileErrorThroughDone(t *testing.T) {
	boom := errors.New("injected ENOSPC")
	fb := &faultBackend{writeErr: func(f FileIndex, off int64) error {
		if f == 2 {
			return boom
		}
		return nil
	}}
	dir := t.TempDir()
	st := openWithFaults(t, dir, spanFiles(), fb)
	d := newIO(t, IOOptions{})
	errs := make(chan error, 1)
	d.Write(st, 995, make([]byte, 10), func(err error) { errs <- err })
	err := wait(t, errs)
	require.ErrorIs(t, err, boom)
	var fe *FileError
	require.ErrorAs(t, err, &fe)
	require.Equal(t, "write", fe.Op)
	require.Equal(t, filepath.Join(dir, "t", "sub", "b.bin"), fe.Path)
	require.Zero(t, d.QueuedWriteBytes())

	// A read hitting an injected error gets it too.
	fb.readErr = func(FileIndex, int64, int) error { return boom }
	rerr := make(chan error, 1)
	d.Read(st, 0, 10, func(b []byte, err error) { require.Nil(t, b); rerr <- err })
	require.ErrorIs(t, wait(t, rerr), boom)
}

func TestIOBackPressureReportsFullQueueAndSignalsLow(t *testing.T) {
	release := make(chan struct{})
	fb := &faultBackend{writeErr: func(FileIndex, int64) error { <-release; return nil }}
	st := openWithFaults(t, t.TempDir(), []FileSpec{{Path: []string{"f"}, Length: 1 << 20}}, fb)
	low := make(chan struct{}, 4)
	d := newIO(t, IOOptions{Workers: 2, MaxQueuedWriteBytes: 4 * BlockSize,
		OnWriteQueueLow: func() { low <- struct{}{} }})

	done := make(chan error, 16)
	for i := range 8 {
		require.Equal(t, i > 4, d.WriteQueueFull(), "before write %d", i)
		d.Write(st, int64(i)*BlockSize, GetBuffer(), func(err error) { done <- err })
	}
	require.True(t, d.WriteQueueFull())
	require.EqualValues(t, 8*BlockSize, d.QueuedWriteBytes())
	close(release)
	for range 8 {
		require.NoError(t, wait(t, done))
	}
	wait(t, low)
	require.False(t, d.WriteQueueFull())
	require.Zero(t, d.QueuedWriteBytes())
	select {
	case <-low:
		t.Fatal("OnWriteQueueLow fired twice for one episode")
	case <-time.After(20 * time.Millisecond):
	}
}

func TestIOCloseDrainsQueuedWritesThenRejects(t *testing.T) {
	fb := &faultBackend{delay: 2 * time.Millisecond}
	st := openWithFaults(t, t.TempDir(), []FileSpec{{Path: []string{"f"}, Length: 1 << 20}}, fb)
	d := NewIO(IOOptions{Workers: 2})
	var completed atomic.Int64
	for i := range 50 {
		d.Write(st, int64(i)*BlockSize, make([]byte, BlockSize), func(err error) {
			if err == nil {
				completed.Add(1)
			}
		})
	}
	d.Close()
	require.EqualValues(t, 50, completed.Load())
	errs := make(chan error, 1)
	d.Write(st, 0, []byte("x"), func(err error) { errs <- err })
	require.ErrorIs(t, wait(t, errs), ErrClosed)
	require.Zero(t, d.QueuedWriteBytes())
}

func TestIOCloseStorageWaitsForEarlierJobs(t *testing.T) {
	fb := &faultBackend{delay: 20 * time.Millisecond}
	st := openWithFaults(t, t.TempDir(), []FileSpec{{Path: []string{"f"}, Length: 1 << 20}}, fb)
	d := newIO(t, IOOptions{Workers: 4})
	errs := make(chan error, 8)
	for i := range 4 {
		d.Write(st, int64(i)*BlockSize, make([]byte, BlockSize), func(err error) { errs <- err })
	}
	closed := make(chan error, 1)
	d.CloseStorage(st, func(err error) { closed <- err })
	d.Write(st, 0, []byte("late"), func(err error) { errs <- err })
	for range 4 {
		require.NoError(t, wait(t, errs))
	}
	require.NoError(t, wait(t, closed))
	require.ErrorIs(t, wait(t, errs), ErrClosed, "a write after the barrier sees the closed storage")
}

func TestIOConcurrentMixedWorkloadIsRaceFree(t *testing.T) {
	// Many goroutines on several storages with tiny file pools, checking
	// every read against what that goroutine wrote last to its own region.
	d := newIO(t, IOOptions{Workers: 4})
	var sts []*Storage
	for range 3 {
		var files []FileSpec
		for i := range 9 {
			files = append(files, FileSpec{Path: []string{"d", string(rune('a' + i))}, Length: 7000})
		}
		st, err := OpenStorage(t.TempDir(), files, StorageOptions{MaxOpenFiles: 2})
		require.NoError(t, err)
		t.Cleanup(func() { st.Close() })
		sts = append(sts, st)
	}
	var wg sync.WaitGroup
	for g := range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st := sts[g%3]
			base := int64(g/3) * 15000 // each goroutine owns a region crossing files
			for i := range 40 {
				data := randomBytes(3000+i*7, uint64(g*1000+i))
				off := base + int64(i*97%8000)
				werr := make(chan error, 1)
				d.Write(st, off, data, func(err error) { werr <- err })
				rd := make(chan []byte, 1)
				d.Read(st, off, len(data), func(b []byte, err error) {
					if err != nil {
						b = nil
					}
					rd <- b
				})
				hs := make(chan [20]byte, 1)
				d.HashPiece(st, off, int64(len(data)), func(s [20]byte, err error) { hs <- s })
				if !assertNoErr(t, <-werr) {
					return
				}
				got := <-rd
				if !bytesEqual(t, data, got) {
					return
				}
				ReleaseBuffer(got)
				if <-hs != sha1.Sum(data) {
					t.Errorf("hash mismatch g=%d i=%d", g, i)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func assertNoErr(t *testing.T, err error) bool {
	if err != nil {
		t.Error(err)
		return false
	}
	return true
}

func bytesEqual(t *testing.T, want, got []byte) bool {
	if string(want) != string(got) {
		t.Errorf("read %d bytes, differing from the %d written", len(got), len(want))
		return false
	}
	return true
}

func TestBufferPoolRoundTrip(t *testing.T) {
	b := GetBuffer()
	require.Len(t, b, BlockSize)
	ReleaseBuffer(b[:100]) // a shortened buffer still goes back
	ReleaseBuffer(make([]byte, 10))
	allocs := testing.AllocsPerRun(100, func() { ReleaseBuffer(GetBuffer()) })
	require.Zero(t, allocs)
}

func TestIOSyncAndRemoveStorageRunAfterEarlierWrites(t *testing.T) {
	dir := t.TempDir()
	files := spanFiles()
	st := openStorage(t, dir, files)
	d := newIO(t, IOOptions{})
	data := randomBytes(int(totalLen(files)), 14)
	errs := make(chan error, 4)
	d.Write(st, 0, data, func(err error) { errs <- err })
	d.SyncStorage(st, func(err error) { errs <- err })
	require.NoError(t, wait(t, errs))
	require.NoError(t, wait(t, errs))
	sizes, err := st.FileSizes()
	require.NoError(t, err)
	require.Equal(t, []int64{1000, -1, 3, 21, 2500, 1}, sizes)

	d.Write(st, 0, data[:100], func(err error) { errs <- err })
	d.RemoveStorage(st, func(err error) { errs <- err })
	require.NoError(t, wait(t, errs))
	require.NoError(t, wait(t, errs))
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Empty(t, entries)
}

func TestIOVerifyAfterCloseFailsWithErrClosed(t *testing.T) {
	st := openStorage(t, t.TempDir(), verifyFiles())
	d := NewIO(IOOptions{})
	d.Close()
	ch := make(chan error, 1)
	d.Verify(context.Background(), st, 1000, st.Length(), make([]byte, 200), nil,
		func(have []bool, err error) { ch <- err })
	require.ErrorIs(t, wait(t, ch), ErrClosed)
}

func TestStorageWriteBlocksAtWithMoreBuffersThanIOVMax(t *testing.T) {
	st := openStorage(t, t.TempDir(), []FileSpec{{Path: []string{"f"}, Length: 3000 * 7}})
	data := randomBytes(3000*7, 15)
	var bufs [][]byte
	for i := 0; i < len(data); i += 7 {
		bufs = append(bufs, data[i:i+7])
	}
	n, err := st.WriteBlocksAt(bufs, 0)
	require.NoError(t, err)
	require.Equal(t, len(data), n)
	got := make([]byte, len(data))
	_, err = st.ReadAt(got, 0)
	require.NoError(t, err)
	require.Equal(t, data, got)
}

func TestFileErrorNamesOpAndPath(t *testing.T) {
	err := &FileError{Path: "/x/y", Op: "write", Err: os.ErrPermission}
	require.Equal(t, "disk: write /x/y: permission denied", err.Error())
	require.ErrorIs(t, err, os.ErrPermission)
}

func TestIOTwoServicesSharingAStorageStillOrderAndComplete(t *testing.T) {
	fb := &faultBackend{delay: 10 * time.Millisecond}
	st := openWithFaults(t, t.TempDir(), []FileSpec{{Path: []string{"f"}, Length: 1 << 20}}, fb)
	d1 := newIO(t, IOOptions{Workers: 1})
	d2 := newIO(t, IOOptions{Workers: 1})
	for i := range 10 {
		want := randomBytes(1000, uint64(100+i))
		werr := make(chan error, 1)
		d1.Write(st, 500, want, func(err error) { werr <- err })
		got := make(chan []byte, 1)
		d2.Read(st, 500, 1000, func(b []byte, err error) {
			if err != nil {
				b = nil
			}
			got <- b
		})
		require.NoError(t, wait(t, werr))
		require.Equal(t, want, wait(t, got))
	}
}
