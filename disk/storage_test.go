package disk

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// spanFiles: 3+ data files, a zero-length file, a pad file, nested dirs.
func spanFiles() []FileSpec {
	return []FileSpec{
		{Path: []string{"t", "a.bin"}, Length: 1000},
		{Path: []string{"t", "empty"}, Length: 0},
		{Path: []string{"t", "sub", "b.bin"}, Length: 3},
		{Path: []string{"t", ".pad", "0"}, Length: 21, Pad: true},
		{Path: []string{"t", "c.bin"}, Length: 2500},
		{Path: []string{"t", "d.bin"}, Length: 1},
	}
}

func TestStorageWriteReadSpansFilesWithEmptyAndPadFiles(t *testing.T) {
	dir := t.TempDir()
	files := spanFiles()
	st := openStorage(t, dir, files)
	total := int(totalLen(files))
	data := randomBytes(total, 1)

	// Write in odd-sized chunks that straddle every boundary.
	for off := 0; off < total; off += 333 {
		end := min(off+333, total)
		n, err := st.WriteAt(data[off:end], int64(off))
		require.NoError(t, err)
		require.Equal(t, end-off, n)
	}
	want := withPads(files, data)

	got := make([]byte, total)
	n, err := st.ReadAt(got, 0)
	require.NoError(t, err)
	require.Equal(t, total, n)
	require.Equal(t, want, got)

	// Range crossing a, empty, b, pad and into c.
	part := make([]byte, 40)
	_, err = st.ReadAt(part, 990)
	require.NoError(t, err)
	require.Equal(t, want[990:1030], part)

	// On disk: the data files have exactly their bytes; pad and empty files
	// were never created.
	b, err := os.ReadFile(filepath.Join(dir, "t", "sub", "b.bin"))
	require.NoError(t, err)
	require.Equal(t, data[1000:1003], b)
	_, err = os.Stat(filepath.Join(dir, "t", ".pad"))
	require.ErrorIs(t, err, fs.ErrNotExist)
	_, err = os.Stat(filepath.Join(dir, "t", "empty"))
	require.ErrorIs(t, err, fs.ErrNotExist)

	require.NoError(t, st.CreateEmptyFiles())
	fi, err := os.Stat(filepath.Join(dir, "t", "empty"))
	require.NoError(t, err)
	require.Zero(t, fi.Size())
}

func TestStorageWriteBlocksAtGathersAcrossFiles(t *testing.T) {
	dir := t.TempDir()
	files := spanFiles()
	st := openStorage(t, dir, files)
	data := randomBytes(int(totalLen(files)), 2)
	// Blocks of uneven sizes, the whole torrent in one call.
	var bufs [][]byte
	for off, sz := 0, 1; off < len(data); sz = sz*3 + 1 {
		end := min(off+sz, len(data))
		bufs = append(bufs, data[off:end])
		off = end
	}
	n, err := st.WriteBlocksAt(bufs, 0)
	require.NoError(t, err)
	require.Equal(t, len(data), n)
	got := make([]byte, len(data))
	_, err = st.ReadAt(got, 0)
	require.NoError(t, err)
	require.Equal(t, withPads(files, data), got)
}

func TestStorageReadOfUnwrittenDataIsNotFound(t *testing.T) {
	dir := t.TempDir()
	files := spanFiles()
	st := openStorage(t, dir, files)

	// Save directory does not even exist yet.
	_, err := st.ReadAt(make([]byte, 10), 0)
	require.ErrorIs(t, err, ErrNotFound)
	var fe *FileError
	require.ErrorAs(t, err, &fe)
	require.Equal(t, "read", fe.Op)
	require.Equal(t, filepath.Join(dir, "t", "a.bin"), fe.Path)

	// File exists but is shorter than the range.
	_, err = st.WriteAt([]byte("hello"), 0)
	require.NoError(t, err)
	_, err = st.ReadAt(make([]byte, 10), 0)
	require.ErrorIs(t, err, ErrNotFound)

	// A hole below the end of the file reads as zeros.
	_, err = st.WriteAt([]byte("x"), 999)
	require.NoError(t, err)
	got := make([]byte, 10)
	_, err = st.ReadAt(got, 100)
	require.NoError(t, err)
	require.Equal(t, make([]byte, 10), got)

	// Pad files read as zeros without touching the disk.
	padStart := int64(1003)
	got = make([]byte, 21)
	_, err = st.ReadAt(got, padStart)
	require.NoError(t, err)
	require.Equal(t, make([]byte, 21), got)

	_, err = st.ReadAt(make([]byte, 1), totalLen(files))
	require.ErrorIs(t, err, ErrOutOfRange)
}

