package metainfo

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"

	"github.com/libbt/libbt/core/bencode"
	"github.com/libbt/libbt/core/merkle"
)

// setV2Files reads the file tree of a v2-only or hybrid torrent: its files become the
// torrent's; a hybrid's v1 files (set already) must agree with them.
func (in *Info) setV2Files(ri *rawInfo, name, rawName string, infoBytes []byte, lim Limits, n *notes) error {
	hybrid := in.Files != nil
	treeNotes := n
	if hybrid {
		treeNotes = &notes{} // the v1 list is the one kept: its changes are those noted
	}
	files, roots, single, err := walkFileTree(ri.FileTree, in.PieceLength, ri.Files != nil, lim, treeNotes)
	if err != nil {
		return err
	}
	in.MetaVersion = 2
	if !hybrid {
		if name == "" { // libtorrent names it after the v2 info-hash
			h := sha256.Sum256(infoBytes)
			name = hex.EncodeToString(h[:])
			n.add("name %q loaded as %q", clip(rawName), name)
		}
		in.Name, in.MultiFile = name, !single
		in.Files, in.PiecesRoots = files, roots
		last := files[len(files)-1]
		in.TotalLength = last.Offset + last.Length
		return nil
	}
	// libtorrent before 2.0 wrote hybrids without a pad file after the last file: accept both.
	if len(files) == len(in.Files)+1 && files[len(files)-1].Pad {
		files, roots = files[:len(files)-1], roots[:len(roots)-1]
	}
	if err := filesCompatible(in.Files, files); err != nil {
		return fmt.Errorf("metainfo: hybrid torrent: %w", err)
	}
	// The tree's layout is kept, as libtorrent keeps it: it may differ from the v1 list only
	// in where empty files and pad files sit (libtorrent 1.2 put pads before files).
	in.Files, in.PiecesRoots = files, roots
	return nil
}

// filesCompatible checks a hybrid's v1 file list against its file tree as libtorrent's
// files_compatible: as many files, the same total, and every file with data (not a pad file)
// at the same index with the same path, length and offset.
func filesCompatible(v1, v2 []File) error {
	if len(v1) != len(v2) {
		return fmt.Errorf("%w: %d files in the v1 list, %d in the file tree (pad files included)", ErrInconsistentFiles, len(v1), len(v2))
	}
	if len(v1) > 0 {
		a, b := v1[len(v1)-1], v2[len(v2)-1]
		if a.Offset+a.Length != b.Offset+b.Length {
			return fmt.Errorf("%w: total length %d in the v1 list, %d in the file tree", ErrInconsistentFiles, a.Offset+a.Length, b.Offset+b.Length)
		}
	}
	for i := range v1 {
		a, b := &v1[i], &v2[i]
		ra, rb := !a.Pad && a.Length > 0, !b.Pad && b.Length > 0
		if ra != rb {
			return fmt.Errorf("%w: file %d holds data in one list only", ErrInconsistentFiles, i)
		}
		if ra && (a.Length != b.Length || a.Offset != b.Offset || !slices.Equal(a.Path, b.Path)) {
			return fmt.Errorf("%w: file %d is %q (%d bytes at %d) in the v1 list, %q (%d bytes at %d) in the file tree",
				ErrInconsistentFiles, i, clip(a.DisplayPath()), a.Length, a.Offset, clip(b.DisplayPath()), b.Length, b.Offset)
		}
	}
	return nil
}

// parsePieceLayers reads the top-level "piece layers" dict of a v2 or hybrid torrent (one
// validated bencoded value) and checks, for each file of more than one piece that has one, that
// its layer holds one hash per piece and hashes up to the file's pieces root. Layers no file
// names are dropped; files without a layer are allowed (their layers are fetched from peers,
// as for a magnet link). The layers returned are views into raw.
func parsePieceLayers(raw []byte, in *Info) (map[merkle.Hash][]byte, error) {
	byRoot := map[merkle.Hash][]byte{}
	err := bencode.EachEntry(raw, func(key, val []byte) error {
		layer, end := bencode.StringAt(val, 0)
		if len(key) != 32 || end != len(val) || len(layer)%32 != 0 {
			return fmt.Errorf("%w: an entry is not a 32-byte root and a string of 32-byte hashes", ErrPieceLayer)
		}
		var root merkle.Hash
		copy(root[:], key)
		if _, dup := byRoot[root]; !dup { // for a duplicate key the first value wins
			byRoot[root] = layer[:len(layer):len(layer)]
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("metainfo: piece layers: %w", err)
	}
	out := map[merkle.Hash][]byte{}
	for i, f := range in.Files {
		if f.Pad || f.Length <= in.PieceLength {
			continue
		}
		root := in.PiecesRoots[i]
		layer, ok := byRoot[root]
		if !ok {
			continue
		}
		if want := merkle.NumPieces(f.Length, in.PieceLength); int64(len(layer)) != 32*want {
			return nil, fmt.Errorf("metainfo: piece layers: %w: file %d (%q) has %d pieces, its layer %d hashes",
				ErrPieceLayer, i, clip(f.DisplayPath()), want, len(layer)/32)
		}
		if _, done := out[root]; done {
			continue // an identical file was checked already
		}
		if err := merkle.VerifyPieceLayer(hashesOf(layer), f.Length, in.PieceLength, root); err != nil {
			return nil, fmt.Errorf("metainfo: piece layers: %w: file %d (%q): %v", ErrPieceLayerMismatch, i, clip(f.DisplayPath()), err)
		}
		out[root] = layer
	}
	return out, nil
}

// hashesOf copies concatenated 32-byte hashes into a slice of them.
func hashesOf(b []byte) []merkle.Hash {
	out := make([]merkle.Hash, len(b)/32)
	for i := range out {
		copy(out[i][:], b[32*i:])
	}
	return out
}

// PiecesRoot returns file f's pieces root (zero for v1 torrents, pad files, empty files and
// symlinks).
func (in *Info) PiecesRoot(f FileIndex) merkle.Hash {
	if int(f) < 0 || int(f) >= len(in.PiecesRoots) {
		return merkle.Hash{}
	}
	return in.PiecesRoots[f]
}

// PieceLayer returns file f's piece hashes (v2): the checked layer from the .torrent's "piece
// layers" for a file of more than one piece, its root alone for a file of one piece; nil for a
// file without data or a layer the torrent did not carry (to be fetched from peers).
func (m *MetaInfo) PieceLayer(f FileIndex) []merkle.Hash {
	root := m.Info.PiecesRoot(f)
	if root.IsZero() {
		return nil
	}
	if m.Info.Files[f].Length <= m.Info.PieceLength {
		return []merkle.Hash{root}
	}
	if layer, ok := m.PieceLayers[root]; ok {
		return hashesOf(layer)
	}
	return nil
}
