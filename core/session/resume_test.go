package session

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// seededTorrent adds the default tree to a fresh session and waits until it is seeding.
func seededTorrent(t *testing.T, sizes ...map[string]int) (*Session, *Torrent, string) {
	t.Helper()
	root := t.TempDir()
	tree := defaultSizes
	if len(sizes) > 0 {
		tree = sizes[0]
	}
	dir := makeFiles(t, root, tree)
	mi := createTorrent(t, dir, 32<<10)
	s := newTestSession(t, "127.0.0.1:0")
	tor, err := s.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: root})
	require.NoError(t, err)
	waitState(t, tor, 10*time.Second, StateSeeding)
	return s, tor, dir
}

// checkWithResume runs the torrent's first-check path with resume data on the torrent
// goroutine and returns the pieces found and the reason the data was rejected, if it was.
func checkWithResume(t *testing.T, tor *Torrent, data []byte) ([]bool, error) {
	t.Helper()
	type result struct {
		have []bool
		err  error
	}
	ch := make(chan result, 1)
	var rejected error
	tor.useResumeData(data)
	require.NoError(t, tor.do(func() error {
		tor.verifyData(tor.ctx, nil, func(err error) { rejected = err }, func(have []bool, err error) { ch <- result{have, err} })
		return nil
	}))
	select {
	case r := <-ch:
		require.NoError(t, r.err)
		return r.have, rejected
	case <-time.After(10 * time.Second):
		t.Fatal("check did not finish")
	}
	return nil, nil
}

func TestSaveResumeDataHasLibtorrentFields(t *testing.T) {
	_, tor, _ := seededTorrent(t)
	data, err := tor.SaveResumeData()
	require.NoError(t, err)
	rd, err := ParseResumeData(data)
	require.NoError(t, err)
	st := tor.Status()
	require.Equal(t, "libtorrent resume file", rd.FileFormat)
	require.Equal(t, st.InfoHash[:], rd.InfoHash)
	require.Equal(t, st.Name, rd.Name)
	require.Len(t, rd.Pieces, st.NumPieces)
	for i, b := range rd.Pieces {
		require.EqualValues(t, 1, b, "piece %d", i)
	}
	files := tor.Files()
	require.Len(t, rd.FilePriority, len(files))
	require.Len(t, rd.FileSizes, len(files))
	for i, f := range files {
		require.Equal(t, f.Size, rd.FileSizes[i][0], f.Path)
		require.EqualValues(t, f.Priority, rd.FilePriority[i])
	}
	require.Positive(t, rd.AddedTime)
	require.NotEmpty(t, rd.SavePath)
	for _, key := range []string{"info-hash", "pieces", "save_path", "file_priority", "total_uploaded", "total_downloaded", "added_time", "name", "file sizes"} {
		require.Contains(t, string(data), key)
	}
}

func TestResumeDataSkipsTheRecheckOfUnchangedFiles(t *testing.T) {
	s, tor, _ := seededTorrent(t)
	data, err := tor.SaveResumeData()
	require.NoError(t, err)
	before := s.DiskStats().ReadSyscalls
	have, rejected := checkWithResume(t, tor, data)
	require.NoError(t, rejected)
	for i, ok := range have {
		require.True(t, ok, "piece %d", i)
	}
	require.Equal(t, before, s.DiskStats().ReadSyscalls, "no data was read")
}

