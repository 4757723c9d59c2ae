package metainfo

import (
	"crypto/sha1"
	"fmt"
	"math"
	"net"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/libbt/libbt/core/bencode"
)

// MaxPieceLength is the largest piece length accepted (256 MiB).
const MaxPieceLength = 256 << 20

// MetaInfo is a parsed .torrent file.
type MetaInfo struct {
	Info         Info
	InfoBytes    []byte   // the raw bencoded info dict, exactly as in the file
	InfoHash     InfoHash // SHA-1 of InfoBytes
	Announce     string
	AnnounceList [][]string // BEP 12 tiers, as in the file (empty entries dropped)
	URLList      []string   // BEP 19 web seeds
	HTTPSeeds    []string   // BEP 17 HTTP seeds
	Comment      string
	CreatedBy    string
	CreationDate int64    // Unix seconds, 0 if absent
	Nodes        []string // DHT bootstrap nodes "host:port" (BEP 5)
}

// TrackerTiers returns the tracker tiers to announce to: the announce-list
// if it has any non-empty entry, else [[announce]], else nil. Empty URLs and
// empty tiers are dropped.
func (m *MetaInfo) TrackerTiers() [][]string {
	var tiers [][]string
	for _, tier := range m.AnnounceList {
		var t []string
		for _, u := range tier {
			if u != "" {
				t = append(t, u)
			}
		}
		if len(t) > 0 {
			tiers = append(tiers, t)
		}
	}
	if len(tiers) == 0 && m.Announce != "" {
		tiers = [][]string{{m.Announce}}
	}
	return tiers
}

// Parse parses and validates a .torrent file. The info dict and the file
// as a whole must be strict bencoding (so the info-hash is unambiguous);
// malformed optional top-level fields (comment, announce-list, ...) are
// ignored rather than fatal.
func Parse(data []byte) (*MetaInfo, error) {
	var top map[string]bencode.RawMessage
	if err := bencode.Unmarshal(data, &top); err != nil {
		return nil, fmt.Errorf("metainfo: %w", err)
	}
	infoBytes, ok := top["info"]
	if !ok {
		return nil, fmt.Errorf("metainfo: info dict missing")
	}
	info, err := ParseInfo(infoBytes)
	if err != nil {
		return nil, err
	}
	m := &MetaInfo{Info: *info, InfoBytes: infoBytes, InfoHash: sha1.Sum(infoBytes)}
	optional(top, "announce", &m.Announce)
	var al [][]string
	if optional(top, "announce-list", &al) {
		for _, tier := range al {
			var t []string
			for _, u := range tier {
				if u != "" {
					t = append(t, u)
				}
			}
			if len(t) > 0 {
				m.AnnounceList = append(m.AnnounceList, t)
			}
		}
	}
	m.URLList = stringOrList(top["url-list"])
	m.HTTPSeeds = stringOrList(top["httpseeds"])
	if !optional(top, "comment.utf-8", &m.Comment) || !utf8.ValidString(m.Comment) {
		optional(top, "comment", &m.Comment)
	}
	optional(top, "created by", &m.CreatedBy)
	optional(top, "creation date", &m.CreationDate)
	var nodes [][]any
	if optional(top, "nodes", &nodes) {
		for _, n := range nodes {
			if len(n) != 2 {
				continue
			}
			host, ok1 := n[0].(string)
			port, ok2 := n[1].(int64)
			if ok1 && ok2 && host != "" && port > 0 && port < 65536 {
				m.Nodes = append(m.Nodes, net.JoinHostPort(host, strconv.FormatInt(port, 10)))
			}
		}
	}
	return m, nil
}

// optional decodes top[key] into v if present and well-typed.
func optional(top map[string]bencode.RawMessage, key string, v any) bool {
	raw, ok := top[key]
	return ok && bencode.Unmarshal(raw, v) == nil
}

// stringOrList accepts a string or a list of strings; empty entries and
// non-strings are dropped.
func stringOrList(raw bencode.RawMessage) []string {
	if raw == nil {
		return nil
	}
	var s string
	if bencode.Unmarshal(raw, &s) == nil {
		if s == "" {
			return nil
		}
		return []string{s}
	}
	var list []any
	if bencode.Unmarshal(raw, &list) != nil {
		return nil
	}
	var out []string
	for _, x := range list {
		if s, ok := x.(string); ok && s != "" {
			out = append(out, s)
		}
	}
	return out
}

type rawFile struct {
	Length   *int64   `bencode:"length"`
	Path     []string `bencode:"path"`
	PathUTF8 []string `bencode:"path.utf-8"`
	Attr     string   `bencode:"attr"`
}

type rawInfo struct {
	Files       *[]rawFile         `bencode:"files"`
	FileTree    bencode.RawMessage `bencode:"file tree"`
	Length      *int64             `bencode:"length"`
	MetaVersion int64              `bencode:"meta version"`
	Name        *string            `bencode:"name"`
	NameUTF8    *string            `bencode:"name.utf-8"`
	PieceLength *int64             `bencode:"piece length"`
	Pieces      *[]byte            `bencode:"pieces"`
	Private     int64              `bencode:"private"`
}

