package metainfo

import (
	"encoding/hex"
	"errors"
	"fmt"
)

// InfoHashV2 is the SHA-256 of a v2 or hybrid torrent's bencoded info dict (BEP 52).
type InfoHashV2 [32]byte

// String returns the info-hash as 64 lowercase hex characters.
func (h InfoHashV2) String() string { return hex.EncodeToString(h[:]) }

// IsZero reports whether h is all zero bytes (unset).
func (h InfoHashV2) IsZero() bool { return h == InfoHashV2{} }

// Truncated returns the first 20 bytes: what a v2 handshake, tracker announce and DHT lookup
// carry where v1 carries its info-hash.
func (h InfoHashV2) Truncated() InfoHash {
	var t InfoHash
	copy(t[:], h[:20])
	return t
}

// ParseInfoHashV2 parses 64 hex characters, in either case.
func ParseInfoHashV2(s string) (InfoHashV2, error) {
	var h InfoHashV2
	if len(s) != 64 {
		return h, fmt.Errorf("metainfo: v2 info-hash %q is not 64 hex characters", clip(s))
	}
	if _, err := hex.Decode(h[:], []byte(s)); err != nil {
		return InfoHashV2{}, fmt.Errorf("metainfo: v2 info-hash %q is not 64 hex characters", clip(s))
	}
	return h, nil
}

// InfoHashes names a torrent by its v1 info-hash, its v2 info-hash or both (a hybrid
// torrent), as libtorrent's info_hash_t. A zero field is absent.
type InfoHashes struct {
	V1 InfoHash
	V2 InfoHashV2
}

// HasV1 reports whether the torrent has a v1 info-hash.
func (h InfoHashes) HasV1() bool { return !h.V1.IsZero() }

// HasV2 reports whether the torrent has a v2 info-hash.
func (h InfoHashes) HasV2() bool { return !h.V2.IsZero() }

// IsZero reports whether neither is set.
func (h InfoHashes) IsZero() bool { return !h.HasV1() && !h.HasV2() }

// Best returns the 20 bytes that name the torrent where only one fits, as libtorrent's
// get_best: the truncated v2 info-hash if there is one, else the v1 info-hash.
func (h InfoHashes) Best() InfoHash {
	if h.HasV2() {
		return h.V2.Truncated()
	}
	return h.V1
}

// String returns the hex of each hash present, v1 first, separated by a comma.
func (h InfoHashes) String() string {
	switch {
	case h.HasV1() && h.HasV2():
		return h.V1.String() + "," + h.V2.String()
	case h.HasV2():
		return h.V2.String()
	}
	return h.V1.String()
}

// ErrV2Only is the refusal of a v2-only torrent or magnet (no v1 info-hash) by ParseLimits,
// ReadFile, ParseInfoLimits and ParseMagnet, which give what the session can download today
// (v1 and hybrid torrents, the latter through their v1 half). ParseAny, ParseInfoAny and
// ParseMagnetAny accept them.
var ErrV2Only = errors.New("v2-only torrents are not supported by the session yet")
