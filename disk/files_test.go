package disk

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// Three files a | b | c with pieces of 4 blocks straddling both edges of b.
func partFiles() []FileSpec {
	return []FileSpec{
		{Path: []string{"t", "a"}, Length: 5 * BlockSize},
		{Path: []string{"t", "b"}, Length: 6 * BlockSize},
		{Path: []string{"t", "c"}, Length: 5 * BlockSize},
	}
}

func (f *cacheFixture) setPrio(prio ...int) {
	f.t.Helper()
	errs := make(chan error, 1)
	f.d.SetFilePriorities(f.st, prio, f.pl, func(err error) { errs <- err })
	require.NoError(f.t, wait(f.t, errs))
}

func TestSkippedFileEdgesGoToThePartFile(t *testing.T) {
	f := newCacheFixture(t, 64, 0, 4, partFiles())
	f.setPrio(1, 0, 1)
	// Pieces 0..3 cover [0,16) blocks; b is blocks [5,11): pieces 1 and 2 straddle its edges.
	// The session downloads pieces overlapping wanted files: 0, 1, 2, 3.
	for p := range f.pieces {
		for bi := range 4 {
			f.write(p, bi, nil)
		}
		r := f.finish(p)
		require.NoError(t, r.err)
		require.True(t, r.ok)
	}
	_, err := os.Stat(filepath.Join(f.dir, "t", "b"))
	require.ErrorIs(t, err, os.ErrNotExist, "the skipped file is not created")
	require.FileExists(t, f.st.PartFilePath())
	for _, name := range []string{"a", "c"} {
		require.FileExists(t, filepath.Join(f.dir, "t", name))
	}
	// Reading the straddling pieces back (after the cache forgot them) gives the right bytes.
	errs := make(chan error, 1)
	f.d.CloseStorage(f.st, func(err error) { errs <- err })
	require.NoError(t, wait(t, errs))
	g := &cacheFixture{t: t, d: newIO(t, IOOptions{}), dir: f.dir, pl: f.pl, data: f.data, fb: &faultBackend{}}
	g.st = openWithFaults(t, g.dir, partFiles(), g.fb)
	g.setPrio(1, 0, 1)
	for _, p := range []int{1, 2} {
		r := g.read(p, 0, 4*BlockSize)
		require.NoError(t, r.err)
		require.Equal(t, g.data[int64(p)*g.pl:int64(p+1)*g.pl], r.data)
	}
	sizes, err := g.st.FileSizes()
	require.NoError(t, err)
	require.Greater(t, sizes[1], int64(0), "the part file makes b look present up to its last byte held")

	// Wanted again: the part file's bytes move into b, and the part file goes.
	g.setPrio(1, 1, 1)
	b, err := os.ReadFile(filepath.Join(g.dir, "t", "b"))
	require.NoError(t, err)
	require.Equal(t, g.data[5*BlockSize:8*BlockSize], b[:3*BlockSize], "first piece's part")
	require.Equal(t, g.data[8*BlockSize:11*BlockSize], b[3*BlockSize:6*BlockSize], "last piece's part")
	_, err = os.Stat(g.st.PartFilePath())
	require.ErrorIs(t, err, os.ErrNotExist)
	r := g.read(1, 0, 4*BlockSize)
	require.NoError(t, r.err)
	require.Equal(t, g.data[g.pl:2*g.pl], r.data)
}

func TestUnskippedFileLeavesAHoleInThePartFile(t *testing.T) {
	// a | b | c | d | e, 4-block pieces: b and d are skipped, each straddled at both edges.
	files := []FileSpec{
		{Path: []string{"t", "a"}, Length: 5 * BlockSize},
		{Path: []string{"t", "b"}, Length: 6 * BlockSize},
		{Path: []string{"t", "c"}, Length: 5 * BlockSize},
		{Path: []string{"t", "d"}, Length: 6 * BlockSize},
		{Path: []string{"t", "e"}, Length: 2 * BlockSize},
	}
	f := newCacheFixture(t, 64, 0, 4, files)
	f.setPrio(1, 0, 1, 0, 1)
	for p := range f.pieces {
		for bi := range 4 {
			f.write(p, bi, nil)
		}
		r := f.finish(p)
		require.NoError(t, r.err)
		require.True(t, r.ok)
	}
	f.idle()
	// dataAt reports whether the part file holds data in [off, off+n).
	dataAt := func(off, n int64) bool {
		pf, err := os.Open(f.st.PartFilePath())
		require.NoError(t, err)
		defer pf.Close()
		next, err := unix.Seek(int(pf.Fd()), off, unix.SEEK_DATA)
		if errors.Is(err, unix.ENXIO) {
			return false
		}
		require.NoError(t, err)
		return next < off+n
	}
	bStart, dStart := int64(5*BlockSize), int64(16*BlockSize)
	require.True(t, dataAt(bStart, 3*BlockSize), "b's first piece part is in the part file")
	require.True(t, dataAt(dStart, 3*BlockSize))

	f.setPrio(1, 1, 1, 0, 1)
	b, err := os.ReadFile(filepath.Join(f.dir, "t", "b"))
	require.NoError(t, err)
	require.Equal(t, f.data[bStart:bStart+6*BlockSize], b)
	require.FileExists(t, f.st.PartFilePath(), "d still uses it")
	require.False(t, dataAt(bStart, 6*BlockSize), "b's bytes are punched out of the part file")
	require.True(t, dataAt(dStart, 3*BlockSize), "d's stay")
	r := f.read(4, 0, 4*BlockSize) // blocks 16..19: d's first piece, from the part file
	require.NoError(t, r.err)
	require.Equal(t, f.data[dStart:dStart+4*BlockSize], r.data)
}