// ParseInfo parses and validates a bencoded v1 info dict, as received via
// ut_metadata (BEP 9) or taken from a .torrent file.
func ParseInfo(infoBytes []byte) (*Info, error) {
	var ri rawInfo
	if err := bencode.Unmarshal(infoBytes, &ri); err != nil {
		return nil, fmt.Errorf("metainfo: info: %w", err)
	}
	if ri.MetaVersion > 2 {
		return nil, fmt.Errorf("metainfo: info.meta version %d is not supported", ri.MetaVersion)
	}
	if ri.Pieces == nil && (ri.MetaVersion == 2 || ri.FileTree != nil) {
		return nil, fmt.Errorf("metainfo: v2-only torrents are not supported")
	}
	in := &Info{Private: ri.Private != 0}

	// Name: name.utf-8 wins when present and valid.
	switch {
	case ri.NameUTF8 != nil && utf8.ValidString(*ri.NameUTF8) && checkComponent(*ri.NameUTF8) == nil:
		in.Name = *ri.NameUTF8
	case ri.Name != nil:
		in.Name = *ri.Name
	default:
		return nil, fmt.Errorf("metainfo: info.name missing")
	}
	if err := checkComponent(in.Name); err != nil {
		return nil, fmt.Errorf("metainfo: info.name %q %v", clip(in.Name), err)
	}

	if ri.PieceLength == nil {
		return nil, fmt.Errorf("metainfo: info.piece length missing")
	}
	in.PieceLength = *ri.PieceLength
	if in.PieceLength <= 0 || in.PieceLength > MaxPieceLength {
		return nil, fmt.Errorf("metainfo: info.piece length %d is not in 1..%d", in.PieceLength, MaxPieceLength)
	}
	if ri.Pieces == nil {
		return nil, fmt.Errorf("metainfo: info.pieces missing")
	}
	in.Pieces = *ri.Pieces
	if len(in.Pieces)%20 != 0 {
		return nil, fmt.Errorf("metainfo: pieces length %d is not a multiple of 20", len(in.Pieces))
	}

	switch {
	case ri.Length != nil && ri.Files != nil:
		return nil, fmt.Errorf("metainfo: info has both length and files")
	case ri.Length != nil:
		if *ri.Length < 0 {
			return nil, fmt.Errorf("metainfo: info.length %d is negative", *ri.Length)
		}
		in.Files = []File{{Path: []string{in.Name}, Length: *ri.Length}}
		in.TotalLength = *ri.Length
	case ri.Files != nil:
		in.MultiFile = true
		if err := in.setFiles(*ri.Files); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("metainfo: info has neither length nor files")
	}

	if in.TotalLength == 0 {
		return nil, fmt.Errorf("metainfo: total length is 0")
	}
	want := (in.TotalLength-1)/in.PieceLength + 1
	if int64(in.NumPieces()) != want {
		return nil, fmt.Errorf("metainfo: number of pieces %d does not match total length %d with piece length %d (want %d)",
			in.NumPieces(), in.TotalLength, in.PieceLength, want)
	}
	return in, nil
}

func (in *Info) setFiles(raw []rawFile) error {
	if len(raw) == 0 {
		return fmt.Errorf("metainfo: info.files is empty")
	}
	in.Files = make([]File, len(raw))
	tree := &pathNode{} // detects duplicate paths and file/directory clashes in linear time
	var total int64
	for i, rf := range raw {
		if rf.Length == nil {
			return fmt.Errorf("metainfo: file %d length missing", i)
		}
		if *rf.Length < 0 {
			return fmt.Errorf("metainfo: file %d length %d is negative", i, *rf.Length)
		}
		if total > math.MaxInt64-*rf.Length {
			return fmt.Errorf("metainfo: file %d: total length overflows int64", i)
		}
		p := rf.Path
		if rf.PathUTF8 != nil && validPath(rf.PathUTF8) == nil && allUTF8(rf.PathUTF8) {
			p = rf.PathUTF8
		}
		if len(p) == 0 {
			return fmt.Errorf("metainfo: file %d path is empty", i)
		}
		if err := validPath(p); err != nil {
			return fmt.Errorf("metainfo: file %d %v", i, err)
		}
		pad := strings.IndexByte(rf.Attr, 'p') >= 0
		in.Files[i] = File{Path: p, Length: *rf.Length, Offset: total, Pad: pad}
		total += *rf.Length
		if pad {
			continue // padding files are never written; hybrid torrents reuse their names
		}
		if err := tree.add(p, i); err != nil {
			return err
		}
	}
	in.TotalLength = total
	return nil
}

func validPath(p []string) error {
	for _, c := range p {
		if err := checkComponent(c); err != nil {
			return fmt.Errorf("path component %q %v", clip(c), err)
		}
	}
	return nil
}

func allUTF8(p []string) bool {
	for _, c := range p {
		if !utf8.ValidString(c) {
			return false
		}
	}
	return true
}

// pathNode is a trie of the non-pad file paths.
type pathNode struct {
	children map[string]*pathNode
	file     int // index+1 of the file ending here, 0 for a directory
}

func (n *pathNode) add(p []string, i int) error {
	for _, c := range p {
		if n.file != 0 {
			return fmt.Errorf("metainfo: file %d path %q is inside file %d", i, clip(strings.Join(p, "/")), n.file-1)
		}
		child := n.children[c]
		if child == nil {
			if n.children == nil {
				n.children = make(map[string]*pathNode)
			}
			child = &pathNode{}
			n.children[c] = child
		}
		n = child
	}
	switch {
	case n.file != 0:
		return fmt.Errorf("metainfo: file %d path %q duplicates file %d", i, clip(strings.Join(p, "/")), n.file-1)
	case len(n.children) > 0:
		return fmt.Errorf("metainfo: file %d path %q is also a directory of another file", i, clip(strings.Join(p, "/")))
	}
	n.file = i + 1
	return nil
}
