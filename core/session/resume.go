package session

import (
	"context"
	"fmt"
	"time"

	"github.com/libbt/libbt/core/bencode"
	"github.com/libbt/libbt/core/metainfo"
	"github.com/libbt/libbt/core/resume"
	"github.com/libbt/libbt/disk"
)

// ResumeData is the fast resume blob (core/resume's format, libtorrent's field names).
type ResumeData = resume.Data

// SaveResumeData returns the torrent's fast resume data. Pass it back in
// AddTorrentParams.ResumeData to skip the full recheck on the next start; write it to disk with
// WriteResumeFile. Fails with ErrNoMetadata before the metadata is known and while the files
// are being checked.
func (t *Torrent) SaveResumeData() ([]byte, error) {
	var rd ResumeData
	var st *disk.Storage
	var pieces []byte
	err := t.do(func() error {
		if t.meta == nil || t.storage == nil {
			return ErrNoMetadata
		}
		if t.state == StateCheckingFiles {
			return fmt.Errorf("%w: files are being checked", ErrInvalidArgument)
		}
		info := &t.meta.Info
		pieces = make([]byte, info.NumPieces())
		for i := range pieces {
			if t.have.Has(i) {
				pieces[i] = 1
			}
		}
		rd.FilePriority = make([]int64, len(info.Files))
		for i := range info.Files {
			rd.FilePriority[i] = int64(t.filePriority(i))
		}
		rd.Name, rd.SavePath = t.name, t.savePath
		rd.TotalUploaded, rd.TotalDownloaded = t.up.Total(), t.down.Total()
		rd.Paused, rd.Sequential = boolInt(t.paused), boolInt(t.sequential)
		st = t.storage
		return nil
	})
	if err != nil {
		return nil, err
	}
	// File states are taken after the piece snapshot, off the torrent goroutine: every piece
	// in the snapshot was written before it was marked complete, so the states cover it.
	states, err := st.FileStates()
	if err != nil {
		return nil, err
	}
	rd.FileFormat, rd.FileVersion = resume.Format, resume.Version
	rd.InfoHash = append([]byte(nil), t.infoHash[:]...)
	rd.Pieces = pieces
	rd.AddedTime = t.addedAt
	rd.FileSizes = make([][]int64, len(states))
	rd.FileMtimeNs = make([]int64, len(states))
	for i, s := range states {
		rd.FileSizes[i] = []int64{s.Size, s.ModTime / int64(time.Second)}
		rd.FileMtimeNs[i] = s.ModTime
	}
	return bencode.Marshal(&rd)
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// ParseResumeData decodes resume data and checks its own consistency (not yet against a
// torrent): format, info-hash length, one priority and one file entry per file. Its errors wrap
// ErrInvalidArgument.
func ParseResumeData(b []byte) (*ResumeData, error) {
	rd, err := resume.Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidArgument, err)
	}
	return rd, nil
}

// resumeState checks resume data against the torrent and turns it into what the disk trusts.
func resumeState(rd *ResumeData, ih metainfo.InfoHash, info *metainfo.Info) (disk.ResumeState, error) {
	rs, err := resume.State(rd, ih, info)
	if err != nil {
		return rs, fmt.Errorf("%w: %v", ErrInvalidArgument, err)
	}
	return rs, nil
}

// useResumeData keeps resume data for the torrent's first check (see verifyData).
func (t *Torrent) useResumeData(b []byte) {
	if len(b) == 0 {
		return
	}
	t.resume = b
	if rd, err := ParseResumeData(b); err == nil && rd.AddedTime > 0 {
		t.addedAt = rd.AddedTime
	}
}

// verifyData checks the data on disk for the torrent's first check: with valid resume data, a
// fast resume (pieces of unchanged files are trusted without reading, pieces of changed files
// are hashed, pieces not recorded as complete are missing); otherwise, or for a forced
// recheck, a full check. Runs on the torrent goroutine. The error passed to rejected, if any,
// says why resume data was not used.
func (t *Torrent) verifyData(ctx context.Context, progress func(piece int, ok bool), rejected func(error), done func(have []bool, err error)) {
	info := &t.meta.Info
	if b := t.resume; b != nil {
		t.resume = nil // only the first check may trust it
		rd, err := ParseResumeData(b)
		var rs disk.ResumeState
		if err == nil {
			rs, err = resumeState(rd, t.infoHash, info)
		}
		if err == nil {
			t.s.disk.VerifyResume(ctx, t.storage, info.PieceLength, info.TotalLength, info.Pieces, rs, progress, done)
			return
		}
		if rejected != nil {
			rejected(err)
		}
	}
	t.s.disk.Verify(ctx, t.storage, info.PieceLength, info.TotalLength, info.Pieces, progress, done)
}

// WriteResumeFile writes resume data to path atomically (resume.WriteFile): a crash leaves
// either the old or the new file, never a torn one.
func WriteResumeFile(path string, data []byte) error { return resume.WriteFile(path, data) }
