package merkle

import (
	"errors"
	"fmt"
)

// Errors of checks against a root; wrapped with details, match them with errors.Is.
var (
	// ErrLayerLength: a piece layer holds a number of hashes other than the file's pieces.
	ErrLayerLength = errors.New("merkle: piece layer has the wrong number of hashes")
	// ErrLayerMismatch: a piece layer does not hash up to the file's root.
	ErrLayerMismatch = errors.New("merkle: piece layer does not match the pieces root")
	// ErrBadRequest: a hash request outside the tree or of a shape BEP 52 does not allow.
	ErrBadRequest = errors.New("merkle: invalid hash request")
	// ErrProof: hashes and uncle hashes that do not lead to the root.
	ErrProof = errors.New("merkle: hashes do not prove out to the root")
)

// VerifyPieceLayer checks a file's piece layer (as in a .torrent's "piece layers", or as
// fetched from peers) against its root: one hash per piece, hashing up to root.
func VerifyPieceLayer(layer []Hash, fileLength, pieceLength int64, root Hash) error {
	if BlocksPerPiece(pieceLength) == 0 {
		return fmt.Errorf("%w: piece length %d is not a power of two >= %d", ErrLayerLength, pieceLength, BlockSize)
	}
	if want := NumPieces(fileLength, pieceLength); int64(len(layer)) != want {
		return fmt.Errorf("%w: %d hashes for %d pieces", ErrLayerLength, len(layer), want)
	}
	if got := LayerRoot(layer, fileLength, pieceLength); got != root {
		return fmt.Errorf("%w: it hashes to %s, the root is %s", ErrLayerMismatch, got, root)
	}
	return nil
}

// Tree is a file's merkle tree from some layer up to the root: every stored layer holds only
// the nodes over data (pad nodes are computed), so a tree from the block layer takes about
// 2 x 32 bytes per block, one from the piece layer 2 x 32 bytes per piece.
type Tree struct {
	base   int      // height of layers[0]
	height int      // height of the root
	layers [][]Hash // layers[i] is the layer at height base+i, without padding
}

// NewTree builds a file's tree from its block hashes (nil for an empty file).
func NewTree(blocks []Hash) *Tree {
	if len(blocks) == 0 {
		return nil
	}
	return newTree(blocks, 0, NumLeafs(int64(len(blocks))))
}

// NewTreeFromLayer builds the part of a file's tree from the layer at height up, given that
// layer's hashes (its nodes over data) and the file's number of blocks. It can serve requests
// with a base layer at height or above.
func NewTreeFromLayer(layer []Hash, height int, numBlocks int64) (*Tree, error) {
	leafs := NumLeafs(numBlocks)
	top := Log2(leafs)
	if numBlocks <= 0 || top > MaxHeight || height < 0 || height > top {
		return nil, fmt.Errorf("%w: layer at height %d of a tree of %d blocks", ErrBadRequest, height, numBlocks)
	}
	if want := (numBlocks + 1<<height - 1) >> height; int64(len(layer)) != want {
		return nil, fmt.Errorf("%w: %d hashes at height %d, want %d", ErrLayerLength, len(layer), height, want)
	}
	return newTree(layer, height, leafs>>height), nil
}

func newTree(layer []Hash, height int, width int64) *Tree {
	t := &Tree{base: height, height: height + Log2(width)}
	t.layers = append(t.layers, layer)
	for cur := layer; len(t.layers) <= t.height-t.base; {
		pad := PadHash(height)
		next := make([]Hash, (len(cur)+1)/2)
		for i := range next {
			right := pad
			if 2*i+1 < len(cur) {
				right = cur[2*i+1]
			}
			next[i] = Parent(cur[2*i], right)
		}
		t.layers = append(t.layers, next)
		cur = next
		height++
	}
	return t
}

// Root returns the root of the tree.
func (t *Tree) Root() Hash { return t.layers[len(t.layers)-1][0] }

// Height returns the height of the root (log2 of the number of leaves).
func (t *Tree) Height() int { return t.height }

// Base returns the height of the lowest layer the tree holds (0 if built from blocks).
func (t *Tree) Base() int { return t.base }

// Layer returns the nodes over data of the layer at height (shared: do not modify), or nil if
// the tree does not hold that layer.
func (t *Tree) Layer(height int) []Hash {
	if height < t.base || height > t.height {
		return nil
	}
	return t.layers[height-t.base]
}

// Node returns node i of the layer at height: a stored hash, or the pad hash past the data.
// It panics if the tree does not hold that layer.
func (t *Tree) Node(height int, i int64) Hash {
	l := t.layers[height-t.base]
	if i < int64(len(l)) {
		return l[i]
	}
	return PadHash(height)
}