func TestSkippingAFileThatExistsKeepsUsingIt(t *testing.T) {
	f := newCacheFixture(t, 64, 0, 4, partFiles())
	f.putOnDisk()
	f.setPrio(1, 0, 1)
	r := f.read(1, 0, 4*BlockSize)
	require.NoError(t, r.err)
	require.Equal(t, f.data[f.pl:2*f.pl], r.data)
	_, err := os.Stat(f.st.PartFilePath())
	require.ErrorIs(t, err, os.ErrNotExist)
}

func TestZeroLengthSkippedFileIsNotCreated(t *testing.T) {
	files := []FileSpec{{Path: []string{"x", "a"}, Length: BlockSize}, {Path: []string{"x", "empty"}, Length: 0}}
	f := newCacheFixture(t, 8, 0, 1, files)
	f.setPrio(1, 0)
	require.NoError(t, f.st.CreateEmptyFiles())
	_, err := os.Stat(filepath.Join(f.dir, "x", "empty"))
	require.ErrorIs(t, err, os.ErrNotExist)
}

func TestWriteThroughSyncsEveryFlush(t *testing.T) {
	files := []FileSpec{{Path: []string{"f"}, Length: 8 * BlockSize}}
	sb := &syncCountingBackend{}
	st, err := OpenStorage(t.TempDir(), files, StorageOptions{WriteThrough: true, WrapBackend: func(b Backend) Backend {
		sb.Backend = b
		return sb
	}})
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	f := &cacheFixture{t: t, d: newIO(t, IOOptions{}), st: st, pl: 4 * BlockSize, data: randomBytes(8*BlockSize, 4), pieces: 2}
	for p := range 2 {
		for bi := range 4 {
			f.write(p, bi, nil)
		}
		require.True(t, f.finish(p).ok)
		require.Equal(t, p+1, sb.syncs)
	}
}

type syncCountingBackend struct {
	Backend
	syncs int
}

func (b *syncCountingBackend) Sync() error { b.syncs++; return b.Backend.Sync() }

func TestFullAllocationReservesFilesWhenCreated(t *testing.T) {
	files := []FileSpec{{Path: []string{"big"}, Length: 64 * BlockSize}, {Path: []string{"small"}, Length: 100}}
	dir := t.TempDir()
	st, err := OpenStorage(dir, files, StorageOptions{FullAllocation: true})
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	_, err = st.WriteAt([]byte("x"), 0)
	require.NoError(t, err)
	fi, err := os.Stat(filepath.Join(dir, "big"))
	require.NoError(t, err)
	require.EqualValues(t, 64*BlockSize, fi.Size())
	blocks := fi.Sys().(*syscall.Stat_t).Blocks * 512
	require.GreaterOrEqual(t, blocks, int64(64*BlockSize), "space is reserved, not sparse")
	_, err = os.Stat(filepath.Join(dir, "small"))
	require.ErrorIs(t, err, os.ErrNotExist, "files are still created on first write")
}

func TestMoveStorageMovesFilesAndKeepsServing(t *testing.T) {
	f := newCacheFixture(t, 64, 0, 4, partFiles())
	for bi := range 4 {
		f.write(0, bi, nil)
	}
	f.write(1, 0, nil) // a partial piece in the cache is written before moving
	dest := filepath.Join(t.TempDir(), "new")
	errs := make(chan error, 1)
	f.d.MoveStorage(f.st, dest, func(err error) { errs <- err })
	require.NoError(t, wait(t, errs))
	require.Equal(t, dest, f.st.SaveDir())
	require.Equal(t, filepath.Join(dest, "t", "a"), f.st.FilePath(0))
	_, err := os.Stat(filepath.Join(f.dir, "t"))
	require.ErrorIs(t, err, os.ErrNotExist, "the old directory is cleaned up")
	a, err := os.ReadFile(filepath.Join(dest, "t", "a"))
	require.NoError(t, err)
	require.Equal(t, f.data[:5*BlockSize], a)
	r := f.read(0, 0, 4*BlockSize)
	require.NoError(t, r.err)
	require.Equal(t, f.data[:4*BlockSize], r.data)
}

func TestRenameFileRenamesOnDisk(t *testing.T) {
	f := newCacheFixture(t, 64, 0, 4, partFiles())
	f.putOnDisk()
	errs := make(chan error, 1)
	f.d.RenameFile(f.st, 1, []string{"t", "sub", "b2"}, func(err error) { errs <- err })
	require.NoError(t, wait(t, errs))
	require.FileExists(t, filepath.Join(f.dir, "t", "sub", "b2"))
	_, err := os.Stat(filepath.Join(f.dir, "t", "b"))
	require.ErrorIs(t, err, os.ErrNotExist)
	r := f.read(1, 0, 4*BlockSize)
	require.NoError(t, r.err)
	require.Equal(t, f.data[f.pl:2*f.pl], r.data)

	f.d.RenameFile(f.st, 1, []string{"..", "escape"}, func(err error) { errs <- err })
	require.ErrorIs(t, wait(t, errs), ErrPathEscape)
	f.d.RenameFile(f.st, 1, []string{"t", "a"}, func(err error) { errs <- err })
	require.Error(t, wait(t, errs), "a path taken by another file")
}
