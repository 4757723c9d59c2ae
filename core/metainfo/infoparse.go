package metainfo

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/libbt/libbt/core/bencode"
	"github.com/libbt/libbt/core/limits"
	"github.com/libbt/libbt/core/merkle"
)

// MaxPieceLength is the largest piece length accepted (256 MiB).
const MaxPieceLength = 256 << 20

// loose holds a value that is used only when it has the expected shape, as libtorrent's
// dict_find_int / dict_find_string / dict_find_list read optional keys: a value of another
// type is as if absent (OK false) instead of failing the whole torrent.
type loose[T any] struct {
	V  T
	OK bool
}

func (l *loose[T]) UnmarshalBencode(b []byte) error {
	var v T
	if looseDecoder.Unmarshal(b, &v) == nil {
		l.V, l.OK = v, true
	}
	return nil
}

// sharedString is a bencoded string decoded without copying: V is the value's bytes inside the
// input itself (capacity cut at its end, so an append cannot write past it). A value that is not
// a string is as if absent, as with loose. parseInfo uses it for info.pieces, so that
// Info.Pieces shares the bytes of the info dict the caller keeps (MetaInfo.InfoBytes) instead of
// holding a second copy of every piece hash.
type sharedString struct {
	V  []byte
	OK bool
}

// UnmarshalBencode keeps b's bytes, unlike the bencode.Unmarshaler contract asks: parseInfo's
// input is the caller's info dict, which the decoder passes through without copying and which
// ParseInfoLimits documents as aliased.
func (s *sharedString) UnmarshalBencode(b []byte) error {
	if len(b) == 0 || b[0] < '0' || b[0] > '9' {
		return nil // an integer, list or dict: not a string
	}
	colon := bytes.IndexByte(b, ':')
	if colon < 0 {
		return nil // cannot happen: b is one validated value
	}
	s.V, s.OK = b[colon+1:len(b):len(b)], true
	return nil
}

// rawFile is one entry of info.files as decoded; the keys most files lack are pointers, to
// keep the decoded list small (72 bytes a file).
type rawFile struct {
	Length      loose[int64]     `bencode:"length"`
	Path        loose[[]string]  `bencode:"path"`
	PathUTF8    *loose[[]string] `bencode:"path.utf-8"`
	Attr        *loose[string]   `bencode:"attr"`
	SymlinkPath *loose[[]string] `bencode:"symlink path"`
}

// orZero returns *l, or the zero value (not OK) for nil.
func orZero[T any](l *loose[T]) loose[T] {
	if l == nil {
		return loose[T]{}
	}
	return *l
}

type rawInfo struct {
	Files       *[]rawFile         `bencode:"files"`
	FileTree    bencode.RawMessage `bencode:"file tree"`
	Length      loose[int64]       `bencode:"length"`
	MetaVersion loose[int64]       `bencode:"meta version"`
	Name        loose[string]      `bencode:"name"`
	NameUTF8    loose[string]      `bencode:"name.utf-8"`
	PieceLength loose[int64]       `bencode:"piece length"`
	Pieces      sharedString       `bencode:"pieces"`
	Private     loose[int64]       `bencode:"private"`
}

// ParseInfo parses a bencoded v1 info dict with DefaultLimits; see ParseInfoLimits.
func ParseInfo(infoBytes []byte) (*Info, error) { return ParseInfoLimits(infoBytes, DefaultLimits()) }

// ParseInfoLimits parses and validates a bencoded v1 or hybrid info dict, as received via
// ut_metadata (BEP 9) or taken from a .torrent file, refusing input past lim while decoding it
// (a *limits.Error naming max_decode_depth, max_decode_tokens, max_pieces, max_directory_depth
// or max_duplicate_filenames). A hybrid's file tree is checked against its v1 file list
// (ErrInconsistentFiles) and its pieces roots kept in Info.PiecesRoots; a v2-only info dict is
// refused with ErrV2Only (ParseInfoAny takes it). lim.MaxBufferSize is not applied: the caller bounds the bytes
// it collects. Paths are sanitised as libtorrent does (see sanitizeElement) and clashing ones
// renamed; Info.Sanitized says what changed.
//
// The piece hashes are not copied: Info.Pieces is a sub-slice of infoBytes, which the caller
// must therefore keep unmodified for as long as it uses the Info (MetaInfo keeps it as
// InfoBytes: each piece hash is held once).
func ParseInfoLimits(infoBytes []byte, lim Limits) (*Info, error) {
	return parseInfoNotes(infoBytes, lim, false)
}

