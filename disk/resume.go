package disk

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
)

// FileState is what fast resume data records about one file, to tell on
// the next start whether the file changed since: its size (-1: missing)
// and modification time (Unix nanoseconds; 0 when missing).
type FileState struct {
	Size    int64
	ModTime int64
}

// ResumeState is what fast resume data says about a storage: the pieces
// that were complete and the state of every file when it was saved.
type ResumeState struct {
	Have  []bool
	Files []FileState
}

// FileStates returns the current FileState of every file. Pad files report
// their length; a skipped file held in the part file reports the part
// file's modification time.
func (s *Storage) FileStates() ([]FileState, error) {
	sizes, err := s.FileSizes()
	if err != nil {
		return nil, err
	}
	s.prioMu.RLock()
	defer s.prioMu.RUnlock()
	out := make([]FileState, len(sizes))
	for i, f := range s.layout.files {
		out[i].Size = sizes[i]
		if f.Pad || sizes[i] < 0 {
			continue
		}
		idx := FileIndex(i)
		if s.toPart != nil && s.toPart[i] {
			idx = s.partIdx
		}
		mt, err := s.backend.ModTime(idx)
		if errors.Is(err, fs.ErrNotExist) {
			out[i] = FileState{Size: -1}
			continue
		}
		if err != nil {
			return nil, s.wrap(idx, "stat", err)
		}
		out[i].ModTime = mt.UnixNano()
	}
	return out, nil
}

// consistent reports, per file, whether it is as the resume data recorded.
func (r *ResumeState) consistent(st *Storage) ([]bool, error) {
	cur, err := st.FileStates()
	if err != nil {
		return nil, err
	}
	out := make([]bool, len(cur))
	for i, c := range cur {
		if st.layout.files[i].Pad || st.layout.files[i].Length == 0 {
			out[i] = true
			continue
		}
		out[i] = c.Size >= 0 && c == r.Files[i]
	}
	return out, nil
}

// VerifyResume is Verify for fast resume: pieces that resume.Have marks
// complete are trusted without reading when every file they touch still has
// the size and modification time resume.Files recorded; such pieces in a
// file that changed are hashed (the recheck is limited to them). Pieces not
// marked complete are reported missing without reading. So no piece is
// reported present that is not on disk as it was when verified.
func (d *IO) VerifyResume(ctx context.Context, st *Storage, pieceLength, totalLength int64, hashes []byte,
	resume ResumeState, progress func(piece int, ok bool), done func(have []bool, err error)) {
	n, err := checkVerifyArgs(st, pieceLength, totalLength, hashes)
	if err == nil && (len(resume.Have) != n || len(resume.Files) != st.NumFiles()) {
		err = fmt.Errorf("disk: resume: %d pieces and %d files, storage has %d and %d",
			len(resume.Have), len(resume.Files), n, st.NumFiles())
	}
	if err != nil {
		d.goCallback(st, func() { done(nil, err) })
		return
	}
	d.startVerify(ctx, st, pieceLength, totalLength, hashes, n, &resume, progress, done)
}