// ValidateRequest checks a hash request against a tree of numLeafs leaves (a power of two),
// as libtorrent's validate_hash_request does: base below the root's height, 1 <= count <= 8192
// and [index, index+count) inside the base layer, proofLayers below the layers above base. It
// also requires what the proofs need: count a power of two, at least 2, index a multiple of it.
func ValidateRequest(numLeafs int64, base, index, count, proofLayers int) error {
	layers := Log2(numLeafs)
	switch {
	case numLeafs < 1 || numLeafs&(numLeafs-1) != 0:
		return fmt.Errorf("%w: a tree of %d leaves", ErrBadRequest, numLeafs)
	case base < 0 || base >= layers:
		return fmt.Errorf("%w: base layer %d of a tree of height %d", ErrBadRequest, base, layers)
	case count < 2 || count > 8192 || count&(count-1) != 0:
		return fmt.Errorf("%w: length %d is not a power of two from 2 to 8192", ErrBadRequest, count)
	case index < 0 || index%count != 0 || int64(index)+int64(count) > numLeafs>>base:
		return fmt.Errorf("%w: index %d, length %d in a layer of %d", ErrBadRequest, index, count, numLeafs>>base)
	case proofLayers < 0 || proofLayers >= layers-base:
		return fmt.Errorf("%w: %d proof layers above base %d of a tree of height %d", ErrBadRequest, proofLayers, base, layers)
	}
	return nil
}

// NumUncles returns how many uncle hashes a hashes message carries for count base hashes and
// proofLayers: the layers the base hashes cannot give themselves (libtorrent's get_hashes).
func NumUncles(count, proofLayers int) int { return max(0, proofLayers-(Log2(int64(count))-1)) }

// Hashes answers a hash request: count hashes of the layer at height base from index (pad
// hashes past the data), and the uncle hashes that prove them: the siblings of the subtree
// root over them and of its ancestors, lowest first, NumUncles(count, proofLayers) of them.
// The request must pass ValidateRequest, and the tree must hold the base layer.
func (t *Tree) Hashes(base, index, count, proofLayers int) (hashes, uncles []Hash, err error) {
	if err := ValidateRequest(int64(1)<<t.height, base, index, count, proofLayers); err != nil {
		return nil, nil, err
	}
	if base < t.base {
		return nil, nil, fmt.Errorf("%w: base layer %d is below the tree's lowest layer %d", ErrBadRequest, base, t.base)
	}
	hashes = make([]Hash, count)
	for i := range hashes {
		hashes[i] = t.Node(base, int64(index+i))
	}
	h, off := base+Log2(int64(count)), int64(index/count)
	for range NumUncles(count, proofLayers) {
		uncles = append(uncles, t.Node(h, off^1))
		h, off = h+1, off/2
	}
	return hashes, uncles, nil
}

// ProveUp computes, from count base hashes at height base starting at index (count a power of
// two, index a multiple of it) and their uncle hashes, the node they prove: its hash, height
// and offset in its layer. The caller compares it with a node it trusts (the root, or a piece
// layer hash).
func ProveUp(base, index int, hashes, uncles []Hash) (node Hash, height int, offset int64, err error) {
	count := len(hashes)
	if count == 0 || count&(count-1) != 0 || index < 0 || index%count != 0 || base < 0 ||
		base+Log2(int64(count))+len(uncles) > MaxHeight {
		return Hash{}, 0, 0, fmt.Errorf("%w: %d hashes at index %d of height %d", ErrBadRequest, count, index, base)
	}
	node = Reduce(hashes, base, int64(count))
	height, offset = base+Log2(int64(count)), int64(index/count)
	for _, u := range uncles {
		if offset&1 == 0 {
			node = Parent(node, u)
		} else {
			node = Parent(u, node)
		}
		height, offset = height+1, offset/2
	}
	return node, height, offset, nil
}

// VerifyHashes checks a hashes message against a file's root: the base hashes and uncles must
// reach exactly the root of a tree of numLeafs leaves.
func VerifyHashes(root Hash, numLeafs int64, base, index int, hashes, uncles []Hash) error {
	node, h, off, err := ProveUp(base, index, hashes, uncles)
	if err != nil {
		return err
	}
	if h != Log2(numLeafs) || off != 0 {
		return fmt.Errorf("%w: they reach node %d at height %d, the root is at height %d", ErrProof, off, h, Log2(numLeafs))
	}
	if node != root {
		return fmt.Errorf("%w: they hash to %s, the root is %s", ErrProof, node, root)
	}
	return nil
}