func TestStorageSparseWritesBeyond4GiB(t *testing.T) {
	dir := t.TempDir()
	const big = 5 << 30 // 5 GiB per file, never actually filled
	files := []FileSpec{
		{Path: []string{"huge1"}, Length: big},
		{Path: []string{"huge2"}, Length: big},
		{Path: []string{"tail"}, Length: 100},
	}
	st := openStorage(t, dir, files)
	// Offsets past 2^32 inside file 1, across the 1/2 boundary (5 GiB) and
	// past 2^33 in file 2.
	for _, off := range []int64{(4 << 30) + 12345, big - 7, big + (4 << 30) - 3, 2*big + 50} {
		data := randomBytes(100, uint64(off))
		if off == 2*big+50 {
			data = data[:50]
		}
		n, err := st.WriteAt(data, off)
		require.NoError(t, err)
		require.Equal(t, len(data), n)
		got := make([]byte, len(data))
		_, err = st.ReadAt(got, off)
		require.NoError(t, err)
		require.Equal(t, data, got, "offset %d", off)
	}
	sizes, err := st.FileSizes()
	require.NoError(t, err)
	require.Equal(t, []int64{big, big + (4 << 30) - 3 + 100 - big, 100}, sizes)
}

func TestOpenStorageRejectsPathEscapes(t *testing.T) {
	dir := t.TempDir()
	bad := [][]string{
		{".."},
		{"a", "..", "..", "x"},
		{"/etc/passwd"},
		{"a/../../x"},
		{""},
		{"."},
		{"a\x00b"},
		{},
	}
	for _, p := range bad {
		_, err := OpenStorage(dir, []FileSpec{{Path: p, Length: 1}}, StorageOptions{})
		require.ErrorIs(t, err, ErrPathEscape, "path %q", p)
	}
	_, err := OpenStorage(dir, []FileSpec{
		{Path: []string{"a"}, Length: 1}, {Path: []string{"a"}, Length: 1},
	}, StorageOptions{})
	require.Error(t, err, "duplicate paths")
	_, err = OpenStorage(dir, []FileSpec{
		{Path: []string{"a", "b"}, Length: 1}, {Path: []string{"a"}, Length: 1},
	}, StorageOptions{})
	require.Error(t, err, "a file that is another file's directory")
}

func TestOpenStorageRejectsSymlinkedDirectoryOutsideSaveDir(t *testing.T) {
	base := t.TempDir()
	save := filepath.Join(base, "save")
	outside := filepath.Join(base, "outside")
	require.NoError(t, os.MkdirAll(save, 0o755))
	require.NoError(t, os.MkdirAll(outside, 0o755))
	require.NoError(t, os.Symlink(outside, filepath.Join(save, "link")))

	_, err := OpenStorage(save, []FileSpec{{Path: []string{"link", "f"}, Length: 4}}, StorageOptions{})
	require.ErrorIs(t, err, ErrPathEscape)

	// A file that is a link to outside, dangling or not.
	require.NoError(t, os.Symlink(filepath.Join(outside, "x"), filepath.Join(save, "flink")))
	_, err = OpenStorage(save, []FileSpec{{Path: []string{"flink"}, Length: 4}}, StorageOptions{})
	require.ErrorIs(t, err, ErrPathEscape)
	require.NoError(t, os.WriteFile(filepath.Join(outside, "x"), []byte("keep"), 0o644))
	_, err = OpenStorage(save, []FileSpec{{Path: []string{"flink"}, Length: 4}}, StorageOptions{})
	require.ErrorIs(t, err, ErrPathEscape)

	// A link inside the save directory is fine.
	require.NoError(t, os.MkdirAll(filepath.Join(save, "real"), 0o755))
	require.NoError(t, os.Symlink("real", filepath.Join(save, "inlink")))
	st := openStorage(t, save, []FileSpec{{Path: []string{"inlink", "f"}, Length: 4}})
	_, err = st.WriteAt([]byte("abcd"), 0)
	require.NoError(t, err)
	b, err := os.ReadFile(filepath.Join(save, "real", "f"))
	require.NoError(t, err)
	require.Equal(t, "abcd", string(b))
}

