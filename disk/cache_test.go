package disk

import (
	"crypto/sha1"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// cacheFixture is one storage of n pieces of pieceBlocks blocks, with its data and a fault
// backend in front of the OS.
type cacheFixture struct {
	t      *testing.T
	d      *IO
	st     *Storage
	fb     *faultBackend
	dir    string
	data   []byte
	pl     int64
	pieces int
}

func newCacheFixture(t *testing.T, cacheBlocks int, pieces, pieceBlocks int, files []FileSpec) *cacheFixture {
	t.Helper()
	pl := int64(pieceBlocks * BlockSize)
	if files == nil {
		files = []FileSpec{{Path: []string{"f"}, Length: int64(pieces) * pl}}
	}
	f := &cacheFixture{t: t, fb: &faultBackend{}, dir: t.TempDir(), pl: pl}
	f.st = openWithFaults(t, f.dir, files, f.fb)
	f.data = withPads(files, randomBytes(int(f.st.Length()), 42))
	f.pieces = int((f.st.Length() + pl - 1) / pl)
	f.d = newIO(t, IOOptions{Cache: CacheOptions{Size: int64(cacheBlocks) * BlockSize}})
	return f
}

func (f *cacheFixture) piece(i int) Piece {
	off := int64(i) * f.pl
	return Piece{Index: i, Offset: off, Size: min(f.pl, f.st.Length()-off)}
}

func (f *cacheFixture) block(p, bi int) []byte {
	pc := f.piece(p)
	off := pc.Offset + int64(bi)*BlockSize
	return f.data[off : off+int64(blockLen(pc, bi))]
}

func (f *cacheFixture) hash(p int) [20]byte {
	pc := f.piece(p)
	return sha1.Sum(f.data[pc.Offset : pc.Offset+pc.Size])
}

// write gives block bi of piece p to the cache and waits until it is taken.
func (f *cacheFixture) write(p, bi int, data []byte) {
	f.t.Helper()
	if data == nil {
		data = f.block(p, bi)
	}
	errs := make(chan error, 1)
	f.d.WriteBlock(f.st, f.piece(p), bi*BlockSize, data, func(err error) { errs <- err })
	require.NoError(f.t, wait(f.t, errs))
	f.idle() // hashing goes on after done
}

type finishResult struct {
	ok  bool
	err error
}

func (f *cacheFixture) finish(p int) finishResult {
	f.t.Helper()
	ch := make(chan finishResult, 1)
	f.d.FinishPiece(f.st, f.piece(p), f.hash(p), func(ok bool, err error) { ch <- finishResult{ok, err} })
	return wait(f.t, ch)
}

type readResult struct {
	data []byte
	err  error
}

func (f *cacheFixture) read(p, begin, length int) readResult {
	f.t.Helper()
	ch := make(chan readResult, 1)
	f.d.ReadBlock(f.st, f.piece(p), begin, length, func(data []byte, err error) {
		ch <- readResult{append([]byte(nil), data...), err}
	})
	r := wait(f.t, ch)
	f.idle() // the block stays pinned until the callback has returned
	return r
}

// idle waits until every submitted job has finished.
func (f *cacheFixture) idle() {
	f.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		f.d.mu.Lock()
		n := f.d.pending
		f.d.mu.Unlock()
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			f.t.Fatal("disk jobs did not finish")
		}
		time.Sleep(time.Millisecond)
	}
}

// putOnDisk writes the whole torrent straight through the storage.
func (f *cacheFixture) putOnDisk() {
	f.t.Helper()
	_, err := f.st.WriteAt(f.data, 0)
	require.NoError(f.t, err)
	f.fb.writes.Store(0)
}

func (f *cacheFixture) onDisk() []byte {
	f.t.Helper()
	b, err := os.ReadFile(filepath.Join(f.dir, "f"))
	require.NoError(f.t, err)
	return b
}

