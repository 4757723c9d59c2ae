package create

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/libbt/libbt/core/bencode"
)

// Piece length bounds.
const (
	MinPieceLength     = 16 << 10
	MaxPieceLength     = 256 << 20
	MaxAutoPieceLength = 16 << 20
)

// Mode says which kind of torrent to make.
type Mode int

const (
	// Hybrid makes a torrent with both v1 piece hashes and a v2 file tree (BEP 52), each file
	// padded to a piece boundary with BEP 47 pad files: libtorrent's default.
	Hybrid Mode = iota
	// V1Only makes a v1 torrent: files back to back, SHA-1 pieces across them.
	V1Only
	// V2Only makes a v2 torrent: a file tree, and piece layers beside the info dict.
	V2Only
)

// Options describes a torrent to create.
type Options struct {
	// Path is a file (single-file torrent) or a directory (multi-file
	// torrent named after the directory). Directories are walked
	// recursively; files are ordered by path, compared component by
	// component in byte order (the order of a v2 file tree). Only regular files are included: symbolic
	// links (to files or directories), devices, sockets and pipes are
	// skipped, as are empty directories. Hidden files are included.
	Path string
	// Mode is Hybrid (the zero value, as libtorrent), V1Only or V2Only.
	Mode Mode
	// PieceLength must be a power of two from 16 KiB to 256 MiB; 0 picks
	// one automatically (a power of two from 16 KiB to 16 MiB giving at most
	// 2000 pieces when possible, i.e. roughly 1000-2000).
	PieceLength int64
	Trackers    [][]string // tiers; empty URLs and tiers are dropped
	WebSeeds    []string   // BEP 19 url-list
	Private     bool
	Comment     string
	CreatedBy   string
	// CreationDate in Unix seconds; 0 means now, -1 omits the key.
	CreationDate int64
	// Workers hashing in parallel; 0 means runtime.NumCPU().
	Workers int
	// Progress, if set, is called from the goroutine running Build, at
	// most about ten times a second and once at the end with
	// donePieces == totalPieces.
	Progress func(donePieces, totalPieces int)
	// Context, if set, cancels hashing: Build returns its error promptly.
	Context context.Context
}

type createFile struct {
	osPath string
	path   []string
	length int64
	offset int64 // in the torrent's byte stream (pad files included for Hybrid and V2Only)
	exec   bool  // BEP 47 attr "x" (Hybrid and V2Only, as libtorrent)
}

type infoDictFile struct {
	Attr   string   `bencode:"attr,omitempty"`
	Length int64    `bencode:"length"`
	Path   []string `bencode:"path"`
}

type infoDict struct {
	FileTree    map[string]any `bencode:"file tree,omitempty"`
	Files       []infoDictFile `bencode:"files,omitempty"`
	Length      int64          `bencode:"length,omitempty"`
	MetaVersion int64          `bencode:"meta version,omitempty"`
	Name        string         `bencode:"name"`
	PieceLength int64          `bencode:"piece length"`
	Pieces      []byte         `bencode:"pieces,omitempty"`
	Private     bool           `bencode:"private,omitempty"`
}

type torrentFile struct {
	Announce     string             `bencode:"announce,omitempty"`
	AnnounceList [][]string         `bencode:"announce-list,omitempty"`
	Comment      string             `bencode:"comment,omitempty"`
	CreatedBy    string             `bencode:"created by,omitempty"`
	CreationDate *int64             `bencode:"creation date,omitempty"`
	Info         bencode.RawMessage `bencode:"info"`
	PieceLayers  map[string]string  `bencode:"piece layers,omitempty"`
	URLList      []string           `bencode:"url-list,omitempty"`
}