func TestStorageRefusesSymlinkPlantedAfterOpen(t *testing.T) {
	base := t.TempDir()
	save := filepath.Join(base, "save")
	outside := filepath.Join(base, "outside")
	require.NoError(t, os.MkdirAll(save, 0o755))
	require.NoError(t, os.MkdirAll(outside, 0o755))
	st := openStorage(t, save, []FileSpec{
		{Path: []string{"d", "f"}, Length: 4},
		{Path: []string{"g"}, Length: 4},
	})
	// Planted after OpenStorage's checks: a directory link and a file link.
	require.NoError(t, os.Symlink(outside, filepath.Join(save, "d")))
	require.NoError(t, os.Symlink(filepath.Join(outside, "victim"), filepath.Join(save, "g")))

	_, err := st.WriteAt([]byte("evil"), 0)
	var fe *FileError
	require.ErrorAs(t, err, &fe)
	_, err = st.WriteAt([]byte("evil"), 4)
	require.ErrorAs(t, err, &fe)
	entries, err := os.ReadDir(outside)
	require.NoError(t, err)
	require.Empty(t, entries, "nothing may be created outside the save directory")
}

func TestStorageFilePoolStaysUnderLimitAndUpgradesToReadWrite(t *testing.T) {
	dir := t.TempDir()
	var files []FileSpec
	for i := range 10 {
		files = append(files, FileSpec{Path: []string{"f" + string(rune('0'+i))}, Length: 8})
	}
	st, err := OpenStorage(dir, files, StorageOptions{MaxOpenFiles: 3})
	require.NoError(t, err)
	defer st.Close()
	ob := osBackendOf(st)
	data := randomBytes(80, 3)
	for round := range 2 {
		for i := range 10 {
			off := int64(i * 8)
			if round == 0 {
				_, err := st.WriteAt(data[off:off+8], off)
				require.NoError(t, err)
			}
			got := make([]byte, 8)
			_, err := st.ReadAt(got, off)
			require.NoError(t, err)
			require.Equal(t, data[off:off+8], got)
			require.LessOrEqual(t, ob.pool.openCount(), 3)
		}
	}
	// File 0 was evicted and is now opened read-only by a read; a write must
	// reopen it read-write.
	_, err = st.ReadAt(make([]byte, 8), 0)
	require.NoError(t, err)
	require.False(t, ob.pool.isWritable(0))
	_, err = st.WriteAt([]byte("ABCDEFGH"), 0)
	require.NoError(t, err)
	require.True(t, ob.pool.isWritable(0))
}

// isWritable reports whether file i is open read-write (test helper).
func (c *poolClient) isWritable(i FileIndex) bool {
	c.p.mu.Lock()
	defer c.p.mu.Unlock()
	e := c.p.files[fileKey{c, i}]
	return e != nil && e.rw
}

func TestStoragesSharingAFilePoolStayUnderItsLimit(t *testing.T) {
	pool := NewFilePool(4)
	var storages []*Storage
	var datas [][]byte
	for s := range 3 {
		var files []FileSpec
		for i := range 5 {
			files = append(files, FileSpec{Path: []string{"t", "f" + string(rune('0'+i))}, Length: 100})
		}
		st, err := OpenStorage(t.TempDir(), files, StorageOptions{FilePool: pool})
		require.NoError(t, err)
		data := randomBytes(500, uint64(10+s))
		storages, datas = append(storages, st), append(datas, data)
	}
	for round := range 2 {
		for s, st := range storages {
			for off := int64(0); off < 500; off += 100 {
				if round == 0 {
					_, err := st.WriteAt(datas[s][off:off+100], off)
					require.NoError(t, err)
				}
				got := make([]byte, 100)
				_, err := st.ReadAt(got, off)
				require.NoError(t, err)
				require.Equal(t, datas[s][off:off+100], got)
				require.LessOrEqual(t, pool.OpenFiles(), 4)
			}
		}
	}
	// A lower limit closes files as others are opened.
	pool.SetLimit(1)
	for off := int64(0); off < 200; off += 100 {
		_, err := storages[0].ReadAt(make([]byte, 100), off)
		require.NoError(t, err)
	}
	require.Equal(t, 1, pool.OpenFiles())

	// Closing a storage closes its files only.
	pool.SetLimit(4)
	_, err := storages[2].ReadAt(make([]byte, 100), 0)
	require.NoError(t, err)
	require.Equal(t, 2, pool.OpenFiles())
	require.NoError(t, storages[2].Close())
	require.Zero(t, osBackendOf(storages[2]).pool.openCount())
	require.Equal(t, 1, osBackendOf(storages[0]).pool.openCount())
	require.NoError(t, storages[0].Close())
	require.NoError(t, storages[1].Close())
	require.Zero(t, pool.OpenFiles())
}