func TestFinishPieceWritesVerifiedPieceWithOneSyscallAndNoReadBack(t *testing.T) {
	f := newCacheFixture(t, 256, 4, 64, nil) // 1 MiB pieces
	for p := range f.pieces {
		for bi := range 64 {
			f.write(p, bi, nil)
		}
		require.EqualValues(t, p, f.fb.writes.Load(), "nothing is written before the piece is finished")
		r := f.finish(p)
		require.NoError(t, r.err)
		require.True(t, r.ok)
	}
	s := f.d.Stats()
	require.EqualValues(t, 4, s.WriteSyscalls)
	require.EqualValues(t, 4, f.fb.writes.Load())
	require.Zero(t, f.fb.reads.Load(), "a finished piece is never read back")
	require.Zero(t, s.HashReadBacks)
	require.EqualValues(t, 4, s.PiecesFlushed)
	require.EqualValues(t, 4, s.FlushesComplete)
	require.Zero(t, s.WriteBlocks)
	require.EqualValues(t, 256, s.ReadBlocks, "finished pieces stay as read blocks")
	require.Equal(t, f.data, f.onDisk())
}

func TestBlocksArrivingOutOfOrderAreHashedWhenTheGapFills(t *testing.T) {
	f := newCacheFixture(t, 64, 1, 16, nil)
	order := rand.New(rand.NewPCG(1, 2)).Perm(16)
	for _, bi := range order {
		f.write(0, bi, nil)
	}
	r := f.finish(0)
	require.NoError(t, r.err)
	require.True(t, r.ok)
	require.Zero(t, f.fb.reads.Load())
	require.EqualValues(t, 1, f.fb.writes.Load())
	require.Equal(t, f.data, f.onDisk())
}

func TestFailedPieceIsDroppedAndNothingWritten(t *testing.T) {
	f := newCacheFixture(t, 64, 2, 4, nil)
	bad := append([]byte(nil), f.block(0, 2)...)
	bad[7] ^= 0xff
	for bi := range 4 {
		if bi == 2 {
			f.write(0, bi, bad)
		} else {
			f.write(0, bi, nil)
		}
	}
	r := f.finish(0)
	require.NoError(t, r.err)
	require.False(t, r.ok)
	require.Zero(t, f.fb.writes.Load(), "a failed piece writes nothing")
	s := f.d.Stats()
	require.EqualValues(t, 1, s.PiecesFailed)
	require.Zero(t, s.WriteBlocks+s.ReadBlocks, "its blocks are dropped")
	_, err := os.Stat(filepath.Join(f.dir, "f"))
	require.ErrorIs(t, err, os.ErrNotExist)

	// Fetched again, it passes.
	for bi := range 4 {
		f.write(0, bi, nil)
	}
	r = f.finish(0)
	require.NoError(t, r.err)
	require.True(t, r.ok)
}

func TestRewrittenBlockIsHashedAgain(t *testing.T) {
	f := newCacheFixture(t, 64, 1, 4, nil)
	bad := append([]byte(nil), f.block(0, 0)...)
	bad[0] ^= 1
	f.write(0, 0, bad) // hashed at once as the prefix
	for bi := range 4 {
		f.write(0, bi, nil) // block 0 replaced by the good one
	}
	r := f.finish(0)
	require.NoError(t, r.err)
	require.True(t, r.ok)
	require.Equal(t, f.data, f.onDisk())
}

