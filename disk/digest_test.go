package disk

import (
	"crypto/sha1"
	"testing"

	"github.com/stretchr/testify/require"
)

type digestResult struct {
	ok      bool
	digests []BlockDigest
	err     error
}

func (f *cacheFixture) finishDigests(p int, onPass bool) digestResult {
	f.t.Helper()
	ch := make(chan digestResult, 1)
	f.d.FinishPieceDigests(f.st, f.piece(p), f.hash(p), onPass, func(ok bool, d []BlockDigest, err error) {
		ch <- digestResult{ok, d, err}
	})
	return wait(f.t, ch)
}

// sums is the SHA-1 of each block as given.
func sums(blocks [][]byte) []BlockDigest {
	out := make([]BlockDigest, len(blocks))
	for i, b := range blocks {
		out[i] = sha1.Sum(b)
	}
	return out
}

func TestFailedPieceLargerThanTheCacheReportsEveryBlocksDigestAndTheJunkWritten(t *testing.T) {
	f := newCacheFixture(t, 4, 2, 8, nil) // an 8-block piece, a 4-block cache
	sent := make([][]byte, 8)
	for bi := range 8 {
		sent[bi] = append([]byte(nil), f.block(0, bi)...)
	}
	sent[5][100] ^= 0xff // one bad block
	for bi := range 8 {
		f.write(0, bi, sent[bi])
	}
	require.Positive(t, f.d.Stats().FlushesBudget, "the piece does not fit: blocks went to the files early")

	r := f.finishDigests(0, false)
	require.NoError(t, r.err)
	require.False(t, r.ok)
	require.Equal(t, sums(sent), r.digests, "flushed blocks are read back for their digests")
	s := f.d.Stats()
	require.EqualValues(t, 1, s.PiecesFailed)
	require.Positive(t, s.FailedBytesWritten)
	require.LessOrEqual(t, s.FailedBytesWritten, uint64(8*BlockSize))
	require.EqualValues(t, s.WriteBytes, s.FailedBytesWritten, "every byte written so far was junk")

	// The good copy, asked for its digests on passing, differs exactly in block 5.
	for bi := range 8 {
		f.write(0, bi, nil)
	}
	r = f.finishDigests(0, true)
	require.NoError(t, r.err)
	require.True(t, r.ok)
	require.Len(t, r.digests, 8)
	for bi := range 8 {
		if bi == 5 {
			require.NotEqual(t, sums(sent)[bi], r.digests[bi])
		} else {
			require.Equal(t, sums(sent)[bi], r.digests[bi], "block %d", bi)
		}
	}
	require.Equal(t, f.data[:8*BlockSize], f.onDisk()[:8*BlockSize])
	require.Equal(t, s.FailedBytesWritten, f.d.Stats().FailedBytesWritten, "a passing piece is not junk")
}

func TestFailedPieceThatFitsTheCacheWritesNothing(t *testing.T) {
	f := newCacheFixture(t, 64, 2, 4, nil)
	bad := append([]byte(nil), f.block(1, 3)...)
	bad[0] ^= 1
	for bi := range 3 {
		f.write(1, bi, nil)
	}
	f.write(1, 3, bad)
	r := f.finishDigests(1, false)
	require.NoError(t, r.err)
	require.False(t, r.ok)
	require.Equal(t, sums([][]byte{f.block(1, 0), f.block(1, 1), f.block(1, 2), bad}), r.digests)
	s := f.d.Stats()
	require.Zero(t, s.FailedBytesWritten)
	require.Zero(t, s.WriteBytes)
}

func TestPassingPieceHasNoDigestsUnlessAskedFor(t *testing.T) {
	f := newCacheFixture(t, 64, 2, 4, nil)
	for bi := range 4 {
		f.write(0, bi, nil)
	}
	r := f.finishDigests(0, false)
	require.True(t, r.ok)
	require.Nil(t, r.digests)
	require.True(t, f.finish(0).ok, "a piece already on disk is hashed from the files")
}

func TestPieceWrittenAroundTheCacheFailsWithDigestsReadFromTheFiles(t *testing.T) {
	f := newCacheFixture(t, 64, 2, 4, nil)
	bad := append([]byte(nil), f.data[:4*BlockSize]...)
	bad[3*BlockSize] ^= 1
	errs := make(chan error, 1)
	f.d.Write(f.st, 0, bad, func(err error) { errs <- err })
	require.NoError(t, wait(t, errs))
	r := f.finishDigests(0, false)
	require.NoError(t, r.err)
	require.False(t, r.ok)
	require.Equal(t, sums([][]byte{bad[:BlockSize], bad[BlockSize : 2*BlockSize], bad[2*BlockSize : 3*BlockSize], bad[3*BlockSize:]}), r.digests)
	require.EqualValues(t, 4*BlockSize, f.d.Stats().FailedBytesWritten)
}

func TestReplacingABlockThatWasHashedAndEvictedRehashesThePiece(t *testing.T) {
	f := newCacheFixture(t, 4, 2, 8, nil) // an 8-block piece, a 4-block cache
	bad := append([]byte(nil), f.block(0, 0)...)
	bad[7] ^= 0xff
	f.write(0, 0, bad)
	for bi := 1; bi < 8; bi++ {
		f.write(0, bi, nil) // block 0 is hashed, flushed and evicted on the way
	}
	f.write(0, 0, nil) // the good copy, from another sender
	r := f.finishDigests(0, false)
	require.NoError(t, r.err)
	require.True(t, r.ok, "the replaced block is hashed again")
	require.Equal(t, f.data[:8*BlockSize], f.onDisk()[:8*BlockSize])
}