func TestStorageRemoveDeletesOnlyTheTorrentsFiles(t *testing.T) {
	dir := t.TempDir()
	files := spanFiles()
	st := openStorage(t, dir, files)
	_, err := st.WriteAt(randomBytes(int(totalLen(files)), 4), 0)
	require.NoError(t, err)
	require.NoError(t, st.CreateEmptyFiles())

	// Things that are not the torrent's: a neighbour in the save dir, a
	// stranger inside the torrent's own directory tree, an empty dir of the
	// user's inside it.
	neighbour := filepath.Join(dir, "keep.txt")
	stranger := filepath.Join(dir, "t", "sub", "mine.txt")
	userDir := filepath.Join(dir, "t", "userdir")
	require.NoError(t, os.WriteFile(neighbour, []byte("x"), 0o644))
	require.NoError(t, os.WriteFile(stranger, []byte("y"), 0o644))
	require.NoError(t, os.Mkdir(userDir, 0o755))

	require.NoError(t, st.Remove())

	var left []string
	require.NoError(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		require.NoError(t, err)
		rel, _ := filepath.Rel(dir, p)
		left = append(left, rel)
		return nil
	}))
	sort.Strings(left)
	require.Equal(t, []string{".", "keep.txt", "t", "t/sub", "t/sub/mine.txt", "t/userdir"}, left)

	// Without the stranger files the whole tree goes, the save dir stays.
	dir2 := t.TempDir()
	st2 := openStorage(t, dir2, files)
	_, err = st2.WriteAt(randomBytes(int(totalLen(files)), 4), 0)
	require.NoError(t, err)
	require.NoError(t, st2.Close())
	require.NoError(t, st2.Remove(), "remove after close")
	entries, err := os.ReadDir(dir2)
	require.NoError(t, err)
	require.Empty(t, entries)
}

func TestStorageWrapsBackendErrorsWithFileAndOp(t *testing.T) {
	dir := t.TempDir()
	boom := errors.New("injected EIO")
	fb := &faultBackend{writeErr: func(f FileIndex, off int64) error {
		if f == 4 {
			return boom
		}
		return nil
	}}
	st := openWithFaults(t, dir, spanFiles(), fb)
	n, err := st.WriteAt(make([]byte, 1100), 0)
	require.ErrorIs(t, err, boom)
	var fe *FileError
	require.ErrorAs(t, err, &fe)
	require.Equal(t, "write", fe.Op)
	require.Equal(t, filepath.Join(dir, "t", "c.bin"), fe.Path)
	require.Equal(t, 1024, n, "bytes before the failing file (a, b, pad)")
}

func TestStorageClosedRejectsIO(t *testing.T) {
	st := openStorage(t, t.TempDir(), spanFiles())
	require.NoError(t, st.Close())
	_, err := st.WriteAt([]byte("x"), 0)
	require.ErrorIs(t, err, ErrClosed)
	_, err = st.ReadAt(make([]byte, 1), 0)
	require.ErrorIs(t, err, ErrClosed)
}

func TestStorageDropOSCacheWritesTheSameBytes(t *testing.T) {
	dirs := []string{t.TempDir()}
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		shm, err := os.MkdirTemp("/dev/shm", "libbt-test-")
		require.NoError(t, err)
		t.Cleanup(func() { os.RemoveAll(shm) })
		dirs = append(dirs, shm) // tmpfs: may refuse RWF_DONTCACHE
	}
	files := spanFiles()
	total := int(totalLen(files))
	data := randomBytes(total, 7)
	for _, dir := range dirs {
		st, err := OpenStorage(dir, files, StorageOptions{DropOSCache: true})
		require.NoError(t, err)
		bufs := [][]byte{data[:total/3], data[total/3 : total/2], data[total/2:]}
		_, err = st.WriteBlocksAt(bufs, 0)
		require.NoError(t, err, dir)
		require.NoError(t, st.Close())
		requireFilesEqual(t, dir, files, withPads(files, data))
	}
}