func TestBudgetFlushesLeastRecentlyUpdatedPartialPieceFirst(t *testing.T) {
	f := newCacheFixture(t, 8, 5, 4, nil) // 8-block cache, 4-block pieces
	// Two blocks each of pieces 0..3 fill the cache; then piece 0 is updated again, so piece 1
	// is now the least recently updated.
	for p := range 4 {
		f.write(p, 0, nil)
		f.write(p, 1, nil)
	}
	require.Zero(t, f.fb.writes.Load())
	f.write(0, 1, nil) // rewrite: piece 0 becomes the most recently updated
	f.write(4, 0, nil) // needs a slot
	require.Equal(t, []int64{1 * 4 * BlockSize}, f.fb.writeOffsets(), "piece 1 is flushed first")
	f.write(4, 1, nil)
	require.Equal(t, []int64{1 * 4 * BlockSize}, f.fb.writeOffsets(), "piece 1's flushed blocks are reused first")
	f.write(4, 2, nil)
	require.Equal(t, []int64{4 * BlockSize, 2 * 4 * BlockSize}, f.fb.writeOffsets(), "then piece 2")
	s := f.d.Stats()
	require.EqualValues(t, 2, s.FlushesBudget)
	require.LessOrEqual(t, s.WriteBlocks+s.ReadBlocks, int64(8))

	// Piece 1 completes later: its hash was kept, so only the new blocks are written and
	// nothing is read back.
	f.write(1, 2, nil)
	f.write(1, 3, nil)
	reads := f.fb.reads.Load()
	r := f.finish(1)
	require.NoError(t, r.err)
	require.True(t, r.ok)
	require.Equal(t, reads, f.fb.reads.Load())
	require.Zero(t, f.d.Stats().HashReadBacks)
}

func TestBlockFlushedBeforeBeingHashedIsReadBack(t *testing.T) {
	f := newCacheFixture(t, 4, 2, 8, nil)
	for bi := 1; bi < 8; bi++ { // block 0 missing: nothing can be hashed yet
		f.write(0, bi, nil)
	}
	require.Positive(t, f.d.Stats().FlushesBudget)
	f.write(0, 0, nil)
	r := f.finish(0)
	require.NoError(t, r.err)
	require.True(t, r.ok)
	s := f.d.Stats()
	require.EqualValues(t, 1, s.HashReadBacks)
	require.Positive(t, s.ReadBackBlocks)
	require.Less(t, s.ReadBackBlocks, uint64(8), "blocks still cached are hashed from memory")
	require.Equal(t, f.data[:8*BlockSize], f.onDisk()[:8*BlockSize])
}

func TestReadAheadFillsTheRestOfThePiece(t *testing.T) {
	f := newCacheFixture(t, 256, 4, 64, nil)
	f.putOnDisk()
	for p := range f.pieces {
		for bi := range 64 {
			r := f.read(p, bi*BlockSize, BlockSize)
			require.NoError(t, r.err)
			require.Equal(t, f.block(p, bi), r.data)
			if bi == 0 {
				require.EqualValues(t, p+1, f.fb.reads.Load(), "the first block reads the whole piece")
			}
		}
	}
	s := f.d.Stats()
	require.EqualValues(t, 4, s.ReadSyscalls, "one read per piece")
	require.EqualValues(t, 4, s.ReadMisses)
	require.EqualValues(t, 4*63, s.ReadHits)
}

func TestParallelRequestsOfOnePieceShareOneRead(t *testing.T) {
	f := newCacheFixture(t, 256, 4, 64, nil)
	f.putOnDisk()
	var wg sync.WaitGroup
	var mu sync.Mutex
	got := map[int][]byte{}
	for p := range f.pieces {
		for bi := range 64 {
			wg.Add(1)
			f.d.ReadBlock(f.st, f.piece(p), bi*BlockSize, BlockSize, func(data []byte, err error) {
				defer wg.Done()
				require.NoError(t, err)
				mu.Lock()
				got[p*64+bi] = append([]byte(nil), data...)
				mu.Unlock()
			})
		}
	}
	wg.Wait()
	for p := range f.pieces {
		for bi := range 64 {
			require.Equal(t, f.block(p, bi), got[p*64+bi])
		}
	}
	require.LessOrEqual(t, f.d.Stats().ReadSyscalls, uint64(float64(f.pieces)*1.1)+1)
}

