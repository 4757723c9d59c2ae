package disk

import (
	"context"
	"crypto/sha1"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

type verifyResult struct {
	have []bool
	err  error
}

func runVerify(t *testing.T, d *IO, ctx context.Context, st *Storage, pieceLength int64, hashes []byte) (verifyResult, map[int]bool) {
	t.Helper()
	var mu sync.Mutex
	seen := map[int]bool{}
	ch := make(chan verifyResult, 1)
	d.Verify(ctx, st, pieceLength, st.Length(), hashes, func(p int, ok bool) {
		mu.Lock()
		defer mu.Unlock()
		if _, dup := seen[p]; dup {
			t.Errorf("progress twice for piece %d", p)
		}
		seen[p] = ok
	}, func(have []bool, err error) { ch <- verifyResult{have, err} })
	r := wait(t, ch)
	mu.Lock()
	defer mu.Unlock()
	return r, seen
}

// verifyFiles: pieces of 1000 bytes over files of uneven sizes.
//
//	a: [0, 2500)  pieces 0,1,2(part)
//	b: [2500, 4000)  pieces 2(part),3
//	empty, pad [4000, 4500) piece 4 (part)
//	c: [4500, 9200)  pieces 4(part)..9
func verifyFiles() []FileSpec {
	return []FileSpec{
		{Path: []string{"a"}, Length: 2500},
		{Path: []string{"b"}, Length: 1500},
		{Path: []string{"empty"}, Length: 0},
		{Path: []string{".pad", "1"}, Length: 500, Pad: true},
		{Path: []string{"c"}, Length: 4700},
	}
}

func TestVerifyFindsExactlyTheGoodPieces(t *testing.T) {
	dir := t.TempDir()
	files := verifyFiles()
	data := withPads(files, randomBytes(int(totalLen(files)), 7))
	const pl = 1000
	hashes := pieceHashes(data, pl)

	st0 := openStorage(t, dir, files)
	_, err := st0.WriteAt(data, 0)
	require.NoError(t, err)
	require.NoError(t, st0.Close())

	d := newIO(t, IOOptions{})
	st := openStorage(t, dir, files)
	r, seen := runVerify(t, d, context.Background(), st, pl, hashes)
	require.NoError(t, r.err)
	require.Equal(t, []bool{true, true, true, true, true, true, true, true, true, true}, r.have)
	require.Len(t, seen, 10)

	// Corrupt one byte in piece 6 (inside c), truncate b to cut piece 3,
	// then, separately, delete a.
	c := filepath.Join(dir, "c")
	cb, err := os.ReadFile(c)
	require.NoError(t, err)
	cb[6500-4500] ^= 0xff
	require.NoError(t, os.WriteFile(c, cb, 0o644))
	require.NoError(t, os.Truncate(filepath.Join(dir, "b"), 1000)) // b ends at 3500 now
	r, seen = runVerify(t, d, context.Background(), st, pl, hashes)
	require.NoError(t, r.err)
	require.Equal(t, []bool{true, true, true, false, true, true, false, true, true, true}, r.have)
	require.Equal(t, r.have, seenToSlice(seen, 10))

	require.NoError(t, os.Remove(filepath.Join(dir, "a")))
	r, _ = runVerify(t, d, context.Background(), st, pl, hashes)
	require.NoError(t, r.err)
	require.Equal(t, []bool{false, false, false, false, true, true, false, true, true, true}, r.have)
}

func seenToSlice(seen map[int]bool, n int) []bool {
	out := make([]bool, n)
	for p, ok := range seen {
		out[p] = ok
	}
	return out
}

func TestVerifyMarksMissingFilesWithoutReading(t *testing.T) {
	dir := t.TempDir()
	files := verifyFiles()
	data := withPads(files, randomBytes(int(totalLen(files)), 8))
	hashes := pieceHashes(data, 1000)
	fb := &faultBackend{}
	st := openWithFaults(t, dir, files, fb)
	// Only c is written, and only up to 7000: pieces 0-3 have missing files,
	// 7-9 lie beyond the end of c, so only 4, 5, 6 may be read.
	_, err := st.WriteAt(data[4500:7000], 4500)
	require.NoError(t, err)
	d := newIO(t, IOOptions{})
	r, seen := runVerify(t, d, context.Background(), st, 1000, hashes)
	require.NoError(t, r.err)
	require.Equal(t, []bool{false, false, false, false, true, true, true, false, false, false}, r.have)
	require.Len(t, seen, 10)
	require.EqualValues(t, 1, fb.reads.Load(), "one read for the run of present pieces")
	require.EqualValues(t, 500+2000, fb.readBytes.Load())

	// Nothing at all on disk (not even the save directory): nothing read.
	fb2 := &faultBackend{}
	st2 := openWithFaults(t, filepath.Join(dir, "nope"), files, fb2)
	r, _ = runVerify(t, d, context.Background(), st2, 1000, hashes)
	require.NoError(t, r.err)
	require.Equal(t, make([]bool, 10), r.have)
	require.Zero(t, fb2.reads.Load())
}

func TestVerifyIsCancellable(t *testing.T) {
	dir := t.TempDir()
	// 64 MiB of sparse zeros: 64 pieces, 16 verify jobs of 4 MiB.
	const total, pl = 64 << 20, 1 << 20
	files := []FileSpec{{Path: []string{"f"}, Length: total}}
	hashes := pieceHashes(make([]byte, total), pl)
	ctx, cancel := context.WithCancel(context.Background())
	var reads int
	var mu sync.Mutex
	fb := &faultBackend{readErr: func(FileIndex, int64, int) error {
		mu.Lock()
		defer mu.Unlock()
		reads++
		if reads == 2 {
			cancel()
		}
		return nil
	}}
	st := openWithFaults(t, dir, files, fb)
	_, err := st.WriteAt([]byte{0}, total-1)
	require.NoError(t, err)
	d := newIO(t, IOOptions{Workers: 2})
	r, seen := runVerify(t, d, ctx, st, pl, hashes)
	require.ErrorIs(t, r.err, context.Canceled)
	require.Len(t, r.have, 64)
	require.Less(t, len(seen), 64, "stopped early")
	require.LessOrEqual(t, fb.reads.Load(), int64(2+2*d.Workers()))
	for p, ok := range seen {
		require.True(t, ok)
		require.True(t, r.have[p])
	}
}

func TestVerifyRejectsBadArguments(t *testing.T) {
	d := newIO(t, IOOptions{})
	st := openStorage(t, t.TempDir(), verifyFiles())
	cases := []struct {
		pl, total int64
		hashes    []byte
	}{
		{0, st.Length(), nil},
		{1000, st.Length() + 1, make([]byte, 200)},
		{1000, st.Length(), make([]byte, 180)},
	}
	for _, c := range cases {
		ch := make(chan error, 1)
		d.Verify(context.Background(), st, c.pl, c.total, c.hashes, nil, func(have []bool, err error) { ch <- err })
		require.Error(t, wait(t, ch))
	}
}

func TestVerifySurfacesReadErrorsOtherThanMissing(t *testing.T) {
	dir := t.TempDir()
	files := []FileSpec{{Path: []string{"f"}, Length: 10000}}
	data := randomBytes(10000, 10)
	eio := &FileError{Path: "f", Op: "read", Err: os.ErrPermission}
	fb := &faultBackend{readErr: func(f FileIndex, off int64, n int) error {
		if off <= 5000 && 5000 < off+int64(n) {
			return eio
		}
		return nil
	}}
	st := openWithFaults(t, dir, files, fb)
	_, err := st.WriteAt(data, 0)
	require.NoError(t, err)
	d := newIO(t, IOOptions{})
	r, _ := runVerify(t, d, context.Background(), st, 1000, pieceHashes(data, 1000))
	require.ErrorIs(t, r.err, os.ErrPermission)
	require.False(t, r.have[5])
}

func TestVerifyZeroLengthTorrent(t *testing.T) {
	d := newIO(t, IOOptions{})
	st := openStorage(t, t.TempDir(), []FileSpec{{Path: []string{"e"}, Length: 0}})
	r, _ := runVerify(t, d, context.Background(), st, 16384, nil)
	require.NoError(t, r.err)
	require.Empty(t, r.have)
}

func TestVerifyFallsBackToSinglePiecesWhenARunReadComesUpShort(t *testing.T) {
	dir := t.TempDir()
	files := verifyFiles()
	data := withPads(files, randomBytes(int(totalLen(files)), 13))
	// Any read longer than one piece behaves as if the file had shrunk.
	fb := &faultBackend{}
	st := openWithFaults(t, dir, files, fb)
	_, err := st.WriteAt(data, 0)
	require.NoError(t, err)
	fb.readErr = func(_ FileIndex, _ int64, n int) error {
		if n > 1000 {
			return io.EOF
		}
		return nil
	}
	d := newIO(t, IOOptions{})
	r, _ := runVerify(t, d, context.Background(), st, 1000, pieceHashes(data, 1000))
	require.NoError(t, r.err)
	require.Equal(t, []bool{true, true, true, true, true, true, true, true, true, true}, r.have)
}

func TestHashPieceLargerThanReadChunk(t *testing.T) {
	const n = maxChunk*2 + 12345
	st := openStorage(t, t.TempDir(), []FileSpec{{Path: []string{"big"}, Length: n + 10}})
	_, err := st.WriteAt([]byte("tail"), n)
	require.NoError(t, err)
	d := newIO(t, IOOptions{})
	type res struct {
		sum [20]byte
		err error
	}
	ch := make(chan res, 1)
	d.HashPiece(st, 0, n+4, func(sum [20]byte, err error) { ch <- res{sum, err} })
	r := wait(t, ch)
	require.NoError(t, r.err)
	want := make([]byte, n+4)
	copy(want[n:], "tail")
	require.Equal(t, sha1.Sum(want), r.sum)

	// One piece bigger than the chunk goes through Verify too.
	vr, _ := runVerify(t, d, context.Background(), st, n+4, append(r.sum[:], pieceHashes(make([]byte, 6), 6)...))
	require.NoError(t, vr.err)
	require.Equal(t, []bool{true, false}, vr.have)
}
