package peerwire

import (
	"encoding/binary"
	"fmt"

	"github.com/libbt/libbt/core/merkle"
)

// BitTorrent v2 message IDs (BEP 52). The Reader returns them as messages of unknown ID with
// their body in Message.Payload; ParseHashRange and ParseHashes decode that body.
const (
	HashRequest MessageID = 21
	Hashes      MessageID = 22
	HashReject  MessageID = 23
)

// hashRangeLen is the body of a hash request or hash reject, and the header of hashes:
// pieces root, base layer, index, length, proof layers.
const hashRangeLen = 32 + 4*4

// HashRange names hashes of one file's merkle tree (BEP 52): Length hashes of the layer at
// height Base (0 is the 16 KiB block layer) from Index, with the uncle hashes of ProofLayers
// layers above them (core/merkle.ValidateRequest says which ranges are valid for a file).
type HashRange struct {
	Root                             merkle.Hash // the file's pieces root
	Base, Index, Length, ProofLayers uint32
}

func (r HashRange) String() string {
	return fmt.Sprintf("root %.16s… base %d index %d length %d proof %d", r.Root, r.Base, r.Index, r.Length, r.ProofLayers)
}

func appendHashRange(buf []byte, id MessageID, r HashRange, bodyLen int) []byte {
	buf = appendHeader(buf, id, bodyLen)
	buf = append(buf, r.Root[:]...)
	for _, v := range []uint32{r.Base, r.Index, r.Length, r.ProofLayers} {
		buf = binary.BigEndian.AppendUint32(buf, v)
	}
	return buf
}

// AppendHashRequest appends a hash request for r.
func AppendHashRequest(buf []byte, r HashRange) []byte {
	return appendHashRange(buf, HashRequest, r, hashRangeLen)
}

// AppendHashReject appends a hash reject of the request r.
func AppendHashReject(buf []byte, r HashRange) []byte {
	return appendHashRange(buf, HashReject, r, hashRangeLen)
}

// AppendHashes appends the answer to the request r: hashes holds its r.Length base hashes
// followed by the uncle hashes (core/merkle's Tree.Hashes gives both).
func AppendHashes(buf []byte, r HashRange, hashes []merkle.Hash) []byte {
	buf = appendHashRange(buf, Hashes, r, hashRangeLen+32*len(hashes))
	for i := range hashes {
		buf = append(buf, hashes[i][:]...)
	}
	return buf
}

// ParseHashRange decodes the body (Message.Payload) of a hash request or hash reject.
func ParseHashRange(body []byte) (HashRange, error) {
	if len(body) != hashRangeLen {
		return HashRange{}, fmt.Errorf("%w: hash request or reject with %d-byte body, want %d", ErrBadLength, len(body), hashRangeLen)
	}
	return hashRange(body), nil
}

func hashRange(b []byte) HashRange {
	var r HashRange
	copy(r.Root[:], b)
	r.Base = binary.BigEndian.Uint32(b[32:])
	r.Index = binary.BigEndian.Uint32(b[36:])
	r.Length = binary.BigEndian.Uint32(b[40:])
	r.ProofLayers = binary.BigEndian.Uint32(b[44:])
	return r
}

// ParseHashes decodes the body (Message.Payload) of a hashes message: the range it answers,
// its r.Length base hashes and the uncle hashes after them (copies: they outlive the body).
// The body is bounded by the Reader's message limit, so at most 32,767 hashes.
func ParseHashes(body []byte) (r HashRange, base, uncles []merkle.Hash, err error) {
	if len(body) < hashRangeLen || (len(body)-hashRangeLen)%32 != 0 {
		return HashRange{}, nil, nil, fmt.Errorf("%w: hashes with %d-byte body, want %d + 32 per hash", ErrBadLength, len(body), hashRangeLen)
	}
	r = hashRange(body)
	n := (len(body) - hashRangeLen) / 32
	if uint64(r.Length) > uint64(n) {
		return HashRange{}, nil, nil, fmt.Errorf("%w: hashes for %d base hashes carry %d hashes", ErrBadLength, r.Length, n)
	}
	all := make([]merkle.Hash, n)
	for i := range all {
		copy(all[i][:], body[hashRangeLen+32*i:])
	}
	return r, all[:r.Length:r.Length], all[r.Length:], nil
}