func TestStorageDropOSCacheLeavesNoPagesCached(t *testing.T) {
	dir := t.TempDir()
	files := []FileSpec{{Path: []string{"big"}, Length: 8 << 20}}
	resident := func(opts StorageOptions) (int, bool) {
		os.RemoveAll(filepath.Join(dir, "big"))
		st, err := OpenStorage(dir, files, opts)
		require.NoError(t, err)
		data := randomBytes(8<<20, 9)
		for off := 0; off < len(data); off += 1 << 20 {
			_, err := st.WriteBlocksAt([][]byte{data[off : off+1<<20]}, int64(off))
			require.NoError(t, err)
		}
		require.NoError(t, st.Sync()) // writeback done: uncached pages are gone by now
		supported := osBackendOf(st).dontCache.Load()
		require.NoError(t, st.Close())
		f, err := os.Open(filepath.Join(dir, "big"))
		require.NoError(t, err)
		defer f.Close()
		m, err := unix.Mmap(int(f.Fd()), 0, 8<<20, unix.PROT_READ, unix.MAP_SHARED)
		require.NoError(t, err)
		defer unix.Munmap(m)
		vec := make([]byte, (8<<20+os.Getpagesize()-1)/os.Getpagesize())
		_, _, errno := unix.Syscall(unix.SYS_MINCORE, uintptr(unsafe.Pointer(&m[0])), uintptr(len(m)), uintptr(unsafe.Pointer(&vec[0])))
		require.Zero(t, errno)
		n := 0
		for _, v := range vec {
			n += int(v & 1)
		}
		return n * 100 / len(vec), supported
	}
	cachedPct, _ := resident(StorageOptions{})
	droppedPct, supported := resident(StorageOptions{DropOSCache: true})
	if !supported {
		t.Skip("this kernel or file system has no uncached buffered writes (RWF_DONTCACHE)")
	}
	t.Logf("resident after sync: %d%% ordinary, %d%% uncached", cachedPct, droppedPct)
	require.Greater(t, cachedPct, 50, "ordinary writes stay in the page cache")
	require.Less(t, droppedPct, 10, "uncached writes leave (almost) nothing cached")
}

func TestStorageDropOSCacheFallsBackWhenRefused(t *testing.T) {
	var flagged int
	orig := pwritev2
	pwritev2 = func(fd int, iovs [][]byte, off int64, flags int) (int, error) {
		if flags != 0 {
			flagged++
			return 0, unix.EOPNOTSUPP
		}
		return orig(fd, iovs, off, flags)
	}
	t.Cleanup(func() { pwritev2 = orig })

	dir := t.TempDir()
	files := spanFiles()
	total := int(totalLen(files))
	data := randomBytes(total, 8)
	st, err := OpenStorage(dir, files, StorageOptions{DropOSCache: true})
	require.NoError(t, err)
	for off := 0; off < total; off += 500 {
		_, err := st.WriteAt(data[off:min(off+500, total)], int64(off))
		require.NoError(t, err)
	}
	require.NoError(t, st.Close())
	require.Equal(t, 1, flagged, "after one refusal, writes are ordinary ones")
	requireFilesEqual(t, dir, files, withPads(files, data))
}

// requireFilesEqual reads dir back through a fresh Storage.
func requireFilesEqual(t *testing.T, dir string, files []FileSpec, want []byte) {
	t.Helper()
	st := openStorage(t, dir, files)
	got := make([]byte, len(want))
	_, err := st.ReadAt(got, 0)
	require.NoError(t, err)
	require.Equal(t, want, got, dir)
}

// A storage holds no descriptor of its own between operations: a session's 10,000 paused
// torrents, each checked once, held one open save directory each (and ran out of descriptors
// under the usual limit of 1,024). Open files are the pool's, bounded by its size.
func TestStoragesHoldNoDescriptorBetweenOperations(t *testing.T) {
	const n = 64
	fds := func() int {
		ents, err := os.ReadDir("/proc/self/fd")
		require.NoError(t, err)
		return len(ents)
	}
	dir := t.TempDir()
	pool := NewFilePool(4)
	before := fds()
	var sts []*Storage
	for i := range n {
		st, err := OpenStorage(filepath.Join(dir, fmt.Sprint(i)), []FileSpec{{Path: []string{"a"}, Length: 100}},
			StorageOptions{FilePool: pool})
		require.NoError(t, err)
		_, err = st.FileSizes() // a check: the save directory does not exist
		require.NoError(t, err)
		_, err = st.WriteAt([]byte("x"), 0) // one written: the save directory exists
		require.NoError(t, err)
		_, err = st.FileSizes()
		require.NoError(t, err)
		sts = append(sts, st)
	}
	require.LessOrEqual(t, fds()-before, 4, "the pool's files only")
	for _, st := range sts {
		require.NoError(t, st.Close())
	}
	require.LessOrEqual(t, fds(), before)
}
