// Package resume is the fast resume format: Data, bencoded with libtorrent's field names where
// they fit, its own consistency checks (Parse), its check against a torrent into what the disk
// trusts (State), and an atomic file write (WriteFile). Errors say what is wrong with the data;
// core/session wraps them in its ErrInvalidArgument.
//
// No goroutines; only WriteFile does I/O, on the caller's goroutine.
package resume

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/libbt/libbt/core/bencode"
	"github.com/libbt/libbt/core/metainfo"
	"github.com/libbt/libbt/disk"
)

// Data is the fast resume blob, so that the files are familiar to anyone who has looked at a
// .fastresume. It records which pieces were complete and, per file, the size and modification
// time at the time, so that a restart trusts the pieces only of files that have not changed
// since.
type Data struct {
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
	// Format and Version are what Data.FileFormat and FileVersion must say.
	Format  = "libtorrent resume file"
	Version = 1
	// MaxSize bounds what Parse accepts (a 1 Mi-piece torrent with 100k files is well under
	// it).
	MaxSize = 64 << 20
)

// Parse decodes resume data and checks its own consistency (not yet against a torrent):
// format, info-hash length, one priority and one file entry per file.
func Parse(b []byte) (*Data, error) {
	if len(b) > MaxSize {
		return nil, fmt.Errorf("resume data: %d bytes", len(b))
	}
	var rd Data
	if err := bencode.Unmarshal(b, &rd); err != nil {
		return nil, fmt.Errorf("resume data: %v", err)
	}
	switch {
	case rd.FileFormat != Format:
		return nil, fmt.Errorf("resume data: file-format %q", rd.FileFormat)
	case rd.FileVersion != Version:
		return nil, fmt.Errorf("resume data: file-version %d", rd.FileVersion)
	case len(rd.InfoHash) != len(metainfo.InfoHash{}):
		return nil, fmt.Errorf("resume data: info-hash of %d bytes", len(rd.InfoHash))
	case len(rd.FilePriority) != len(rd.FileSizes):
		return nil, fmt.Errorf("resume data: %d file priorities for %d files", len(rd.FilePriority), len(rd.FileSizes))
	case rd.FileMtimeNs != nil && len(rd.FileMtimeNs) != len(rd.FileSizes):
		return nil, fmt.Errorf("resume data: %d file times for %d files", len(rd.FileMtimeNs), len(rd.FileSizes))
	}
	for i, fs := range rd.FileSizes {
		if len(fs) != 2 || fs[0] < -1 {
			return nil, fmt.Errorf("resume data: file %d: bad size entry", i)
		}
	}
	for i, p := range rd.FilePriority {
		if p < 0 || p > 7 {
			return nil, fmt.Errorf("resume data: file %d: priority %d", i, p)
		}
	}
	return &rd, nil
}

// State checks resume data against the torrent and turns it into what the disk trusts.
func State(rd *Data, ih metainfo.InfoHash, info *metainfo.Info) (disk.ResumeState, error) {
	if len(rd.InfoHash) != len(ih) || [20]byte(rd.InfoHash) != [20]byte(ih) {
		return disk.ResumeState{}, errors.New("resume data is for another torrent")
	}
	if len(rd.Pieces) != info.NumPieces() || len(rd.FileSizes) != len(info.Files) {
		return disk.ResumeState{}, fmt.Errorf("resume data has %d pieces and %d files, the torrent %d and %d",
			len(rd.Pieces), len(rd.FileSizes), info.NumPieces(), len(info.Files))
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

// WriteFile writes resume data to path atomically: to a temporary file in the same
// directory, fsync'd, renamed over path, and the directory fsync'd, so that a crash leaves
// either the old or the new file, never a torn one.
func WriteFile(path string, data []byte) error {
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
