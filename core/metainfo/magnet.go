package metainfo

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// Magnet is a parsed magnet URI (BEP 9): v1 (urn:btih), v2 (urn:btmh, BEP 52) or both.
type Magnet struct {
	// InfoHash is the v1 info-hash, or for a v2-only magnet the v2 one truncated to 20 bytes:
	// the key the torrent is known by today.
	InfoHash InfoHash
	// InfoHashV2 is the v2 info-hash of a urn:btmh parameter; zero if there is none.
	InfoHashV2 InfoHashV2
	Name       string   // dn
	Trackers   []string // tr, in order, duplicates removed
	WebSeeds   []string // ws
	Peers      []string // x.pe "host:port", invalid entries dropped
}

const magnetPrefix = "magnet:?"

// ParseMagnet parses a magnet URI. It needs an xt=urn:btih: parameter with a 40-hex or
// 32-base32 info-hash; an xt=urn:btmh:1220 parameter (the multihash of a SHA-256, 64 hex
// characters) beside it gives the v2 info-hash of a hybrid torrent. A v2-only magnet is
// refused with ErrV2Only (ParseMagnetAny takes it). Parameters may carry numbered suffixes
// (tr.1, xt.2). Unknown parameters are ignored.
func ParseMagnet(uri string) (*Magnet, error) { return parseMagnet(uri, false) }

// ParseMagnetAny is ParseMagnet for v2-only magnets too.
func ParseMagnetAny(uri string) (*Magnet, error) { return parseMagnet(uri, true) }

// btmhPrefix is urn:btmh: and the multihash header of a SHA-256 (code 0x12, 32 bytes).
const btmhPrefix = "urn:btmh:1220"

func parseMagnet(uri string, v2Only bool) (*Magnet, error) {
	if len(uri) < len(magnetPrefix) || !strings.EqualFold(uri[:len(magnetPrefix)], magnetPrefix) {
		return nil, fmt.Errorf("magnet: %q does not start with magnet:?", clip(uri))
	}
	m := &Magnet{}
	var haveBTIH, haveBTMH bool
	seen := map[string]bool{} // key+"\x00"+value, to drop duplicates in linear time
	for _, kv := range strings.Split(uri[len(magnetPrefix):], "&") {
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		key, err := url.QueryUnescape(k)
		if err != nil {
			return nil, fmt.Errorf("magnet: bad escape in parameter name %q", clip(k))
		}
		val, err := url.QueryUnescape(v)
		if err != nil {
			return nil, fmt.Errorf("magnet: bad escape in %s value %q", clip(key), clip(v))
		}
		if base, suffix, ok := strings.Cut(key, "."); ok && base != "x" {
			if _, err := strconv.Atoi(suffix); err == nil {
				key = base
			}
		}
		switch key {
		case "xt":
			switch {
			case hasPrefixFold(val, "urn:btih:"):
				s := val[len("urn:btih:"):]
				h, ok := parseInfoHash(s)
				if !ok {
					return nil, fmt.Errorf("magnet: info-hash %q is not 40 hex or 32 base32 characters", clip(s))
				}
				if haveBTIH && h != m.InfoHash {
					return nil, fmt.Errorf("magnet: conflicting info-hashes %s and %s", m.InfoHash, h)
				}
				m.InfoHash, haveBTIH = h, true
			case hasPrefixFold(val, "urn:btmh:"):
				if !hasPrefixFold(val, btmhPrefix) {
					return nil, fmt.Errorf("magnet: %q is not the multihash of a SHA-256 (urn:btmh:1220...)", clip(val))
				}
				h, err := ParseInfoHashV2(val[len(btmhPrefix):])
				if err != nil {
					return nil, fmt.Errorf("magnet: %w", err)
				}
				if haveBTMH && h != m.InfoHashV2 {
					return nil, fmt.Errorf("magnet: conflicting v2 info-hashes %s and %s", m.InfoHashV2, h)
				}
				m.InfoHashV2, haveBTMH = h, true
			}
		case "dn":
			m.Name = val
		case "tr":
			if val != "" && !seen["tr\x00"+val] {
				seen["tr\x00"+val] = true
				m.Trackers = append(m.Trackers, val)
			}
		case "ws":
			if val != "" && !seen["ws\x00"+val] {
				seen["ws\x00"+val] = true
				m.WebSeeds = append(m.WebSeeds, val)
			}
		case "x.pe":
			if validPeer(val) && !seen["x.pe\x00"+val] {
				seen["x.pe\x00"+val] = true
				m.Peers = append(m.Peers, val)
			}
		}
	}
	switch {
	case !haveBTIH && !haveBTMH:
		return nil, fmt.Errorf("magnet: missing xt=urn:btih or xt=urn:btmh")
	case !haveBTIH && !v2Only:
		return nil, fmt.Errorf("magnet: v2-only (urn:btmh) magnets are not supported: %w", ErrV2Only)
	case !haveBTIH:
		m.InfoHash = m.InfoHashV2.Truncated()
	}
	return m, nil
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// appendNew appends the strings of add not already in seen.
func appendNew(list []string, seen map[string]bool, add ...string) []string {
	for _, s := range add {
		if !seen[s] {
			seen[s] = true
			list = append(list, s)
		}
	}
	return list
}

func validPeer(s string) bool {
	host, port, err := net.SplitHostPort(s)
	if err != nil || host == "" {
		return false
	}
	p, err := strconv.Atoi(port)
	return err == nil && p > 0 && p < 65536
}

// InfoHashes returns the info-hashes the magnet names.
func (m *Magnet) InfoHashes() InfoHashes {
	h := InfoHashes{V1: m.InfoHash, V2: m.InfoHashV2}
	if h.HasV2() && h.V1 == h.V2.Truncated() {
		h.V1 = InfoHash{} // a v2-only magnet
	}
	return h
}

// String returns the magnet URI: xt (btih in hex, then btmh), then dn, tr, ws and x.pe.
func (m *Magnet) String() string {
	var b strings.Builder
	b.WriteString("magnet:?")
	h := m.InfoHashes()
	if h.HasV1() || !h.HasV2() {
		b.WriteString("xt=urn:btih:")
		b.WriteString(m.InfoHash.String())
	}
	if h.HasV2() {
		if h.HasV1() {
			b.WriteString("&")
		}
		b.WriteString("xt=" + btmhPrefix)
		b.WriteString(m.InfoHashV2.String())
	}
	if m.Name != "" {
		b.WriteString("&dn=")
		b.WriteString(url.QueryEscape(m.Name))
	}
	for _, list := range []struct {
		key  string
		vals []string
	}{{"tr", m.Trackers}, {"ws", m.WebSeeds}, {"x.pe", m.Peers}} {
		for _, v := range list.vals {
			b.WriteString("&" + list.key + "=")
			b.WriteString(url.QueryEscape(v))
		}
	}
	return b.String()
}

// Magnet returns a magnet link for the torrent: its info-hash, name, all
// trackers (tiers flattened, duplicates removed) and web seeds.
func (m *MetaInfo) Magnet() *Magnet {
	mg := &Magnet{InfoHash: m.InfoHash, InfoHashV2: m.InfoHashes.V2, Name: m.Info.Name}
	seen := map[string]bool{}
	for _, tier := range m.TrackerTiers() {
		mg.Trackers = appendNew(mg.Trackers, seen, tier...)
	}
	mg.WebSeeds = appendNew(nil, map[string]bool{}, m.URLList...)
	return mg
}