// ParseInfoAny is ParseInfoLimits for every kind of torrent: v1, hybrid and v2-only.
func ParseInfoAny(infoBytes []byte, lim Limits) (*Info, error) {
	return parseInfoNotes(infoBytes, lim, true)
}

func parseInfoNotes(infoBytes []byte, lim Limits, v2Only bool) (*Info, error) {
	var n notes
	in, err := parseInfo(infoBytes, lim.orDefault(), &n, v2Only)
	if err != nil {
		return nil, err
	}
	in.Sanitized = n.result()
	return in, nil
}

// parseInfo parses an info dict; v2Only says whether a v2-only torrent is accepted.
func parseInfo(infoBytes []byte, lim Limits, n *notes, v2Only bool) (*Info, error) {
	var ri rawInfo
	if err := lim.decoder().Unmarshal(infoBytes, &ri); err != nil {
		return nil, fmt.Errorf("metainfo: info: %w", err)
	}
	if ri.MetaVersion.V > 2 {
		return nil, fmt.Errorf("metainfo: info.meta version %d is not supported", ri.MetaVersion.V)
	}
	v2 := ri.MetaVersion.V == 2
	hasV1 := ri.Files != nil || ri.Length.OK || !v2 // a v1 torrent without files fails below
	switch {
	case v2 && ri.FileTree == nil:
		return nil, fmt.Errorf("metainfo: info: %w: meta version 2 without a file tree", ErrFileTree)
	case !v2 && ri.FileTree != nil:
		return nil, fmt.Errorf("metainfo: info: %w: a file tree without meta version 2", ErrFileTree)
	case v2 && !hasV1 && !v2Only:
		return nil, fmt.Errorf("metainfo: %w", ErrV2Only)
	}
	if err := bencode.CheckCanonical(infoBytes); err != nil {
		n.add("the info dict is not canonical bencoding (%v); its info-hash is that of its bytes as given", err)
	}
	in := &Info{Private: ri.Private.V != 0, MetaVersion: 1}

	if !ri.PieceLength.OK {
		return nil, fmt.Errorf("metainfo: info.piece length missing")
	}
	in.PieceLength = ri.PieceLength.V
	if in.PieceLength <= 0 || in.PieceLength > MaxPieceLength {
		return nil, fmt.Errorf("metainfo: info.piece length %d is not in 1..%d", in.PieceLength, MaxPieceLength)
	}
	if v2 && merkle.BlocksPerPiece(in.PieceLength) == 0 {
		return nil, fmt.Errorf("metainfo: info.piece length %d is not a power of two of at least 16 KiB (meta version 2)", in.PieceLength)
	}
	if hasV1 {
		if !ri.Pieces.OK {
			return nil, fmt.Errorf("metainfo: info.pieces missing")
		}
		in.Pieces = ri.Pieces.V
		if len(in.Pieces)%20 != 0 {
			return nil, fmt.Errorf("metainfo: pieces length %d is not a multiple of 20", len(in.Pieces))
		}
		if err := limits.Check(LimitPieces, int64(len(in.Pieces)/20), int64(lim.MaxPieces)); err != nil {
			return nil, fmt.Errorf("metainfo: info.pieces: %w", err)
		}
	}

	// Name: name.utf-8 when it is a string, else name.
	rawName := ri.NameUTF8
	if !rawName.OK {
		rawName = ri.Name
	}
	if !rawName.OK {
		return nil, fmt.Errorf("metainfo: info.name missing")
	}
	name, _ := sanitizeElement(rawName.V)
	if name != rawName.V && rawName.V != "" {
		n.add("name %q loaded as %q", clip(rawName.V), clip(name))
	}
	if hasV1 {
		if err := in.setV1Files(&ri, name, rawName.V, infoBytes, lim, n); err != nil {
			return nil, err
		}
	}
	if v2 {
		if err := in.setV2Files(&ri, name, rawName.V, infoBytes, lim, n); err != nil {
			return nil, err
		}
	}

	if in.TotalLength == 0 {
		return nil, fmt.Errorf("metainfo: total length is 0")
	}
	want := (in.TotalLength-1)/in.PieceLength + 1
	if err := limits.Check(LimitPieces, want, int64(lim.MaxPieces)); err != nil {
		return nil, fmt.Errorf("metainfo: total length %d in pieces of %d: %w", in.TotalLength, in.PieceLength, err)
	}
	if int64(in.NumPieces()) != want {
		return nil, fmt.Errorf("metainfo: number of pieces %d does not match total length %d with piece length %d (want %d)",
			in.NumPieces(), in.TotalLength, in.PieceLength, want)
	}
	return in, nil
}

