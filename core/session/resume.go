package session

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/libbt/libbt/core/bencode"
	"github.com/libbt/libbt/core/metainfo"
	"github.com/libbt/libbt/disk"
)

// ResumeData is the fast resume blob, bencoded with libtorrent's field names where they fit,
// so that the files are familiar to anyone who has looked at a .fastresume. It records which
// pieces were complete and, per file, the size and modification time at the time, so that a
// restart trusts the pieces only of files that have not changed since.
type ResumeData struct {
	FileFormat      string  `bencode:"file-format"`  // "libtorrent resume file"
	FileVersion     int64   `bencode:"file-version"` // 1
	InfoHash        []byte  `bencode:"info-hash"`    // 20 bytes
	Name            string  `bencode:"name"`
	SavePath        string  `bencode:"save_path"`
	Pieces          []byte  `bencode:"pieces"` // one byte per piece, bit 0 set = complete
	FilePriority    []int64 `bencode:"file_priority"`
	TotalUploaded   int64   `bencode:"total_uploaded"`
	TotalDownloaded int64   `bencode:"total_downloaded"`
	AddedTime       int64   `bencode:"added_time"` // Unix seconds
	Paused          int64   `bencode:"paused"`
	Sequential      int64   `bencode:"sequential_download"`
	// FileSizes is libtorrent 1.x's "file sizes": [size, mtime in Unix seconds] per file,
	// size -1 for a file that did not exist.
	FileSizes [][]int64 `bencode:"file sizes"`
	// FileMtimeNs refines FileSizes' mtimes to nanoseconds (libbt's own field).
	FileMtimeNs []int64 `bencode:"libbt-file-mtime-ns,omitempty"`
}

const (
	resumeFormat  = "libtorrent resume file"
	resumeVersion = 1
	// maxResumeData bounds what ParseResumeData accepts (a 1 Mi-piece torrent with 100k files
	// is well under it).
	maxResumeData = 64 << 20
)

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
	rd.FileFormat, rd.FileVersion = resumeFormat, resumeVersion
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
// torrent): format, info-hash length, one priority and one file entry per file.
func ParseResumeData(b []byte) (*ResumeData, error) {
	if len(b) > maxResumeData {
		return nil, fmt.Errorf("%w: resume data: %d bytes", ErrInvalidArgument, len(b))
	}
	var rd ResumeData
	if err := bencode.Unmarshal(b, &rd); err != nil {
		return nil, fmt.Errorf("%w: resume data: %v", ErrInvalidArgument, err)
	}
	switch {
	case rd.FileFormat != resumeFormat:
		return nil, fmt.Errorf("%w: resume data: file-format %q", ErrInvalidArgument, rd.FileFormat)
	case rd.FileVersion != resumeVersion:
		return nil, fmt.Errorf("%w: resume data: file-version %d", ErrInvalidArgument, rd.FileVersion)
	case len(rd.InfoHash) != len(metainfo.InfoHash{}):
		return nil, fmt.Errorf("%w: resume data: info-hash of %d bytes", ErrInvalidArgument, len(rd.InfoHash))
	case len(rd.FilePriority) != len(rd.FileSizes):
		return nil, fmt.Errorf("%w: resume data: %d file priorities for %d files", ErrInvalidArgument, len(rd.FilePriority), len(rd.FileSizes))
	case rd.FileMtimeNs != nil && len(rd.FileMtimeNs) != len(rd.FileSizes):
		return nil, fmt.Errorf("%w: resume data: %d file times for %d files", ErrInvalidArgument, len(rd.FileMtimeNs), len(rd.FileSizes))
	}
	for i, fs := range rd.FileSizes {
		if len(fs) != 2 || fs[0] < -1 {
			return nil, fmt.Errorf("%w: resume data: file %d: bad size entry", ErrInvalidArgument, i)
		}
	}
	for i, p := range rd.FilePriority {
		if p < 0 || p > 7 {
			return nil, fmt.Errorf("%w: resume data: file %d: priority %d", ErrInvalidArgument, i, p)
		}
	}
	return &rd, nil
}

// resumeState checks resume data against the torrent and turns it into what the disk trusts.
func resumeState(rd *ResumeData, ih metainfo.InfoHash, info *metainfo.Info) (disk.ResumeState, error) {
	if len(rd.InfoHash) != len(ih) || [20]byte(rd.InfoHash) != [20]byte(ih) {
		return disk.ResumeState{}, fmt.Errorf("%w: resume data is for another torrent", ErrInvalidArgument)
	}
	if len(rd.Pieces) != info.NumPieces() || len(rd.FileSizes) != len(info.Files) {
		return disk.ResumeState{}, fmt.Errorf("%w: resume data has %d pieces and %d files, the torrent %d and %d",
			ErrInvalidArgument, len(rd.Pieces), len(rd.FileSizes), info.NumPieces(), len(info.Files))
	}
	rs := disk.ResumeState{Have: make([]bool, len(rd.Pieces)), Files: make([]disk.FileState, len(rd.FileSizes))}
	for i, b := range rd.Pieces {
		rs.Have[i] = b&1 != 0
	}
	for i, fs := range rd.FileSizes {
		mt := fs[1] * int64(time.Second)
		if rd.FileMtimeNs != nil {
			mt = rd.FileMtimeNs[i]
		}
		rs.Files[i] = disk.FileState{Size: fs[0], ModTime: mt}
		if fs[0] < 0 {
			rs.Files[i].ModTime = 0
		}
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

// WriteResumeFile writes resume data to path atomically: to a temporary file in the same
// directory, fsync'd, renamed over path, and the directory fsync'd, so that a crash leaves
// either the old or the new file, never a torn one.
func WriteResumeFile(path string, data []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("resume file %s: %w", path, err)
	}
	tmp := f.Name()
	fail := func(err error) error {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("resume file %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("resume file %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("resume file %s: %w", path, err)
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("resume file %s: %w", path, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return fmt.Errorf("resume file %s: sync directory: %w", path, err)
	}
	return nil
}
