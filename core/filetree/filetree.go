// Package filetree reads and writes the "file tree" of a BitTorrent v2 info dict (BEP 52):
// nested dicts keyed by path element, a file being a dict whose only key is "" and whose value
// holds its "length", "pieces root" and BEP 47 "attr" / "symlink path". Reading checks each
// file as libtorrent does and bounds the nesting (max_directory_depth); it walks the bytes of
// an already validated (decoded under limits) dict in place, so it allocates only what it
// hands over. Paths are handed over raw: sanitising them is core/metainfo's job.
//
// The package is pure: no goroutines, I/O, locks or clock.
package filetree

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/libbt/libbt/core/bencode"
	"github.com/libbt/libbt/core/limits"
	"github.com/libbt/libbt/core/merkle"
)

// LimitDirectoryDepth names the limit on the elements of a file's path, as libtorrent's
// load_torrent_limits (core/metainfo uses the same name).
const LimitDirectoryDepth = "max_directory_depth"

// MaxFileLength is libtorrent's bound on one v2 file (its merkle tree indices are ints): fewer
// than 2^30 - 1 blocks of 16 KiB.
const MaxFileLength = (1<<30-1)*merkle.BlockSize - 1

// Errors, as libtorrent names them; wrapped with details, match them with errors.Is.
var (
	// ErrInvalid: not nested dicts of named entries, a file without a valid length, or a pad
	// file in the tree (libtorrent: torrent_file_parse_failed, torrent_invalid_length,
	// torrent_invalid_pad_file).
	ErrInvalid = errors.New("invalid file tree")
	// ErrPiecesRoot: a file with data whose "pieces root" is missing, not 32 bytes or zero
	// (libtorrent: torrent_missing_pieces_root).
	ErrPiecesRoot = errors.New("missing or invalid pieces root")
)

// Leaf is one file of a tree.
type Leaf struct {
	Length int64       // 0 for a symlink
	Root   merkle.Hash // zero for an empty file or a symlink
	Attr   string      // BEP 47 attributes: "x" executable, "h" hidden, "l" symlink
	// SymlinkPath holds the raw elements of a symlink's target; HasSymlink says the file is a
	// symlink with a target (libtorrent makes a symlink without one an empty file).
	SymlinkPath []string
	HasSymlink  bool
}

// Walk calls visit for each file of tree (one validated bencoded value), depth first in the
// order of the input (a canonical tree is sorted by name), with its raw path elements (reused
// after visit returns: copy them to keep them) and its leaf. It fails with ErrInvalid,
// ErrPiecesRoot, a *limits.Error naming LimitDirectoryDepth for a path of more than maxDepth
// elements, or visit's error. It reads the tree in one pass: its time is linear in the bytes of
// the tree whatever its depth.
func Walk(tree []byte, maxDepth int, visit func(path []string, leaf *Leaf) error) error {
	w := walker{b: tree, maxDepth: maxDepth, visit: visit}
	if len(tree) == 0 || tree[0] != 'd' {
		return fmt.Errorf("%w: the file tree is not a dict", ErrInvalid)
	}
	_, err := w.dir(0)
	return err
}

type walker struct {
	b        []byte
	maxDepth int
	visit    func([]string, *Leaf) error
	path     []string
	leaf     Leaf
}

func (w *walker) where() string { return clip(strings.Join(w.path, "/")) }

// dir walks the directory dict at pos and returns the position after it.
func (w *walker) dir(pos int) (int, error) {
	b := w.b
	pos++ // 'd'
	for pos < len(b) && b[pos] != 'e' {
		key, vpos := bencode.StringAt(b, pos)
		if vpos < 0 || vpos >= len(b) {
			return -1, fmt.Errorf("%w: malformed dict in %q", ErrInvalid, w.where())
		}
		if len(key) == 0 || b[vpos] != 'd' {
			return -1, fmt.Errorf("%w: entry %q in %q is not a named dict", ErrInvalid, clip(string(key)), w.where())
		}
		w.path = append(w.path, string(key))
		if err := limits.Check(LimitDirectoryDepth, int64(len(w.path)), int64(w.maxDepth)); err != nil {
			return -1, err
		}
		end, err := w.entry(vpos)
		if err != nil {
			return -1, err
		}
		w.path = w.path[:len(w.path)-1]
		pos = end
	}
	if pos >= len(b) {
		return -1, fmt.Errorf("%w: malformed dict in %q", ErrInvalid, w.where())
	}
	return pos + 1, nil
}