// setV1Files sets the files of a v1 or hybrid torrent from its "length" or "files".
func (in *Info) setV1Files(ri *rawInfo, name, rawName string, infoBytes []byte, lim Limits, n *notes) error {
	switch {
	case ri.Length.OK && ri.Files != nil:
		return fmt.Errorf("metainfo: info has both length and files")
	case ri.Files != nil:
		in.MultiFile = true
		if name == "" { // libtorrent names the directory after the info-hash
			h := sha1.Sum(infoBytes)
			name = hex.EncodeToString(h[:])
			n.add("name %q loaded as %q", clip(rawName), name)
		}
		in.Name = name
		return in.setFiles(*ri.Files, lim, n)
	case ri.Length.OK:
		if rawName == "" || name == "" {
			return fmt.Errorf("metainfo: info.name %q is not a file name", clip(rawName))
		}
		if ri.Length.V < 0 {
			return fmt.Errorf("metainfo: info.length %d is negative", ri.Length.V)
		}
		in.Name = name
		in.Files = []File{{Path: []string{name}, Length: ri.Length.V}}
		in.TotalLength = ri.Length.V
		return nil
	}
	return fmt.Errorf("metainfo: info has neither length nor files")
}

// setFiles builds the file list of a multi-file torrent: lengths and offsets, sanitised
// paths, then renames of clashing paths. Linear in the size of raw.
func (in *Info) setFiles(raw []rawFile, lim Limits, n *notes) error {
	if len(raw) == 0 {
		return fmt.Errorf("metainfo: info.files is empty")
	}
	in.Files = make([]File, len(raw))
	var total int64
	for i := range raw {
		rf := &raw[i]
		attr := orZero(rf.Attr).V
		symlink := strings.IndexByte(attr, 'l') >= 0
		pad := strings.IndexByte(attr, 'p') >= 0
		var length int64 // symlinks have no length: they take no bytes of the torrent
		if !symlink {
			if !rf.Length.OK {
				return fmt.Errorf("metainfo: file %d length missing", i)
			}
			length = rf.Length.V
		}
		if length < 0 {
			return fmt.Errorf("metainfo: file %d length %d is negative", i, length)
		}
		if total > math.MaxInt64-length {
			return fmt.Errorf("metainfo: file %d: total length overflows int64", i)
		}
		path := orZero(rf.PathUTF8)
		if !path.OK {
			path = rf.Path
		}
		if err := limits.Check(LimitDirectoryDepth, int64(len(path.V)), int64(lim.MaxDirectoryDepth)); err != nil {
			return fmt.Errorf("metainfo: file %d path: %w", i, err)
		}
		f := File{Length: length, Offset: total, Pad: pad}
		switch {
		case len(path.V) > 0:
			p, changed := sanitizePath(path.V)
			if changed {
				n.add("file %d: path %q loaded as %q", i, clip(strings.Join(path.V, "/")), clip(strings.Join(p, "/")))
			}
			f.Path = p
		case pad: // libtorrent puts pad files without a path here; they are never written
			f.Path = []string{".pad", strconv.FormatInt(length, 10)}
		default:
			return fmt.Errorf("metainfo: file %d path is empty", i)
		}
		for _, e := range f.Path {
			if strings.Contains(e, "_____padding_file_") { // BitComet's pad files, as libtorrent reads them
				f.Pad = true
			}
		}
		if symlink {
			if target := orZero(rf.SymlinkPath); target.OK {
				f.Symlink = symlinkTarget(target.V)
				n.add("file %d: symlink %q -> %q is not created (libbt does not create symlinks)", i, clip(f.DisplayPath()), clip(f.Symlink))
			}
			// Without a target libtorrent makes it an empty file, and so does libbt.
		}
		in.Files[i] = f
		total += length
	}
	in.TotalLength = total
	if err := renameDuplicates(in.Files, lim.MaxDuplicateFilenames, n); err != nil {
		return fmt.Errorf("metainfo: renaming clashing paths: %w", err)
	}
	return nil
}
