package merkle

import (
	"encoding/binary"
	"testing"
)

// FuzzHashRequest checks, for a tree over fuzzed data and a fuzzed request, that Hashes either
// refuses the request with ErrBadRequest or answers hashes and uncles that ProveUp takes to the
// node of the tree they claim, and to the root exactly when they reach its height; and that
// ProveUp on fuzzed hashes never panics.
func FuzzHashRequest(f *testing.F) {
	f.Add(uint16(5), uint8(0), uint16(0), uint16(2), uint8(1), []byte("x"))
	f.Add(uint16(64), uint8(2), uint16(4), uint16(4), uint8(3), []byte{})
	f.Add(uint16(1), uint8(0), uint16(0), uint16(1), uint8(0), []byte("ab"))
	f.Fuzz(func(t *testing.T, nblocks uint16, base uint8, index, count uint16, proof uint8, seed []byte) {
		n := int(nblocks%300) + 1
		blocks := make([]Hash, n)
		for i := range blocks {
			binary.LittleEndian.PutUint32(blocks[i][:], uint32(i))
			copy(blocks[i][4:], seed)
		}
		tree := NewTree(blocks)
		hs, us, err := tree.Hashes(int(base), int(index), int(count), int(proof))
		if err != nil {
			return
		}
		node, h, off, err := ProveUp(int(base), int(index), hs, us)
		if err != nil {
			t.Fatalf("ProveUp refused what Hashes answered: %v", err)
		}
		if tree.Node(h, off) != node {
			t.Fatalf("proved node %d at height %d is not the tree's", off, h)
		}
		err = VerifyHashes(tree.Root(), NumLeafs(int64(n)), int(base), int(index), hs, us)
		if (err == nil) != (h == tree.Height()) {
			t.Fatalf("verify %v at height %d of %d", err, h, tree.Height())
		}
		ProveUp(int(base), int(index), hs[:len(hs)/2], append(us, hs...))
	})
}
