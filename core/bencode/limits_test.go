package bencode

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/libbt/libbt/core/limits"
)

func TestDecoderCountsTokensAsLibtorrent(t *testing.T) {
	// d, key, value, key, l, value, e (list), e (dict): 8 tokens.
	in := []byte("d1:ai1e1:bl1:xee")
	var v any
	require.NoError(t, (&Decoder{MaxTokens: 8}).Unmarshal(in, &v))
	err := (&Decoder{MaxTokens: 7}).Unmarshal(in, &v)
	var lim *limits.Error
	require.ErrorAs(t, err, &lim)
	require.Equal(t, limits.Error{Limit: LimitTokens, Value: 8, Max: 7}, *lim)
	require.True(t, errors.Is(err, limits.ErrLimit))
	require.ErrorContains(t, err, "offset 15")
}

func TestDecoderStopsAtTheTokenLimitBeforeScanningTheRest(t *testing.T) {
	// A million-item list against a limit of 1000: the error names the token just past the
	// limit, at its offset, so the scan stopped there rather than after reading it all.
	in := []byte("l" + strings.Repeat("i1e", 1_000_000) + "e")
	var v any
	err := (&Decoder{MaxTokens: 1000}).Unmarshal(in, &v)
	var lim *limits.Error
	require.ErrorAs(t, err, &lim)
	require.Equal(t, int64(1001), lim.Value)
	require.ErrorContains(t, err, "offset 2998:")
	require.Nil(t, v, "nothing is decoded when a limit is hit")
}

func TestLenientDecoderAcceptsWhatLibtorrentAccepts(t *testing.T) {
	lenient := Decoder{Lenient: true}
	var v map[string]any
	require.NoError(t, lenient.Unmarshal([]byte("d1:bi03e1:a02:xy1:ci-0ee"), &v))
	require.Equal(t, map[string]any{"a": "xy", "b": int64(3), "c": int64(0)}, v)

	// A duplicate key keeps its first value, in maps, structs and generic values alike.
	in := []byte("d1:ai1e1:bi2e1:ai3ee")
	var m map[string]int
	require.NoError(t, lenient.Unmarshal(in, &m))
	require.Equal(t, map[string]int{"a": 1, "b": 2}, m)
	var st struct {
		A int `bencode:"a"`
		B int `bencode:"b"`
	}
	require.NoError(t, lenient.Unmarshal(in, &st))
	require.Equal(t, 1, st.A)
	var g any
	require.NoError(t, lenient.Unmarshal(in, &g))
	require.Equal(t, map[string]any{"a": int64(1), "b": int64(2)}, g)

	// A RawMessage keeps the bytes as given.
	var raw map[string]RawMessage
	require.NoError(t, lenient.Unmarshal([]byte("d4:infod1:bi1e1:ai2eee"), &raw))
	require.Equal(t, "d1:bi1e1:ai2ee", string(raw["info"]))

	// Still not accepted: what libtorrent refuses too.
	for _, bad := range []string{"ie", "i-e", "d1:ae", "di1ei2ee", "l", "3:ab", "i1x"} {
		require.Error(t, lenient.Unmarshal([]byte(bad), &g), bad)
	}
}

func TestStrictDecoderStillRejectsNonCanonicalInput(t *testing.T) {
	var v any
	for _, in := range []string{"d1:bi1e1:ai2ee", "i03e", "02:ab", "i-0e", "d1:ai1e1:ai2ee"} {
		require.Error(t, Unmarshal([]byte(in), &v), in)
		require.Error(t, CheckCanonical([]byte(in)), in)
	}
	require.NoError(t, CheckCanonical([]byte("d1:ai1e1:bi2eetrailing")))
	require.ErrorContains(t, CheckCanonical([]byte("d1:bi1e1:ai2ee")), `dict key "a" not sorted after "b"`)
}
