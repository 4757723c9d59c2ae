package metainfo

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// Magnet is a parsed magnet URI (BEP 9) for a v1 torrent.
type Magnet struct {
	InfoHash InfoHash
	Name     string   // dn
	Trackers []string // tr, in order, duplicates removed
	WebSeeds []string // ws
	Peers    []string // x.pe "host:port", invalid entries dropped
}

const magnetPrefix = "magnet:?"

// ParseMagnet parses a magnet URI. It needs an xt=urn:btih: parameter with
// a 40-hex or 32-base32 info-hash; urn:btmh (v2) parameters are ignored when
// a btih is present, and alone are an error. Parameters may carry numbered
// suffixes (tr.1, xt.2). Unknown parameters are ignored.
func ParseMagnet(uri string) (*Magnet, error) {
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
				haveBTMH = true
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
	if !haveBTIH {
		if haveBTMH {
			return nil, fmt.Errorf("magnet: v2-only (urn:btmh) magnets are not supported")
		}
		return nil, fmt.Errorf("magnet: missing xt=urn:btih")
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

// String returns the magnet URI: xt (hex), then dn, tr, ws and x.pe.
func (m *Magnet) String() string {
	var b strings.Builder
	b.WriteString("magnet:?xt=urn:btih:")
	b.WriteString(m.InfoHash.String())
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
	mg := &Magnet{InfoHash: m.InfoHash, Name: m.Info.Name}
	seen := map[string]bool{}
	for _, tier := range m.TrackerTiers() {
		mg.Trackers = appendNew(mg.Trackers, seen, tier...)
	}
	mg.WebSeeds = appendNew(nil, map[string]bool{}, m.URLList...)
	return mg
}
