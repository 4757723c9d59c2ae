package merkle

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// content is make_vectors.py's file content: byte i is (i*7 + i/251 + seed) % 256.
func content(length, seed int) []byte {
	b := make([]byte, length)
	for i := range b {
		b[i] = byte((i*7 + i/251 + seed) % 256)
	}
	return b
}

type vector struct {
	Length      int    `json:"length"`
	Seed        int    `json:"seed"`
	PieceLength int64  `json:"piece_length"`
	PiecesRoot  string `json:"pieces_root"`
	PieceLayer  string `json:"piece_layer"`
}

func loadVectors(t *testing.T) []vector {
	b, err := os.ReadFile("testdata/vectors.json")
	require.NoError(t, err)
	var v struct{ Vectors []vector }
	require.NoError(t, json.Unmarshal(b, &v))
	require.NotEmpty(t, v.Vectors)
	return v.Vectors
}

func hashesOf(t *testing.T, s string) []Hash {
	b, err := hex.DecodeString(s)
	require.NoError(t, err)
	require.Zero(t, len(b)%32)
	out := make([]Hash, len(b)/32)
	for i := range out {
		copy(out[i][:], b[32*i:])
	}
	return out
}

// The roots and piece layers libtorrent 2.0.8 wrote into v2 torrents of files of 1 byte to
// 2 MiB, with pieces of 16 KiB to 256 KiB (testdata/make_vectors.py), byte for byte.
func TestRootsAndPieceLayersMatchLibtorrent(t *testing.T) {
	for _, v := range loadVectors(t) {
		blocks := BlockHashes(content(v.Length, v.Seed))
		root := FileRoot(blocks)
		require.Equal(t, v.PiecesRoot, root.String(), "length %d piece %d", v.Length, v.PieceLength)
		layer := PieceLayer(blocks, v.PieceLength)
		want := hashesOf(t, v.PieceLayer)
		if int64(v.Length) <= v.PieceLength {
			require.Empty(t, want, "libtorrent has no piece layer for a file of one piece")
			require.Equal(t, []Hash{root}, layer, "a file of one piece: its piece hash is its root")
		} else {
			require.Equal(t, want, layer, "length %d piece %d", v.Length, v.PieceLength)
			require.NoError(t, VerifyPieceLayer(want, int64(v.Length), v.PieceLength, root))
		}
		require.Equal(t, root, LayerRoot(layer, int64(v.Length), v.PieceLength))
		// Every piece's blocks verify against its hash; a flipped block hash does not.
		width := PieceWidth(int64(v.Length), v.PieceLength)
		for p := range layer {
			pb := blocks[int64(p)*width : min(int64(p+1)*width, int64(len(blocks)))]
			require.True(t, VerifyPiece(pb, int64(v.Length), v.PieceLength, layer[p]))
			bad := append([]Hash(nil), pb...)
			bad[len(bad)-1][0] ^= 1
			require.False(t, VerifyPiece(bad, int64(v.Length), v.PieceLength, layer[p]))
		}
	}
}

func TestPadHashesAreHashesOfZeroSubtrees(t *testing.T) {
	require.True(t, PadHash(0).IsZero())
	var zero [64]byte
	require.Equal(t, Hash(sha256.Sum256(zero[:])), PadHash(1))
	p1 := PadHash(1)
	require.Equal(t, Hash(sha256.Sum256(append(p1[:], p1[:]...))), PadHash(2))
	// A layer of only pad hashes reduces to the pad hash of the height above.
	require.Equal(t, PadHash(5), Reduce(nil, 2, 8))
	require.Equal(t, PadHash(5), Reduce([]Hash{PadHash(2)}, 2, 8))
}

func TestVerifyPieceLayerNamesWhatIsWrong(t *testing.T) {
	blocks := BlockHashes(content(5*16384+7, 3))
	root := FileRoot(blocks)
	layer := PieceLayer(blocks, 32768)
	require.Len(t, layer, 3)
	require.NoError(t, VerifyPieceLayer(layer, 5*16384+7, 32768, root))
	require.ErrorIs(t, VerifyPieceLayer(layer[:2], 5*16384+7, 32768, root), ErrLayerLength)
	require.ErrorIs(t, VerifyPieceLayer(append(layer, Hash{}), 5*16384+7, 32768, root), ErrLayerLength)
	require.ErrorIs(t, VerifyPieceLayer(layer, 5*16384+7, 12345, root), ErrLayerLength)
	bad := append([]Hash(nil), layer...)
	bad[1][31] ^= 0x80
	require.ErrorIs(t, VerifyPieceLayer(bad, 5*16384+7, 32768, root), ErrLayerMismatch)
}

