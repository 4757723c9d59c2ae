package peerwire

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/libbt/libbt/core/merkle"
)

// A hash request, its answer from a merkle tree and a reject travel as BEP 52 frames through
// the Reader (as messages of unknown ID) and decode back; the answer proves out to the root.
func TestHashMessagesRoundTripThroughTheReader(t *testing.T) {
	blocks := make([]merkle.Hash, 13)
	for i := range blocks {
		blocks[i] = merkle.HashBlock([]byte{byte(i)})
	}
	tree := merkle.NewTree(blocks)
	req := HashRange{Root: tree.Root(), Base: 0, Index: 4, Length: 4, ProofLayers: 3}
	base, uncles, err := tree.Hashes(int(req.Base), int(req.Index), int(req.Length), int(req.ProofLayers))
	require.NoError(t, err)

	var stream []byte
	stream = AppendHashRequest(stream, req)
	stream = AppendHashes(stream, req, append(append([]merkle.Hash(nil), base...), uncles...))
	stream = AppendHashReject(stream, req)
	require.Len(t, stream, 3*(4+1+48)+32*(len(base)+len(uncles)))

	r := NewReader(bytes.NewReader(stream), DefaultMaxMessage)
	var m Message
	require.NoError(t, r.ReadMessage(&m))
	require.Equal(t, HashRequest, m.ID)
	got, err := ParseHashRange(m.Payload)
	require.NoError(t, err)
	require.Equal(t, req, got)
	require.Equal(t, "hash_request(len=48)", m.String())

	require.NoError(t, r.ReadMessage(&m))
	require.Equal(t, Hashes, m.ID)
	got, gotBase, gotUncles, err := ParseHashes(m.Payload)
	require.NoError(t, err)
	require.Equal(t, req, got)
	require.Equal(t, base, gotBase)
	require.Equal(t, uncles, gotUncles)
	require.NoError(t, merkle.VerifyHashes(got.Root, merkle.NumLeafs(13), int(got.Base), int(got.Index), gotBase, gotUncles))

	require.NoError(t, r.ReadMessage(&m))
	require.Equal(t, HashReject, m.ID)
	got, err = ParseHashRange(m.Payload)
	require.NoError(t, err)
	require.Equal(t, req, got)
}

func TestMalformedHashMessagesAreRefused(t *testing.T) {
	for _, n := range []int{0, 47, 49} {
		_, err := ParseHashRange(make([]byte, n))
		require.ErrorIs(t, err, ErrBadLength, "%d bytes", n)
	}
	_, _, _, err := ParseHashes(make([]byte, 48+31))
	require.ErrorIs(t, err, ErrBadLength)
	body := AppendHashes(nil, HashRange{Length: 3}, make([]merkle.Hash, 2))[5:]
	_, _, _, err = ParseHashes(body)
	require.ErrorIs(t, err, ErrBadLength, "fewer hashes than the base length")
	body = AppendHashes(nil, HashRange{Length: 0xffffffff}, nil)[5:]
	_, _, _, err = ParseHashes(body)
	require.ErrorIs(t, err, ErrBadLength)
	require.True(t, strings.HasPrefix(HashRange{Base: 1}.String(), "root 0000"))
}

// FuzzHashMessages checks that any body ParseHashRange or ParseHashes accepts encodes back to
// the same bytes, and that neither panics.
func FuzzHashMessages(f *testing.F) {
	f.Add(AppendHashRequest(nil, HashRange{Root: merkle.Hash{1}, Base: 1, Index: 2, Length: 2, ProofLayers: 1})[5:])
	f.Add(AppendHashes(nil, HashRange{Length: 2, ProofLayers: 1}, make([]merkle.Hash, 3))[5:])
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, body []byte) {
		if r, err := ParseHashRange(body); err == nil {
			if out := AppendHashRequest(nil, r); !bytes.Equal(out[5:], body) {
				t.Fatalf("hash request re-encodes to %x", out)
			}
		}
		r, base, uncles, err := ParseHashes(body)
		if err != nil {
			return
		}
		if len(base) != int(r.Length) {
			t.Fatalf("%d base hashes for length %d", len(base), r.Length)
		}
		if out := AppendHashes(nil, r, append(base, uncles...)); !bytes.Equal(out[5:], body) {
			t.Fatalf("hashes re-encode to %x", out)
		}
	})
}
