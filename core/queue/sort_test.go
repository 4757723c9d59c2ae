package queue

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// sortKeys must equal a full sort for inputs in index order, whatever the key distribution.
func TestSortKeysEqualsAFullSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	var scratch []uint64
	for _, n := range []int{0, 1, 255, 256, 1000, 10_000} {
		for _, spread := range []uint32{1, 3, 300, 1 << 20, 1<<32 - 1} {
			keys := make([]uint64, n)
			for i := range keys {
				keys[i] = uint64(rng.Uint32()%spread)<<32 | uint64(i)
			}
			want := slices.Clone(keys)
			slices.Sort(want)
			sortKeys(keys, &scratch)
			require.Equal(t, want, keys, "n %d spread %d", n, spread)
		}
	}
}