func TestReadsSpanningBlocksAndPieceEdgesAcrossFiles(t *testing.T) {
	files := []FileSpec{
		{Path: []string{"a"}, Length: 3*BlockSize + 100},
		{Path: []string{"pad"}, Length: 50, Pad: true},
		{Path: []string{"b"}, Length: 5*BlockSize + 7},
	}
	f := newCacheFixture(t, 64, 0, 4, files)
	_, err := f.st.WriteAt(f.data, 0)
	require.NoError(t, err)
	for _, c := range []struct{ p, begin, n int }{
		{0, 100, BlockSize}, {0, 0, 4 * BlockSize}, {1, BlockSize - 1, 2}, {2, 0, 7}, {1, 3 * BlockSize, BlockSize},
	} {
		r := f.read(c.p, c.begin, c.n)
		require.NoError(t, r.err)
		off := f.piece(c.p).Offset + int64(c.begin)
		require.Equal(t, f.data[off:off+int64(c.n)], r.data)
	}
	// A piece over the file edge, written through the cache, lands in both files with the
	// pad bytes dropped.
	g := newCacheFixture(t, 64, 0, 4, files)
	for bi := range 4 {
		g.write(0, bi, nil)
	}
	require.True(t, g.finish(0).ok)
	a, err := os.ReadFile(filepath.Join(g.dir, "a"))
	require.NoError(t, err)
	require.Equal(t, g.data[:3*BlockSize+100], a)
	_, err = os.Stat(filepath.Join(g.dir, "pad"))
	require.ErrorIs(t, err, os.ErrNotExist, "pad files are never written")
	require.EqualValues(t, 2, g.d.Stats().WriteSyscalls, "one write per file")
	b, err := os.ReadFile(filepath.Join(g.dir, "b"))
	require.NoError(t, err)
	require.Equal(t, g.data[3*BlockSize+150:4*BlockSize], b)
}

func TestWritesEvictReadBlocksBeforeFlushing(t *testing.T) {
	f := newCacheFixture(t, 8, 4, 4, nil)
	f.putOnDisk()
	require.NoError(t, f.read(0, 0, BlockSize).err)
	require.NoError(t, f.read(1, 0, BlockSize).err)
	require.EqualValues(t, 8, f.d.Stats().ReadBlocks, "the cache is full of read blocks")
	for bi := range 4 {
		f.write(2, bi, nil)
		f.write(3, bi, nil)
	}
	s := f.d.Stats()
	require.EqualValues(t, 8, s.WriteBlocks, "writes took every slot")
	require.Zero(t, s.ReadBlocks)
	require.Zero(t, s.FlushesBudget, "no write was flushed early to make room")
	require.Zero(t, f.fb.writes.Load())

	// Reads never push written blocks out: with the cache full of them, a read goes around.
	r := f.read(0, 2*BlockSize, BlockSize)
	require.NoError(t, r.err)
	require.Equal(t, f.block(0, 2), r.data)
	s = f.d.Stats()
	require.EqualValues(t, 8, s.WriteBlocks)
	require.Zero(t, s.FlushesBudget)
	require.Zero(t, f.fb.writes.Load())
}

func TestCacheNeverExceedsItsBudget(t *testing.T) {
	const budget = 24
	f := newCacheFixture(t, budget, 16, 8, nil)
	f.putOnDisk()
	rng := rand.New(rand.NewPCG(7, 7))
	var wg sync.WaitGroup
	for round := range 6 {
		// Concurrent writers of shuffled blocks of 4 pieces, readers of 4 others.
		ws := rng.Perm(16)[:8]
		for i, p := range ws {
			if i < 4 {
				for _, bi := range rng.Perm(8) {
					wg.Add(1)
					f.d.WriteBlock(f.st, f.piece(p), bi*BlockSize, f.block(p, bi), func(err error) {
						defer wg.Done()
						require.NoError(t, err)
					})
				}
				wg.Add(1)
				f.d.FinishPiece(f.st, f.piece(p), f.hash(p), func(ok bool, err error) {
					defer wg.Done()
					require.NoError(t, err)
					require.True(t, ok)
				})
				continue
			}
			for bi := range 8 {
				wg.Add(1)
				f.d.ReadBlock(f.st, f.piece(p), bi*BlockSize, BlockSize, func(data []byte, err error) {
					defer wg.Done()
					require.NoError(t, err)
					require.Equal(t, f.block(p, bi), data, "round %d", round)
				})
			}
		}
		wg.Wait()
	}
	f.d.cache.mu.Lock()
	peak, carved := f.d.cache.arena.peak, f.d.cache.arena.carved
	f.d.cache.mu.Unlock()
	require.LessOrEqual(t, peak, budget)
	require.LessOrEqual(t, carved, budget)
	require.LessOrEqual(t, f.d.Stats().MappedBytes, int64(budget*BlockSize))
	require.Equal(t, f.data, f.onDisk())
}

