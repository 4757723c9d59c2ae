// Package merkle computes and checks the SHA-256 merkle trees of BitTorrent v2 (BEP 52): one
// tree per file, whose leaves are the SHA-256 of the file's 16 KiB blocks (the last one may be
// shorter), padded with zero hashes to a power of two. It gives a file's root ("pieces root"),
// its piece layer (the layer whose nodes each cover one piece), checks of a piece's block hashes
// against its piece-layer hash and of a piece layer against the root, and the hashes and uncle
// hashes (proofs) of a range of one layer, as the hash request / hashes messages carry them.
//
// Heights count from the leaves: height 0 is the block layer, a tree of n leaves (a power of
// two) has its root at height log2(n). The nodes past a file's end are pad hashes: zero at
// height 0, and at height h the hash of two pad hashes of height h-1 (PadHash).
//
// The package is pure: no goroutines, I/O, locks or clock. Its values are plain data; a Tree
// is not changed after it is built and may be read from many goroutines.
package merkle

import (
	"crypto/sha256"
	"encoding/hex"
	"math/bits"
)

// BlockSize is the size of the data a leaf hashes (the last block of a file may be shorter).
const BlockSize = 16 << 10

// MaxHeight bounds the height of a tree: 2^MaxHeight blocks of 16 KiB is 2^60 bytes, past any
// file length an int64 can hold.
const MaxHeight = 46

// Hash is a SHA-256 digest: a node of a merkle tree.
type Hash [32]byte

// String returns the hash as 64 lowercase hex characters.
func (h Hash) String() string { return hex.EncodeToString(h[:]) }

// IsZero reports whether h is all zero bytes.
func (h Hash) IsZero() bool { return h == Hash{} }

// padHashes[h] is the root of a subtree of height h whose leaves are all zero.
var padHashes = func() (p [MaxHeight + 1]Hash) {
	for h := 1; h <= MaxHeight; h++ {
		p[h] = Parent(p[h-1], p[h-1])
	}
	return p
}()

// PadHash returns the hash of a node at the given height whose leaves all lie past the end of
// the file (all zero hashes). It panics if height is outside 0..MaxHeight.
func PadHash(height int) Hash { return padHashes[height] }

// Parent returns the hash of the node whose children are left and right.
func Parent(left, right Hash) Hash {
	var buf [64]byte
	copy(buf[:32], left[:])
	copy(buf[32:], right[:])
	return sha256.Sum256(buf[:])
}

// HashBlock returns the leaf hash of one block (at most BlockSize bytes).
func HashBlock(block []byte) Hash { return sha256.Sum256(block) }

// BlockHashes returns the leaf hashes of data: one per BlockSize bytes, the last of the rest.
// Empty data has none.
func BlockHashes(data []byte) []Hash {
	out := make([]Hash, 0, (len(data)+BlockSize-1)/BlockSize)
	for len(data) > 0 {
		n := min(len(data), BlockSize)
		out = append(out, HashBlock(data[:n]))
		data = data[n:]
	}
	return out
}

// NumBlocks returns the number of 16 KiB blocks (leaves with data) of a file of length bytes.
func NumBlocks(length int64) int64 { return (length + BlockSize - 1) / BlockSize }

// NumLeafs returns n rounded up to a power of two (1 for n <= 1): the width of a layer of n
// hashes once padded.
func NumLeafs(n int64) int64 {
	if n <= 1 {
		return 1
	}
	return 1 << bits.Len64(uint64(n-1))
}

// Log2 returns log2(n) for n a power of two (the height of a tree of n leaves).
func Log2(n int64) int { return bits.Len64(uint64(n)) - 1 }

// Reduce returns the root of the subtree over one layer: the given hashes of the layer at
// height, followed by pad hashes up to width nodes (a power of two, at least len(layer)). Its
// cost is one SHA-256 per node above the layer's hashes; it allocates half of len(layer).
func Reduce(layer []Hash, height int, width int64) Hash {
	if width <= 1 {
		if len(layer) == 0 {
			return PadHash(height)
		}
		return layer[0]
	}
	if len(layer) == 0 {
		return PadHash(height + Log2(width))
	}
	scratch := make([]Hash, (len(layer)+1)/2)
	cur := layer
	for ; width > 1; width /= 2 {
		pad := PadHash(height)
		n := 0
		for i := 0; i < len(cur); i += 2 {
			right := pad
			if i+1 < len(cur) {
				right = cur[i+1]
			}
			scratch[n] = Parent(cur[i], right)
			n++
		}
		cur = scratch[:n]
		height++
	}
	return cur[0]
}

// FileRoot returns a file's "pieces root": the root of the tree over its block hashes, padded
// to a power of two. A file of one block has that block's hash as its root. An empty file has
// no root (the zero Hash).
func FileRoot(blocks []Hash) Hash {
	if len(blocks) == 0 {
		return Hash{}
	}
	return Reduce(blocks, 0, NumLeafs(int64(len(blocks))))
}

// BlocksPerPiece returns pieceLength / BlockSize, or 0 if pieceLength is not a power of two of
// at least BlockSize (v2 requires one).
func BlocksPerPiece(pieceLength int64) int64 {
	if pieceLength < BlockSize || pieceLength&(pieceLength-1) != 0 {
		return 0
	}
	return pieceLength / BlockSize
}

// PieceWidth returns how many leaves one piece hash of a file covers: blocks per piece, or,
// for a file of at most one piece, the file's whole padded tree (its piece hash is its root).
func PieceWidth(fileLength, pieceLength int64) int64 {
	return min(BlocksPerPiece(pieceLength), NumLeafs(NumBlocks(fileLength)))
}

// NumPieces returns the number of pieces of a file (v2 pieces never span files).
func NumPieces(fileLength, pieceLength int64) int64 {
	return (fileLength + pieceLength - 1) / pieceLength
}

// PieceLayer returns a file's piece hashes from its block hashes: the nodes at the height
// where each covers one piece, the last padded with zero leaves. For a file of more than one
// piece this is the "piece layers" entry of a .torrent; for a file of at most one piece it is
// one hash, the root (such files have no entry). pieceLength must be a power of two >= BlockSize.
func PieceLayer(blocks []Hash, pieceLength int64) []Hash {
	if len(blocks) == 0 {
		return nil
	}
	width := PieceWidth(int64(len(blocks))*BlockSize, pieceLength)
	out := make([]Hash, 0, (int64(len(blocks))+width-1)/width)
	for i := int64(0); i < int64(len(blocks)); i += width {
		out = append(out, Reduce(blocks[i:min(i+width, int64(len(blocks)))], 0, width))
	}
	return out
}

// VerifyPiece reports whether the block hashes of one piece of a file (the piece's blocks in
// order; fewer than a full piece only for the file's last piece) hash up to want, the piece's
// hash in the piece layer (or the root, for a file of at most one piece).
func VerifyPiece(pieceBlocks []Hash, fileLength, pieceLength int64, want Hash) bool {
	width := PieceWidth(fileLength, pieceLength)
	if width == 0 || len(pieceBlocks) == 0 || int64(len(pieceBlocks)) > width {
		return false
	}
	return Reduce(pieceBlocks, 0, width) == want
}

// LayerRoot returns the root of a file's tree from its piece layer.
func LayerRoot(layer []Hash, fileLength, pieceLength int64) Hash {
	width := PieceWidth(fileLength, pieceLength)
	if width == 0 {
		return Hash{}
	}
	leafs := NumLeafs(NumBlocks(fileLength))
	return Reduce(layer, Log2(width), leafs/width)
}
