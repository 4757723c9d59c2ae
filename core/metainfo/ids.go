package metainfo

import (
	"encoding/base32"
	"encoding/hex"
	"fmt"
)

// InfoHash is the SHA-1 of a torrent's bencoded info dict (BitTorrent v1).
type InfoHash [20]byte

// PieceIndex numbers the pieces of a torrent from 0.
type PieceIndex int

// FileIndex numbers the files of a torrent (Info.Files) from 0.
type FileIndex int

// String returns the info-hash as 40 lowercase hex characters.
func (h InfoHash) String() string { return hex.EncodeToString(h[:]) }

// IsZero reports whether h is all zero bytes (unset).
func (h InfoHash) IsZero() bool { return h == InfoHash{} }

// MarshalText implements encoding.TextMarshaler (lowercase hex).
func (h InfoHash) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler (hex or base32).
func (h *InfoHash) UnmarshalText(b []byte) error {
	v, err := ParseInfoHash(string(b))
	if err != nil {
		return err
	}
	*h = v
	return nil
}

// ParseInfoHash parses 40 hex characters or 32 base32 characters (RFC 4648
// alphabet, as in old magnet links), in either case.
func ParseInfoHash(s string) (InfoHash, error) {
	h, ok := parseInfoHash(s)
	if !ok {
		return InfoHash{}, fmt.Errorf("metainfo: info-hash %q is not 40 hex or 32 base32 characters", clip(s))
	}
	return h, nil
}

func parseInfoHash(s string) (InfoHash, bool) {
	var h InfoHash
	switch len(s) {
	case 40:
		if _, err := hex.Decode(h[:], []byte(s)); err != nil {
			return InfoHash{}, false
		}
		return h, true
	case 32:
		b := []byte(s)
		for i, c := range b {
			if c >= 'a' && c <= 'z' {
				b[i] = c - 'a' + 'A'
			}
		}
		n, err := base32.StdEncoding.Decode(h[:], b)
		if err != nil || n != 20 {
			return InfoHash{}, false
		}
		return h, true
	}
	return InfoHash{}, false
}

// clip shortens s for error messages.
func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}