func TestWriteFailureIsAFileErrorWithOpAndPath(t *testing.T) {
	for name, c := range map[string]struct {
		inject func(fb *faultBackend)
		is     error
	}{
		"enospc":      {func(fb *faultBackend) { fb.writeErr = func(FileIndex, int64) error { return syscall.ENOSPC } }, syscall.ENOSPC},
		"eacces":      {func(fb *faultBackend) { fb.writeErr = func(FileIndex, int64) error { return os.ErrPermission } }, os.ErrPermission},
		"short write": {func(fb *faultBackend) { fb.shortBy = 100 }, io.ErrShortWrite},
	} {
		t.Run(name, func(t *testing.T) {
			f := newCacheFixture(t, 64, 2, 4, nil)
			c.inject(f.fb)
			for bi := range 4 {
				f.write(0, bi, nil)
			}
			r := f.finish(0)
			require.False(t, r.ok)
			require.ErrorIs(t, r.err, c.is)
			var fe *FileError
			require.ErrorAs(t, r.err, &fe)
			require.Equal(t, "write", fe.Op)
			require.Equal(t, filepath.Join(f.dir, "f"), fe.Path)
			s := f.d.Stats()
			require.Zero(t, s.WriteBlocks+s.ReadBlocks, "the failed piece's blocks are dropped")

			// Once the cause is gone the piece can be written again.
			f.fb.writeErr, f.fb.shortBy = nil, 0
			for bi := range 4 {
				f.write(0, bi, nil)
			}
			require.True(t, f.finish(0).ok)
		})
	}
}

func TestBudgetFlushFailureIsReportedByFinishPiece(t *testing.T) {
	f := newCacheFixture(t, 4, 3, 4, nil)
	f.fb.writeErr = func(FileIndex, int64) error { return syscall.EIO }
	for bi := range 3 {
		f.write(0, bi, nil)
	}
	f.write(1, 0, nil)
	f.write(1, 1, nil) // flushes piece 0's blocks for room: fails
	f.fb.writeErr = nil
	f.write(0, 3, nil)
	r := f.finish(0)
	require.False(t, r.ok)
	require.ErrorIs(t, r.err, syscall.EIO)
}

func TestReadFailureIsReported(t *testing.T) {
	f := newCacheFixture(t, 64, 2, 4, nil)
	f.putOnDisk()
	f.fb.readErr = func(FileIndex, int64, int) error { return syscall.EIO }
	r := f.read(0, 0, BlockSize)
	require.ErrorIs(t, r.err, syscall.EIO)
	var fe *FileError
	require.ErrorAs(t, r.err, &fe)
	require.Equal(t, "read", fe.Op)
	require.Zero(t, f.d.Stats().ReadBlocks, "nothing half-read is cached")
	f.fb.readErr = nil
	r = f.read(0, 0, BlockSize)
	require.NoError(t, r.err)
	require.Equal(t, f.block(0, 0), r.data)
}

func TestReadOfMissingDataIsNotFound(t *testing.T) {
	f := newCacheFixture(t, 64, 2, 4, nil)
	r := f.read(1, 0, BlockSize)
	require.ErrorIs(t, r.err, ErrNotFound)
}