func TestResumeDataRechecksChangedFilesAndNeverTrustsMissingData(t *testing.T) {
	s, tor, dir := seededTorrent(t)
	data, err := tor.SaveResumeData()
	require.NoError(t, err)
	// c.bin changes after the save (corrupted in its first bytes, new mtime); d.bin vanishes.
	c := filepath.Join(dir, "sub", "c.bin")
	fh, err := os.OpenFile(c, os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = fh.WriteAt([]byte("corrupt"), 10)
	require.NoError(t, err)
	require.NoError(t, fh.Close())
	require.NoError(t, os.Chtimes(c, time.Now(), time.Now().Add(time.Minute)))
	require.NoError(t, os.Remove(filepath.Join(dir, "sub", "d.bin")))

	before := s.DiskStats().ReadSyscalls
	have, rejected := checkWithResume(t, tor, data)
	require.NoError(t, rejected)
	require.Greater(t, s.DiskStats().ReadSyscalls, before, "the changed file's pieces were hashed")
	info := &tor.meta.Info
	files := tor.Files()
	for i, f := range files {
		first := int(info.Files[i].Offset / info.PieceLength)
		switch filepath.Base(f.Path) {
		case "c.bin":
			require.False(t, have[first], "the corrupted piece is not trusted")
		case "d.bin":
			require.False(t, have[first], "a piece of a missing file is not trusted")
		}
	}
	require.Contains(t, have, true, "pieces of other files are kept")
}

func TestResumeDataForAnotherTorrentIsRejected(t *testing.T) {
	_, tor, _ := seededTorrent(t)
	data, err := tor.SaveResumeData()
	require.NoError(t, err)
	rd, err := ParseResumeData(data)
	require.NoError(t, err)
	_, other, _ := seededTorrent(t, map[string]int{"other.bin": 70_000})
	have, rejected := checkWithResume(t, other, data)
	require.ErrorIs(t, rejected, ErrInvalidArgument)
	for _, ok := range have {
		require.True(t, ok, "the full check ran instead")
	}
	require.Equal(t, "libtorrent resume file", rd.FileFormat)
	_, err = ParseResumeData([]byte("d11:file-format14:something elsee"))
	require.ErrorIs(t, err, ErrInvalidArgument)
}

func TestWriteResumeFileReplacesAtomically(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.fastresume")
	require.NoError(t, WriteResumeFile(path, []byte("one")))
	require.NoError(t, WriteResumeFile(path, []byte("two")))
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, "two", string(got))
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 1, "no temporary file is left behind")
	require.Error(t, WriteResumeFile(filepath.Join(dir, "missing", "x"), []byte("z")))
}

func TestAddWithResumeDataSeedsWithoutReadingFiles(t *testing.T) {
	root := t.TempDir()
	dir := makeFiles(t, root, map[string]int{"a": 300_000, "sub/b": 70_000})
	mi := createTorrent(t, dir, 16<<10)
	s1 := newTestSession(t, "127.0.0.1:0")
	t1, err := s1.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: root})
	require.NoError(t, err)
	waitState(t, t1, 5*time.Second, StateSeeding)
	data, err := t1.SaveResumeData()
	require.NoError(t, err)
	require.NoError(t, s1.Close())

	s2 := newTestSession(t, "127.0.0.1:0")
	before := s2.DiskStats()
	t2, err := s2.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: root, ResumeData: data})
	require.NoError(t, err)
	waitState(t, t2, 5*time.Second, StateSeeding)
	after := s2.DiskStats()
	require.Equal(t, before.ReadSyscalls, after.ReadSyscalls, "unchanged files are trusted, not read")
	for _, a := range s2.PopAlerts() {
		require.NotEqual(t, AlertFastResumeRejected, a.Type, a.Message)
	}
}

func TestMoveStorageMovesTheFiles(t *testing.T) {
	root := t.TempDir()
	dir := makeFiles(t, root, map[string]int{"a": 100_000, "sub/b": 7_000})
	mi := createTorrent(t, dir, 16<<10)
	s := newTestSession(t, "127.0.0.1:0")
	tor, err := s.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: root})
	require.NoError(t, err)
	waitState(t, tor, 5*time.Second, StateSeeding)
	dest := t.TempDir()
	require.NoError(t, tor.MoveStorage(dest))
	_, err = os.Stat(filepath.Join(dest, "content", "sub", "b"))
	require.NoError(t, err)
	_, err = os.Stat(filepath.Join(root, "content", "a"))
	require.True(t, os.IsNotExist(err))
	require.NoError(t, tor.RenameFile(0, "content/renamed-a"))
	_, err = os.Stat(filepath.Join(dest, "content", "renamed-a"))
	require.NoError(t, err)
	require.ErrorIs(t, tor.RenameFile(0, "../escape"), ErrInvalidArgument)
	require.NoError(t, tor.ForceRecheck())
	waitState(t, tor, 5*time.Second, StateSeeding)
}
