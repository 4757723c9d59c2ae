package disk

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func (f *cacheFixture) verifyResume(r ResumeState) verifyResult {
	f.t.Helper()
	ch := make(chan verifyResult, 1)
	f.d.VerifyResume(f.t.Context(), f.st, f.pl, f.st.Length(), pieceHashes(f.data, int(f.pl)), r, nil,
		func(have []bool, err error) { ch <- verifyResult{have, err} })
	return wait(f.t, ch)
}

func TestVerifyResumeTrustsUnchangedFilesWithoutReading(t *testing.T) {
	f := newCacheFixture(t, 64, 0, 4, partFiles())
	f.putOnDisk()
	states, err := f.st.FileStates()
	require.NoError(t, err)
	have := []bool{true, true, false, true}
	reads := f.fb.reads.Load()
	r := f.verifyResume(ResumeState{Have: have, Files: states})
	require.NoError(t, r.err)
	require.Equal(t, have, r.have, "pieces not in the resume data stay missing, even if on disk")
	require.Equal(t, reads, f.fb.reads.Load(), "nothing is read")
}

func TestVerifyResumeRechecksPiecesOfChangedFiles(t *testing.T) {
	f := newCacheFixture(t, 64, 0, 4, partFiles())
	f.putOnDisk()
	states, err := f.st.FileStates()
	require.NoError(t, err)
	// c (blocks 11..16, pieces 2 and 3) is corrupted in piece 3 after the resume data was saved.
	path := filepath.Join(f.dir, "t", "c")
	fh, err := os.OpenFile(path, os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = fh.WriteAt([]byte("garbage"), 4*BlockSize)
	require.NoError(t, err)
	require.NoError(t, fh.Close())
	require.NoError(t, os.Chtimes(path, time.Now(), time.Now().Add(time.Hour)))
	r := f.verifyResume(ResumeState{Have: []bool{true, true, true, true}, Files: states})
	require.NoError(t, r.err)
	require.Equal(t, []bool{true, true, true, false}, r.have, "pieces 2 and 3 were hashed: 3 fails")
	require.Positive(t, f.fb.reads.Load())
}

func TestVerifyResumeNeverTrustsDataThatIsNotThere(t *testing.T) {
	f := newCacheFixture(t, 64, 0, 4, partFiles())
	f.putOnDisk()
	// a is truncated; the resume data (made up) claims it is as recorded.
	require.NoError(t, os.Truncate(filepath.Join(f.dir, "t", "a"), BlockSize))
	states, err := f.st.FileStates()
	require.NoError(t, err)
	r := f.verifyResume(ResumeState{Have: []bool{true, true, true, true}, Files: states})
	require.NoError(t, r.err)
	require.Equal(t, []bool{false, false, true, true}, r.have)

	// A file that vanished.
	require.NoError(t, os.Remove(filepath.Join(f.dir, "t", "c")))
	r = f.verifyResume(ResumeState{Have: []bool{true, true, true, true}, Files: states})
	require.NoError(t, r.err)
	require.Equal(t, []bool{false, false, false, false}, r.have)
}

func TestVerifyResumeRejectsMismatchedState(t *testing.T) {
	f := newCacheFixture(t, 64, 0, 4, partFiles())
	r := f.verifyResume(ResumeState{Have: []bool{true}, Files: nil})
	require.Error(t, r.err)
}