func TestCloseStorageWritesPartialPieces(t *testing.T) {
	f := newCacheFixture(t, 64, 2, 4, nil)
	f.write(1, 1, nil)
	f.write(1, 2, nil)
	errs := make(chan error, 1)
	f.d.CloseStorage(f.st, func(err error) { errs <- err })
	require.NoError(t, wait(t, errs))
	s := f.d.Stats()
	require.EqualValues(t, 1, s.FlushesClose)
	require.Zero(t, s.WriteBlocks+s.ReadBlocks)
	got := f.onDisk()
	require.Equal(t, f.data[5*BlockSize:7*BlockSize], got[5*BlockSize:7*BlockSize])
}

func TestVerifySeesCachedWrites(t *testing.T) {
	f := newCacheFixture(t, 64, 2, 4, nil)
	for p := range 2 {
		for bi := range 4 {
			f.write(p, bi, nil)
		}
	}
	ch := make(chan verifyResult, 1)
	hashes := pieceHashes(f.data, int(f.pl))
	f.d.Verify(t.Context(), f.st, f.pl, f.st.Length(), hashes, nil, func(have []bool, err error) { ch <- verifyResult{have, err} })
	r := wait(t, ch)
	require.NoError(t, r.err)
	require.Equal(t, []bool{true, true}, r.have)
}

func TestRemoveStorageDropsCachedWritesUnwritten(t *testing.T) {
	f := newCacheFixture(t, 64, 2, 4, nil)
	f.write(0, 0, nil)
	errs := make(chan error, 1)
	f.d.RemoveStorage(f.st, func(err error) { errs <- err })
	require.NoError(t, wait(t, errs))
	require.Zero(t, f.fb.writes.Load())
	s := f.d.Stats()
	require.Zero(t, s.WriteBlocks+s.ReadBlocks)
}

func TestLockRefusedFallsBackToUnlockedMemoryAndSaysSoOnce(t *testing.T) {
	orig := mlock
	t.Cleanup(func() { mlock = orig })
	mlock = func([]byte) error { return syscall.EPERM }
	reports := make(chan error, 4)
	files := []FileSpec{{Path: []string{"f"}, Length: 4 << 20}}
	st := openStorage(t, t.TempDir(), files)
	d := newIO(t, IOOptions{Cache: CacheOptions{Size: 4 << 20, OnLockFailed: func(err error) { reports <- err }}})
	data := randomBytes(4<<20, 1)
	for p := range 4 {
		pc := Piece{Index: p, Offset: int64(p) << 20, Size: 1 << 20}
		errs := make(chan error, 64)
		for bi := range 64 {
			off := pc.Offset + int64(bi)*BlockSize
			d.WriteBlock(st, pc, bi*BlockSize, data[off:off+BlockSize], func(err error) { errs <- err })
		}
		for range 64 {
			require.NoError(t, wait(t, errs))
		}
	}
	err := wait(t, reports)
	require.ErrorIs(t, err, syscall.EPERM)
	select {
	case err := <-reports:
		t.Fatalf("reported twice: %v", err)
	default:
	}
	s := d.Stats()
	require.True(t, s.LockFailed)
	require.Zero(t, s.LockedBytes)
	require.EqualValues(t, 4<<20, s.MappedBytes)
	require.EqualValues(t, 256, s.WriteBlocks, "the cache works unlocked")
}