// Every valid request on trees from 2 to 64 leaves, over data that fills them partly: the
// hashes and uncles it answers prove out to the root, and the same with any one hash changed
// does not. A tree built from the piece layer answers requests above it the same.
func TestHashesAndProofsRoundTrip(t *testing.T) {
	for _, nblocks := range []int{2, 3, 5, 8, 13, 33, 64} {
		blocks := BlockHashes(content(nblocks*BlockSize-100, nblocks))
		tree := NewTree(blocks)
		leafs := NumLeafs(int64(nblocks))
		require.Equal(t, FileRoot(blocks), tree.Root())
		require.Equal(t, Log2(leafs), tree.Height())
		upper, err := NewTreeFromLayer(tree.Layer(2), 2, int64(nblocks))
		if nblocks > 2 {
			require.NoError(t, err)
			require.Equal(t, tree.Root(), upper.Root())
		}
		checked := 0
		for base := 0; base < tree.Height(); base++ {
			for count := 2; count <= int(leafs>>base); count *= 2 {
				for index := 0; index+count <= int(leafs>>base); index += count {
					for proof := 0; proof < tree.Height()-base; proof++ {
						require.NoError(t, ValidateRequest(leafs, base, index, count, proof))
						hs, us, err := tree.Hashes(base, index, count, proof)
						require.NoError(t, err)
						require.Len(t, us, NumUncles(count, proof))
						if base >= 2 && upper != nil {
							hs2, us2, err := upper.Hashes(base, index, count, proof)
							require.NoError(t, err)
							require.Equal(t, hs, hs2)
							require.Equal(t, us, us2)
						}
						node, h, off, err := ProveUp(base, index, hs, us)
						require.NoError(t, err)
						require.Equal(t, tree.Node(h, off), node)
						if h != tree.Height() {
							require.ErrorIs(t, VerifyHashes(tree.Root(), leafs, base, index, hs, us), ErrProof)
							continue
						}
						require.NoError(t, VerifyHashes(tree.Root(), leafs, base, index, hs, us))
						checked++
						for i := range len(hs) + len(us) {
							h2, u2 := append([]Hash(nil), hs...), append([]Hash(nil), us...)
							if i < len(hs) {
								h2[i][0] ^= 1
							} else {
								u2[i-len(hs)][0] ^= 1
							}
							require.ErrorIs(t, VerifyHashes(tree.Root(), leafs, base, index, h2, u2), ErrProof)
						}
					}
				}
			}
		}
		require.NotZero(t, checked)
	}
}

func TestHashRequestsOutsideTheTreeAreRefused(t *testing.T) {
	tree := NewTree(BlockHashes(content(5*BlockSize, 1))) // 8 leaves, height 3
	for _, r := range []struct{ base, index, count, proof int }{
		{3, 0, 2, 0},  // base at the root
		{-1, 0, 2, 0}, // negative base
		{0, 0, 1, 0},  // one hash: no subtree to prove
		{0, 0, 3, 0},  // not a power of two
		{0, 2, 4, 0},  // index not a multiple of the length
		{0, 8, 2, 0},  // past the layer
		{0, 0, 16, 0}, // longer than the layer
		{0, 0, 2, 3},  // proof layers up to and past the root
		{0, 0, 2, -1},
		{1, 0, 2, 2},
	} {
		_, _, err := tree.Hashes(r.base, r.index, r.count, r.proof)
		require.ErrorIs(t, err, ErrBadRequest, "%+v", r)
	}
	upper, err := NewTreeFromLayer(tree.Layer(1), 1, 5)
	require.NoError(t, err)
	_, _, err = upper.Hashes(0, 0, 2, 0)
	require.ErrorIs(t, err, ErrBadRequest, "below the layers it holds")
	_, err = NewTreeFromLayer(tree.Layer(1)[:2], 1, 5)
	require.True(t, errors.Is(err, ErrLayerLength))
	require.Nil(t, NewTree(nil))
}

func BenchmarkFileRoot(b *testing.B) {
	data := content(16<<20, 1)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		FileRoot(BlockHashes(data))
	}
}
