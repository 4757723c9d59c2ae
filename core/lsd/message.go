package lsd

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"strconv"

	"github.com/libbt/libbt/core/metainfo"
)

// The BEP 14 multicast groups: A) org-local IPv4, B) site-local IPv6.
var (
	Group4 = netip.MustParseAddrPort("239.192.152.143:6771")
	Group6 = netip.MustParseAddrPort("[ff15::efc0:988f]:6771")
)

const (
	// MaxPacket is the largest announce we send: BEP 14 keeps announces with several info-hashes
	// under 1400 bytes to avoid fragmentation.
	MaxPacket = 1400
	// MaxAnnounceSize is the largest datagram we parse; anything longer is ignored.
	MaxAnnounceSize = 1500

	maxHeaders     = 64 // header lines in one announce
	maxCookieLen   = 64
	maxHostLen     = 64
	startLine      = "BT-SEARCH * HTTP/1.1"
	infoHashHexLen = 2 * len(metainfo.InfoHash{})
)

// Announce is one BT-SEARCH message.
type Announce struct {
	Host       string // the Host header as sent (the group), informational only
	Port       uint16 // the sender's BitTorrent listen port
	InfoHashes []metainfo.InfoHash
	Cookie     string // optional; lets a sender recognise its own announces
}

// ErrMalformed wraps every ParseAnnounce error.
var ErrMalformed = errors.New("lsd: malformed announce")

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}

// ParseAnnounce parses a BT-SEARCH datagram. It is strict about what matters (the start line, one
// Port in 1-65535, at least one 40-hex-digit Infohash, bounded sizes) and lenient about the rest:
// header names are case-insensitive, bare "\n" line ends are accepted, unknown headers and
// anything after the blank line are ignored, repeated info-hashes are reported once.
func ParseAnnounce(b []byte) (Announce, error) {
	var a Announce
	if len(b) > MaxAnnounceSize {
		return a, malformed("%d bytes, more than %d", len(b), MaxAnnounceSize)
	}
	line, rest, ok := cutLine(b)
	if !ok || string(line) != startLine {
		return a, malformed("not a BT-SEARCH request")
	}
	var havePort bool
	seen := map[metainfo.InfoHash]bool{}
	for n := 0; ; n++ {
		if n > maxHeaders {
			return a, malformed("more than %d header lines", maxHeaders)
		}
		line, rest, ok = cutLine(rest)
		if !ok {
			return a, malformed("headers do not end with a blank line")
		}
		if len(line) == 0 {
			break
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok || len(name) == 0 {
			return a, malformed("header line without a name")
		}
		value = bytes.Trim(value, " \t")
		switch string(bytes.ToLower(bytes.TrimRight(name, " \t"))) {
		case "host":
			if len(value) > maxHostLen {
				return a, malformed("Host of %d bytes", len(value))
			}
			a.Host = string(value)
		case "port":
			if havePort {
				return a, malformed("more than one Port")
			}
			p, err := strconv.ParseUint(string(value), 10, 16)
			if err != nil || p == 0 || len(value) > 5 {
				return a, malformed("Port %q is not a port number", value)
			}
			a.Port, havePort = uint16(p), true
		case "infohash":
			ih, err := parseHexInfoHash(value)
			if err != nil {
				return a, err
			}
			if !seen[ih] {
				seen[ih] = true
				a.InfoHashes = append(a.InfoHashes, ih)
			}
		case "cookie":
			if len(value) > maxCookieLen {
				return a, malformed("cookie of %d bytes", len(value))
			}
			a.Cookie = string(value)
		}
	}
	if !havePort {
		return a, malformed("no Port")
	}
	if len(a.InfoHashes) == 0 {
		return a, malformed("no Infohash")
	}
	return a, nil
}

func parseHexInfoHash(v []byte) (metainfo.InfoHash, error) {
	var ih metainfo.InfoHash
	if len(v) != infoHashHexLen {
		return ih, malformed("Infohash of %d characters, want %d hex digits", len(v), infoHashHexLen)
	}
	for i := range ih {
		hi, ok1 := unhex(v[2*i])
		lo, ok2 := unhex(v[2*i+1])
		if !ok1 || !ok2 {
			return ih, malformed("Infohash %q is not hex", v)
		}
		ih[i] = hi<<4 | lo
	}
	return ih, nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// cutLine splits off one line ended by "\r\n" or "\n"; ok is false when no line end is left.
func cutLine(b []byte) (line, rest []byte, ok bool) {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return nil, b, false
	}
	line, rest = b[:i], b[i+1:]
	line = bytes.TrimSuffix(line, []byte("\r"))
	return line, rest, true
}

// hostHeader is the Host value for a group: "239.192.152.143:6771" or "[ff15::efc0:988f]:6771".
func hostHeader(group netip.AddrPort) string { return group.String() }

// AppendAnnounce appends one BT-SEARCH message announcing ihs to dst. It does not split: use
// EncodeAnnounces to stay under MaxPacket.
func AppendAnnounce(dst []byte, group netip.AddrPort, port uint16, cookie string, ihs []metainfo.InfoHash) []byte {
	dst = append(dst, startLine+"\r\nHost: "...)
	dst = append(dst, hostHeader(group)...)
	dst = append(dst, "\r\nPort: "...)
	dst = strconv.AppendUint(dst, uint64(port), 10)
	dst = append(dst, "\r\n"...)
	for _, ih := range ihs {
		dst = append(dst, "Infohash: "...)
		dst = append(dst, ih.String()...)
		dst = append(dst, "\r\n"...)
	}
	if cookie != "" {
		dst = append(dst, "cookie: "...)
		dst = append(dst, cookie...)
		dst = append(dst, "\r\n"...)
	}
	return append(dst, "\r\n\r\n"...)
}

// EncodeAnnounces announces ihs in as few datagrams as fit MaxPacket each.
func EncodeAnnounces(group netip.AddrPort, port uint16, cookie string, ihs []metainfo.InfoHash) [][]byte {
	if len(ihs) == 0 {
		return nil
	}
	base := len(AppendAnnounce(nil, group, port, cookie, nil))
	perHash := len("Infohash: \r\n") + infoHashHexLen
	per := (MaxPacket - base) / perHash
	if per < 1 {
		per = 1 // only with an absurd cookie; the packet is still far below any MTU
	}
	var out [][]byte
	for len(ihs) > 0 {
		n := min(per, len(ihs))
		out = append(out, AppendAnnounce(make([]byte, 0, base+n*perHash), group, port, cookie, ihs[:n]))
		ihs = ihs[n:]
	}
	return out
}