func TestLockedCacheMemoryIsCounted(t *testing.T) {
	orig := mlock
	t.Cleanup(func() { mlock = orig })
	var locked int
	mlock = func(b []byte) error { locked += len(b); return nil }
	f := newCacheFixture(t, 128, 2, 64, nil)
	f.write(0, 0, nil)
	s := f.d.Stats()
	require.EqualValues(t, slabBlocks*BlockSize, s.LockedBytes, "memory is mapped and locked a slab at a time")
	require.EqualValues(t, slabBlocks*BlockSize, locked)
	require.False(t, s.LockFailed)

	g := &cacheFixture{t: t}
	g.d = newIO(t, IOOptions{Cache: CacheOptions{Size: 1 << 20, NoLock: true}})
	g.fb, g.dir, g.pl = &faultBackend{}, t.TempDir(), 1<<20
	g.st = openWithFaults(t, g.dir, []FileSpec{{Path: []string{"f"}, Length: 1 << 20}}, g.fb)
	g.data = randomBytes(1<<20, 3)
	locked = 0
	g.write(0, 0, nil)
	require.Zero(t, g.d.Stats().LockedBytes, "locking off")
	require.Zero(t, locked)
}

func TestWritableWaitsForTheWriteQueueToDrain(t *testing.T) {
	files := []FileSpec{{Path: []string{"f"}, Length: 64 * BlockSize}}
	fb := &faultBackend{}
	st := openWithFaults(t, t.TempDir(), files, fb)
	gate := make(chan struct{})
	fb.writeErr = func(FileIndex, int64) error { <-gate; return nil }
	// A 4-block cache and a queue limit of 8 blocks: writes beyond the cache have to flush,
	// and the flushes are held at the gate.
	d := newIO(t, IOOptions{Workers: 2, MaxQueuedWriteBytes: 8 * BlockSize, Cache: CacheOptions{Size: 4 * BlockSize}})
	data := randomBytes(64*BlockSize, 9)
	select {
	case <-d.Writable():
	default:
		t.Fatal("an empty queue is writable")
	}
	errs := make(chan error, 64)
	for bi := range 16 {
		pc := Piece{Index: bi / 4, Offset: int64(bi/4) * 4 * BlockSize, Size: 4 * BlockSize}
		d.WriteBlock(st, pc, (bi%4)*BlockSize, data[bi*BlockSize:(bi+1)*BlockSize], func(err error) { errs <- err })
	}
	require.True(t, d.WriteQueueFull())
	ch := d.Writable()
	select {
	case <-ch:
		t.Fatal("writable while the queue is full")
	default:
	}
	close(gate)
	wait(t, ch)
	require.True(t, d.WaitWritable(nil))
	for range 16 {
		require.NoError(t, wait(t, errs))
	}
}

func TestBadBlockArgumentsAreRefused(t *testing.T) {
	f := newCacheFixture(t, 64, 2, 4, nil)
	errs := make(chan error, 4)
	f.d.WriteBlock(f.st, f.piece(0), 100, f.block(0, 0), func(err error) { errs <- err })
	require.ErrorIs(t, wait(t, errs), ErrOutOfRange)
	f.d.WriteBlock(f.st, f.piece(0), 0, f.block(0, 0)[:10], func(err error) { errs <- err })
	require.ErrorIs(t, wait(t, errs), ErrOutOfRange)
	f.d.WriteBlock(f.st, Piece{Index: 9, Offset: f.st.Length(), Size: 10}, 0, nil, func(err error) { errs <- err })
	require.ErrorIs(t, wait(t, errs), ErrOutOfRange)
	r := f.read(0, 4*BlockSize-1, 2)
	require.True(t, errors.Is(r.err, ErrOutOfRange))
}

func TestBlockIsWrittenThroughWhenNoSlotCanBeFreed(t *testing.T) {
	f := newCacheFixture(t, 4, 3, 4, nil)
	gate := make(chan struct{})
	started := make(chan struct{}, 8)
	f.fb.writeErr = func(FileIndex, int64) error {
		started <- struct{}{}
		<-gate
		return nil
	}
	for bi := range 4 {
		f.write(0, bi, nil) // the cache is full of piece 0
	}
	errs := make(chan error, 2)
	f.d.WriteBlock(f.st, f.piece(1), 0, f.block(1, 0), func(err error) { errs <- err })
	wait(t, started) // piece 0 is being flushed for room: its blocks are in flight
	f.d.WriteBlock(f.st, f.piece(2), 0, f.block(2, 0), func(err error) { errs <- err })
	wait(t, started) // nothing to evict or flush: this block goes straight to disk
	close(gate)
	require.NoError(t, wait(t, errs))
	require.NoError(t, wait(t, errs))
	f.idle()
	f.fb.writeErr = nil
	s := f.d.Stats()
	require.EqualValues(t, 1, s.WriteThroughs)
	require.EqualValues(t, 1, s.FlushesBudget)
	require.LessOrEqual(t, s.WriteBlocks+s.ReadBlocks, int64(4))
	for bi := 1; bi < 4; bi++ {
		f.write(2, bi, nil)
	}
	r := f.finish(2)
	require.NoError(t, r.err)
	require.True(t, r.ok, "the written-through block is read back for the hash")
	require.EqualValues(t, 1, f.d.Stats().HashReadBacks)
}

