package bitfield

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzFromBytes checks that parsing a peer's bitfield never panics and that
// whatever it accepts round-trips and keeps the spare-bit invariant.
func FuzzFromBytes(f *testing.F) {
	f.Add([]byte{0xFF, 0xC0}, 10)
	f.Add([]byte{0xFF, 0x01}, 15)
	f.Add([]byte{}, 0)
	f.Add([]byte{0x80}, -1)
	f.Fuzz(func(t *testing.T, b []byte, n int) {
		bf, err := FromBytes(b, n)
		if err != nil {
			return
		}
		require.Equal(t, b, bf.Bytes())
		require.Equal(t, n, bf.Len())
		c := 0
		for i := bf.NextSet(0); i >= 0; i = bf.NextSet(i + 1) {
			require.True(t, bf.Has(i))
			c++
		}
		require.Equal(t, bf.Count(), c)
		bf.SetAll()
		require.Equal(t, n, bf.Count())
		require.Equal(t, -1, bf.NextClear(0))
	})
}
