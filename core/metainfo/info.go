package metainfo

import (
	"sort"
	"strings"

	"github.com/libbt/libbt/core/merkle"
)

// File is one file of a torrent.
type File struct {
	Path   []string // sanitised elements, relative to the save directory (multi-file torrents include no torrent name)
	Length int64
	Offset int64 // offset of the file's first byte in the torrent's concatenated byte stream
	Pad    bool  // BEP 47 padding file (attr "p"): all zeros, need not be written
	// Symlink is the sanitised, '/'-separated target of a BEP 47 symlink entry (attr "l"),
	// relative to the torrent's root; "" for other files. A symlink has length 0 and is
	// not created on disk.
	Symlink string
}

// OnDisk reports whether the file is created on disk: not a pad file, not a symlink.
func (f File) OnDisk() bool { return !f.Pad && f.Symlink == "" }

// DisplayPath returns the components joined with "/".
func (f File) DisplayPath() string { return strings.Join(f.Path, "/") }

// Info is a validated v1 info dict.
type Info struct {
	Name        string
	PieceLength int64
	// Pieces is the concatenated 20-byte SHA-1 hashes, 20*NumPieces(). When parsed it is a
	// read-only view into the info dict's bytes (MetaInfo.InfoBytes), not a copy: never modify it.
	Pieces []byte
	// Files lists the files in stream order. A single-file torrent has one
	// File whose Path is [Name]; a multi-file torrent's paths are relative
	// to a directory called Name (which is not part of Path).
	Files       []File
	TotalLength int64
	Private     bool
	MultiFile   bool
	// Sanitized says what loading changed in the info dict (paths sanitised or renamed,
	// non-canonical bencoding), one line each; nil if nothing.
	Sanitized []string
	// MetaVersion is 2 for v2-only and hybrid torrents (BEP 52), else 1. In both, every file
	// starts a piece: Files holds a pad file after each file that does not end on a piece
	// boundary (the last one too, as libtorrent lays them out), named ".pad/<length>".
	MetaVersion int
	// PiecesRoots holds, for v2-only and hybrid torrents, each file's merkle root ("pieces
	// root", see core/merkle), parallel to Files: zero for pad files, empty files and
	// symlinks. nil for v1 torrents.
	PiecesRoots []merkle.Hash
}

// HasV1 reports whether the torrent has v1 piece hashes (a v1 or hybrid torrent).
func (in *Info) HasV1() bool { return in.Pieces != nil }

// HasV2 reports whether the torrent has a v2 file tree (a v2-only or hybrid torrent).
func (in *Info) HasV2() bool { return in.MetaVersion == 2 }

// NumPieces returns the number of pieces.
func (in *Info) NumPieces() int {
	if in.Pieces == nil && in.MetaVersion == 2 && in.PieceLength > 0 {
		return int((in.TotalLength + in.PieceLength - 1) / in.PieceLength)
	}
	return len(in.Pieces) / 20
}

// PieceHash returns the expected SHA-1 of piece p. It panics if p is out of
// range, like a slice index.
func (in *Info) PieceHash(p PieceIndex) [20]byte {
	var h [20]byte
	copy(h[:], in.Pieces[int(p)*20:int(p)*20+20])
	return h
}

// PieceOffset returns the offset of piece p's first byte in the torrent's
// byte stream.
func (in *Info) PieceOffset(p PieceIndex) int64 { return int64(p) * in.PieceLength }

// PieceSize returns the length of piece p: PieceLength, except for the last
// piece, which holds the remainder. It returns 0 for p out of range.
func (in *Info) PieceSize(p PieceIndex) int64 {
	if p < 0 || int(p) >= in.NumPieces() {
		return 0
	}
	off := in.PieceOffset(p)
	return min(in.PieceLength, in.TotalLength-off)
}

// FileRange returns the files that hold piece p's bytes: first..last
// inclusive. Zero-length files strictly inside that range are included
// (they hold no bytes). It returns (0, -1) for p out of range.
func (in *Info) FileRange(p PieceIndex) (first, last FileIndex) {
	size := in.PieceSize(p)
	if size == 0 {
		return 0, -1
	}
	start := in.PieceOffset(p)
	end := start + size
	f := sort.Search(len(in.Files), func(i int) bool { return in.Files[i].Offset+in.Files[i].Length > start })
	l := sort.Search(len(in.Files), func(i int) bool { return in.Files[i].Offset >= end }) - 1
	return FileIndex(f), FileIndex(l)
}

// FileAt returns the file holding byte off of the stream (never a
// zero-length file), or -1 if off is out of range.
func (in *Info) FileAt(off int64) FileIndex {
	if off < 0 || off >= in.TotalLength {
		return -1
	}
	return FileIndex(sort.Search(len(in.Files), func(i int) bool { return in.Files[i].Offset+in.Files[i].Length > off }))
}

// FilePieces returns the pieces that hold bytes of file f: [first, end).
// A zero-length file has an empty range (first == end).
func (in *Info) FilePieces(f FileIndex) (first, end PieceIndex) {
	file := in.Files[f]
	first = PieceIndex(file.Offset / in.PieceLength)
	if file.Length == 0 {
		return first, first
	}
	last := file.Offset + file.Length - 1
	return first, PieceIndex(last/in.PieceLength) + 1
}