// entry walks the dict at pos, a file (its only key is "") or a directory, and returns the
// position after it.
func (w *walker) entry(pos int) (int, error) {
	b := w.b
	if key, lpos := bencode.StringAt(b, pos+1); lpos > 0 && len(key) == 0 {
		lend := bencode.ValueEnd(b, lpos)
		if lend > 0 && lend < len(b) && b[lend] == 'e' { // "" is the only key: a file
			if err := w.file(b[lpos:lend]); err != nil {
				return -1, err
			}
			if err := w.visit(w.path, &w.leaf); err != nil {
				return -1, err
			}
			return lend + 1, nil
		}
	}
	return w.dir(pos)
}

// isFile reports whether the dict d has "" as its only key (a file), without walking it.
func isFile(d []byte) bool {
	key, lpos := bencode.StringAt(d, 1)
	if lpos < 0 || len(key) != 0 || len(d) == 0 || d[0] != 'd' {
		return false
	}
	lend := bencode.ValueEnd(d, lpos)
	return lend > 0 && lend < len(d) && d[lend] == 'e'
}

// Single reports whether tree holds one file at its top (a single-file torrent when the info
// dict has no v1 file list).
func Single(tree []byte) bool {
	count, single := 0, false
	bencode.EachEntry(tree, func(_, val []byte) error {
		count++
		single = isFile(val)
		return nil
	})
	return count == 1 && single
}

// file reads a leaf into w.leaf: keys of another type than expected are as if absent, as
// libtorrent's dict_find_* read them.
func (w *walker) file(d []byte) error {
	if len(d) == 0 || d[0] != 'd' {
		return fmt.Errorf("%w: file %q is not a dict", ErrInvalid, w.where())
	}
	l := &w.leaf
	*l = Leaf{}
	var length int64
	var haveLength bool
	var root []byte
	var haveRoot bool
	bencode.EachEntry(d, func(key, val []byte) error {
		switch string(key) {
		case "length":
			length, haveLength = intValue(val)
		case "pieces root":
			root, haveRoot = stringValue(val)
		case "attr":
			if s, ok := stringValue(val); ok {
				l.Attr = string(s)
			}
		case "symlink path":
			l.SymlinkPath, l.HasSymlink = stringList(val)
		}
		return nil
	})
	if strings.IndexByte(l.Attr, 'p') >= 0 {
		return fmt.Errorf("%w: file %q is a pad file", ErrInvalid, w.where())
	}
	if strings.IndexByte(l.Attr, 'l') < 0 {
		l.SymlinkPath, l.HasSymlink = nil, false
		if !haveLength || length < 0 || length > MaxFileLength {
			return fmt.Errorf("%w: file %q has no valid length", ErrInvalid, w.where())
		}
		l.Length = length
	}
	if !l.HasSymlink && l.Length > 0 {
		if !haveRoot || len(root) != 32 {
			return fmt.Errorf("%w: file %q", ErrPiecesRoot, w.where())
		}
		copy(l.Root[:], root)
		if l.Root.IsZero() {
			return fmt.Errorf("%w: file %q has a zero pieces root", ErrPiecesRoot, w.where())
		}
	}
	return nil
}

func stringValue(v []byte) ([]byte, bool) {
	s, end := bencode.StringAt(v, 0)
	return s, end == len(v)
}

// intValue parses a bencoded integer as the lenient decoder does (leading zeros, "-0").
func intValue(v []byte) (int64, bool) {
	if len(v) < 3 || v[0] != 'i' || v[len(v)-1] != 'e' {
		return 0, false
	}
	n, err := strconv.ParseInt(string(v[1:len(v)-1]), 10, 64)
	return n, err == nil
}

// stringList reads a list of strings; a list holding anything else is as if absent.
func stringList(v []byte) ([]string, bool) {
	if len(v) < 2 || v[0] != 'l' {
		return nil, false
	}
	var out []string
	for pos := 1; pos < len(v) && v[pos] != 'e'; {
		s, end := bencode.StringAt(v, pos)
		if end < 0 {
			return nil, false
		}
		out = append(out, string(s))
		pos = end
	}
	return out, true
}

// clip shortens s for error messages.
func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}