// Build hashes the file or directory at opts.Path and returns the bencoded .torrent. For the
// same files and piece length its info dict and piece layers are byte for byte libtorrent
// 2.0's (create_torrent with the same flags, no mtime, no symlinks).
func Build(opts Options) ([]byte, error) {
	root, err := filepath.Abs(opts.Path)
	if err != nil {
		return nil, fmt.Errorf("create: %w", err)
	}
	st, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("create: %w", err)
	}
	name := filepath.Base(root)
	if err := checkComponent(name); err != nil {
		return nil, fmt.Errorf("create: name %q %v", name, err)
	}
	var files []createFile
	if st.IsDir() {
		if files, err = walkFiles(root); err != nil {
			return nil, err
		}
	} else if st.Mode().IsRegular() {
		files = []createFile{{osPath: root, path: []string{name}, length: st.Size(), exec: st.Mode()&0o100 != 0}}
	} else {
		return nil, fmt.Errorf("create: %s is not a regular file or directory", root)
	}
	var data int64
	for _, f := range files {
		data += f.length
	}
	if data == 0 {
		return nil, fmt.Errorf("create: %s holds no data", root)
	}
	if opts.Mode < Hybrid || opts.Mode > V2Only {
		return nil, fmt.Errorf("create: unknown mode %d", opts.Mode)
	}

	pieceLength := opts.PieceLength
	if pieceLength == 0 {
		pieceLength = AutoPieceLength(data)
	}
	if pieceLength < MinPieceLength || pieceLength > MaxPieceLength || pieceLength&(pieceLength-1) != 0 {
		return nil, fmt.Errorf("create: piece length %d is not a power of two from %d to %d",
			pieceLength, MinPieceLength, MaxPieceLength)
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	ctx := opts.Context
	if ctx == nil {
		ctx = context.Background()
	}

	info := infoDict{Name: name, PieceLength: pieceLength, Private: opts.Private}
	var layers map[string]string
	if opts.Mode == V1Only {
		var total int64
		for i := range files {
			files[i].offset = total
			total += files[i].length
		}
		if info.Pieces, err = hashPieces(ctx, files, total, pieceLength, workers, opts.Progress); err != nil {
			return nil, err
		}
		if st.IsDir() {
			info.Files = make([]infoDictFile, len(files))
			for i, f := range files {
				info.Files[i] = infoDictFile{Length: f.length, Path: f.path}
			}
		} else {
			info.Length = total
		}
	} else if layers, err = buildV2(ctx, &info, files, st.IsDir(), opts.Mode == Hybrid, workers, opts.Progress); err != nil {
		return nil, err
	}
	infoBytes, err := bencode.Marshal(info)
	if err != nil {
		return nil, fmt.Errorf("create: %w", err)
	}

	t := torrentFile{Info: infoBytes, PieceLayers: layers, Comment: opts.Comment, CreatedBy: opts.CreatedBy}
	var tiers [][]string
	ntrackers := 0
	for _, tier := range opts.Trackers {
		var tt []string
		for _, u := range tier {
			if u != "" {
				tt = append(tt, u)
			}
		}
		if len(tt) > 0 {
			tiers = append(tiers, tt)
			ntrackers += len(tt)
		}
	}
	if ntrackers > 0 {
		t.Announce = tiers[0][0]
	}
	if ntrackers > 1 {
		t.AnnounceList = tiers
	}
	for _, u := range opts.WebSeeds {
		if u != "" {
			t.URLList = append(t.URLList, u)
		}
	}
	switch cd := opts.CreationDate; {
	case cd == 0:
		now := time.Now().Unix()
		t.CreationDate = &now
	case cd > 0:
		t.CreationDate = &cd
	}
	out, err := bencode.Marshal(t)
	if err != nil {
		return nil, fmt.Errorf("create: %w", err)
	}
	return out, nil
}

// AutoPieceLength picks the smallest power of two from 16 KiB to 16 MiB that
// gives at most 2000 pieces.
func AutoPieceLength(total int64) int64 {
	pl := int64(MinPieceLength)
	for pl < MaxAutoPieceLength && (total+pl-1)/pl > 2000 {
		pl *= 2
	}
	return pl
}

func walkFiles(root string) ([]createFile, error) {
	var files []createFile
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil // directories are walked; symlinks and special files skipped
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		comps := splitPath(rel)
		if err := validPath(comps); err != nil {
			return fmt.Errorf("file %s: %v", p, err)
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		files = append(files, createFile{osPath: p, path: comps, length: fi.Size(), exec: fi.Mode()&0o100 != 0})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("create: %w", err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("create: %s contains no regular files", root)
	}
	slices.SortFunc(files, func(a, b createFile) int { return slices.Compare(a.path, b.path) })
	return files, nil
}

// splitPath splits a relative OS path into its elements, in one pass.
func splitPath(rel string) []string {
	if rel == "" || rel == "." {
		return nil
	}
	return strings.Split(filepath.ToSlash(rel), "/")
}