func TestMaxWriteSizeSplitsFlushes(t *testing.T) {
	files := []FileSpec{{Path: []string{"f"}, Length: 16 * BlockSize}}
	fb := &faultBackend{}
	dir := t.TempDir()
	f := &cacheFixture{t: t, fb: fb, dir: dir, pl: 16 * BlockSize, pieces: 1}
	f.st = openWithFaults(t, dir, files, fb)
	f.data = randomBytes(16*BlockSize, 8)
	f.d = newIO(t, IOOptions{Cache: CacheOptions{MaxWriteSize: 4*BlockSize + 100}})
	for bi := range 16 {
		f.write(0, bi, nil)
	}
	require.True(t, f.finish(0).ok)
	require.Equal(t, []int64{0, 4 * BlockSize, 8 * BlockSize, 12 * BlockSize}, fb.writeOffsets())
	require.Equal(t, f.data, f.onDisk())
}

// Many slow readers, each going through a piece of its own a block at a time, with far more
// pieces in play than the cache holds (a seeder of thousands of torrents with peers on
// different pieces): whole-piece read-ahead evicts itself before it is asked for and reads
// every byte many times (16x here). The window shrinks until what it reads is used.
func TestReadAheadShrinksWhenItIsEvictedUnused(t *testing.T) {
	const readers, pieceBlocks = 32, 16
	f := newCacheFixture(t, 64, readers, pieceBlocks, nil)
	f.putOnDisk()
	served := 0
	for bi := range pieceBlocks {
		for p := range readers {
			r := f.read(p, bi*BlockSize, BlockSize)
			require.NoError(t, r.err)
			require.Equal(t, f.block(p, bi), r.data)
			served += BlockSize
		}
	}
	s := f.d.Stats()
	t.Logf("read %d B from disk for %d B served; read-ahead: %d blocks, %d wasted, window %d",
		s.ReadBytes, served, s.ReadAheadBlocks, s.ReadAheadWasted, s.ReadAheadWindow)
	require.Positive(t, s.ReadAheadWasted, "the cache was too small for whole pieces")
	require.Less(t, s.ReadBytes, uint64(2*served), "read-ahead stops reading what is evicted unused")
}

// One reader going through the pieces in order keeps reading whole pieces at once, also after
// a spell of waste shrank the window.
func TestReadAheadGrowsBackForASequentialReader(t *testing.T) {
	f := newCacheFixture(t, 64, 8, 16, nil)
	f.putOnDisk()
	f.d.cache.mu.Lock()
	f.d.cache.ahead = 0
	f.d.cache.mu.Unlock()
	for p := range f.pieces {
		for bi := range 16 {
			r := f.read(p, bi*BlockSize, BlockSize)
			require.NoError(t, r.err)
			require.Equal(t, f.block(p, bi), r.data)
		}
	}
	s := f.d.Stats()
	require.Zero(t, s.ReadAheadWasted)
	require.GreaterOrEqual(t, s.ReadAheadWindow, int64(15), "a whole piece again")
	require.Less(t, s.ReadSyscalls, uint64(8*16/2), "reads are batched again (%d calls)", s.ReadSyscalls)
}
