package metainfo

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/libbt/libbt/core/filetree"
	"github.com/libbt/libbt/core/merkle"
)

// Errors of v2 info dicts and piece layers (BEP 52), as libtorrent names them; they are
// wrapped with details, match them with errors.Is.
var (
	// ErrFileTree: a "file tree" that is not nested dicts of named entries, a file without a
	// valid length, a pad file in it, meta version 2 without a file tree or a file tree
	// without meta version 2 (libtorrent: torrent_file_parse_failed, torrent_invalid_length,
	// torrent_invalid_pad_file, torrent_missing_file_tree, torrent_missing_meta_version).
	ErrFileTree = filetree.ErrInvalid
	// ErrPiecesRoot: a file with data whose "pieces root" is missing, not 32 bytes or zero
	// (libtorrent: torrent_missing_pieces_root).
	ErrPiecesRoot = filetree.ErrPiecesRoot
	// ErrPieceLayer: "piece layers" that is not a dict of 32-byte roots to strings of 32-byte
	// hashes, or a file's layer with the wrong number of hashes (torrent_invalid_piece_layer).
	ErrPieceLayer = errors.New("invalid piece layer")
	// ErrPieceLayerMismatch: a file's piece layer does not hash up to its pieces root.
	ErrPieceLayerMismatch = errors.New("piece layer does not match its pieces root")
	// ErrInconsistentFiles: a hybrid torrent whose v1 file list and v2 file tree disagree
	// (libtorrent: torrent_inconsistent_files).
	ErrInconsistentFiles = errors.New("v1 and v2 file lists disagree")
)

// maxStreamLength bounds the sum of a v2 torrent's file and pad lengths.
const maxStreamLength = 1 << 62

// walkFileTree returns the files of a v2 file tree (one validated bencoded value) with their
// pieces roots, laid out as libtorrent's file_storage lays out v2 torrents: each file starts a
// piece, a pad file ".pad/<length>" follows each file that does not end on a piece boundary
// (the last one too). Paths are sanitised and clashing ones renamed as for v1. single says it
// is a single-file torrent (one file at the top, no v1 file list).
func walkFileTree(tree []byte, pieceLength int64, hasFiles bool, lim Limits, n *notes) (files []File, roots []merkle.Hash, single bool, err error) {
	var total int64
	err = filetree.Walk(tree, lim.MaxDirectoryDepth, func(path []string, leaf *filetree.Leaf) error {
		name := strings.Join(path, "/")
		p, changed := sanitizePath(path)
		if changed {
			n.add("file %q loaded as %q", clip(name), clip(strings.Join(p, "/")))
		} else {
			p = slices.Clone(p) // path is reused by the walk
		}
		f := File{Path: p, Length: leaf.Length, Offset: total}
		if leaf.HasSymlink {
			f.Symlink = symlinkTarget(leaf.SymlinkPath)
			n.add("file %q: symlink -> %q is not created (libbt does not create symlinks)", clip(f.DisplayPath()), clip(f.Symlink))
		}
		if total > maxStreamLength-f.Length-pieceLength {
			return fmt.Errorf("%w: file %q: total length overflows", ErrFileTree, clip(name))
		}
		files = append(files, f)
		roots = append(roots, leaf.Root)
		total += f.Length
		if rem := total % pieceLength; rem != 0 {
			pad := pieceLength - rem
			files = append(files, File{Path: []string{".pad", strconv.FormatInt(pad, 10)}, Length: pad, Offset: total, Pad: true})
			roots = append(roots, merkle.Hash{})
			total += pad
		}
		return nil
	})
	if err != nil {
		return nil, nil, false, fmt.Errorf("metainfo: info.file tree: %w", err)
	}
	if len(files) == 0 {
		return nil, nil, false, fmt.Errorf("metainfo: info.file tree: %w: it holds no files", ErrFileTree)
	}
	if err := renameDuplicates(files, lim.MaxDuplicateFilenames, n); err != nil {
		return nil, nil, false, fmt.Errorf("metainfo: renaming clashing paths: %w", err)
	}
	return files, roots, !hasFiles && filetree.Single(tree), nil
}

// symlinkTarget joins the sanitised elements of a BEP 47 "symlink path" ("." for none).
func symlinkTarget(raw []string) string {
	var elems []string
	for _, e := range raw {
		if s, ok := sanitizeElement(e); ok {
			elems = append(elems, s)
		}
	}
	if len(elems) == 0 {
		return "."
	}
	return strings.Join(elems, "/")
}
