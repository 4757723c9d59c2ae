package bencode

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestEachEntryWalksADictInInputOrderWithoutDecoding(t *testing.T) {
	d := []byte("d1:bli1ed1:xleee03:abc4:spam0:i-3ee")
	var keys, vals []string
	require.NoError(t, EachEntry(d, func(k, v []byte) error {
		keys, vals = append(keys, string(k)), append(vals, string(v))
		return nil
	}))
	require.Equal(t, []string{"b", "abc", ""}, keys)
	require.Equal(t, []string{"li1ed1:xleee", "4:spam", "i-3e"}, vals)

	stop := errors.New("stop")
	n := 0
	require.ErrorIs(t, EachEntry(d, func(_, _ []byte) error { n++; return stop }), stop)
	require.Equal(t, 1, n)

	for _, bad := range []string{"", "d", "le", "i1e", "d1:a", "d1:ai1", "d9:ai1ee", "d1:al", "dx:aee"} {
		require.NoError(t, EachEntry([]byte(bad), func(_, _ []byte) error { return stop }), bad)
	}
	require.Equal(t, -1, ValueEnd([]byte("l1:a"), 0))
	require.Equal(t, 4, ValueEnd([]byte("i12ei"), 0))
	s, end := StringAt([]byte("003:abcd"), 0)
	require.Equal(t, "abc", string(s))
	require.Equal(t, 7, end)
}

func FuzzEachEntry(f *testing.F) {
	f.Add([]byte("d1:bli1ed1:xleee03:abc4:spam0:i-3ee"))
	f.Add([]byte("d1:ad1:bd1:cdeeee"))
	f.Fuzz(func(t *testing.T, d []byte) {
		n := 0
		EachEntry(d, func(k, v []byte) error {
			n++
			if ValueEnd(v, 0) != len(v) {
				t.Fatalf("value %q is not one value", v)
			}
			return nil
		})
		if Valid(d) && d[0] == 'd' {
			var m map[string]RawMessage
			if err := Unmarshal(d, &m); err != nil || len(m) != n {
				t.Fatalf("%d entries walked, %d decoded (%v)", n, len(m), err)
			}
		}
	})
}
