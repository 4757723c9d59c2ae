package metainfo

import (
	"crypto/sha1"
	"crypto/sha256"
	"fmt"
	"math"
	"net"
	"strconv"
	"unicode/utf8"

	"github.com/libbt/libbt/core/bencode"
	"github.com/libbt/libbt/core/limits"
	"github.com/libbt/libbt/core/merkle"
)

// MetaInfo is a parsed .torrent file.
type MetaInfo struct {
	Info      Info
	InfoBytes []byte // the raw bencoded info dict, exactly as in the file
	// InfoHash is the SHA-1 of InfoBytes for v1 and hybrid torrents, and for v2-only torrents
	// the SHA-256 truncated to 20 bytes: the key the torrent is known by today.
	InfoHash InfoHash
	// InfoHashes holds the v1 info-hash (v1 and hybrid torrents) and the v2 one (SHA-256 of
	// InfoBytes; v2-only and hybrid torrents).
	InfoHashes InfoHashes
	// PieceLayers holds the checked "piece layers" of a v2 or hybrid torrent: for each file of
	// more than one piece whose layer the torrent carries, its pieces root to its piece hashes
	// (32 bytes each, concatenated; views into the torrent's bytes). See PieceLayer.
	PieceLayers  map[merkle.Hash][]byte
	Announce     string
	AnnounceList [][]string // BEP 12 tiers, as in the file (empty entries dropped)
	URLList      []string   // BEP 19 web seeds
	HTTPSeeds    []string   // BEP 17 HTTP seeds
	Comment      string
	CreatedBy    string
	CreationDate int64    // Unix seconds, 0 if absent
	Nodes        []string // DHT bootstrap nodes "host:port" (BEP 5)
	// Sanitized says, one human-readable line each, what loading changed or ignored to load
	// the torrent (renamed or cut paths, trailing bytes, unsorted keys, ...); nil if nothing.
	// It includes Info.Sanitized.
	Sanitized []string
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

// Parse parses a .torrent file with DefaultLimits; see ParseLimits.
func Parse(data []byte) (*MetaInfo, error) { return ParseLimits(data, DefaultLimits()) }

// ParseLimits parses and validates a .torrent file, refusing input past lim (a *limits.Error,
// wrapped) while decoding it; zero fields of lim take the defaults. It is as liberal as
// libtorrent: dict keys in any order, bytes after the top-level dict, paths that need
// sanitising (see ParseInfoLimits) are all loaded, and each change is described in
// Sanitized. The info-hash is the SHA-1 of the info dict's bytes exactly as in data.
// Malformed optional top-level fields (comment, announce-list, ...) are ignored.
//
// A hybrid torrent (BEP 52 with v1 fields) is checked in full: its file tree against its v1
// files (ErrInconsistentFiles) and its piece layers against their roots (ErrPieceLayer,
// ErrPieceLayerMismatch). A v2-only torrent is refused with ErrV2Only; ParseAny takes it.
func ParseLimits(data []byte, lim Limits) (*MetaInfo, error) { return parse(data, lim, false) }

// ParseAny is ParseLimits for every kind of torrent: v1, hybrid and v2-only.
func ParseAny(data []byte, lim Limits) (*MetaInfo, error) { return parse(data, lim, true) }

func parse(data []byte, lim Limits, v2Only bool) (*MetaInfo, error) {
	lim = lim.orDefault()
	if err := limits.Check(LimitBufferSize, int64(len(data)), lim.MaxBufferSize); err != nil {
		return nil, fmt.Errorf("metainfo: %w", err)
	}
	var top map[string]bencode.RawMessage
	end, err := lim.decoder().UnmarshalPrefix(data, &top)
	if err != nil {
		return nil, fmt.Errorf("metainfo: %w", err)
	}
	infoBytes, ok := top["info"]
	if !ok {
		return nil, fmt.Errorf("metainfo: info dict missing")
	}
	info, err := parseInfoNotes(infoBytes, lim, v2Only)
	if err != nil {
		return nil, err
	}
	m := &MetaInfo{Info: *info, InfoBytes: infoBytes}
	if info.HasV1() {
		m.InfoHashes.V1 = sha1.Sum(infoBytes)
	}
	if info.HasV2() {
		m.InfoHashes.V2 = sha256.Sum256(infoBytes)
		if raw, ok := top["piece layers"]; ok {
			if m.PieceLayers, err = parsePieceLayers(raw, &m.Info); err != nil {
				return nil, err
			}
		}
	}
	m.InfoHash = m.InfoHashes.V1
	if !info.HasV1() {
		m.InfoHash = m.InfoHashes.V2.Truncated()
	}
	if end < len(data) {
		m.Sanitized = append(m.Sanitized, fmt.Sprintf("%d bytes after the torrent's dictionary were ignored", len(data)-end))
	}
	if bencode.CheckCanonical(infoBytes) == nil { // else Info.Sanitized says so
		if err := bencode.CheckCanonical(data[:end]); err != nil {
			m.Sanitized = append(m.Sanitized, fmt.Sprintf("the torrent is not canonical bencoding (%v)", err))
		}
	}
	m.Sanitized = append(m.Sanitized, info.Sanitized...)
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

// looseDecoder decodes values inside input a limited decoder has already validated.
var looseDecoder = &bencode.Decoder{Lenient: true, MaxDepth: math.MaxInt32}

// optional decodes top[key] into v if present and well-typed.
func optional(top map[string]bencode.RawMessage, key string, v any) bool {
	raw, ok := top[key]
	return ok && looseDecoder.Unmarshal(raw, v) == nil
}

// stringOrList accepts a string or a list of strings; empty entries and
// non-strings are dropped.
func stringOrList(raw bencode.RawMessage) []string {
	if raw == nil {
		return nil
	}
	var s string
	if looseDecoder.Unmarshal(raw, &s) == nil {
		if s == "" {
			return nil
		}
		return []string{s}
	}
	var list []any
	if looseDecoder.Unmarshal(raw, &list) != nil {
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
