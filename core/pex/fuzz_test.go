package pex

import (
	"testing"

	"github.com/libbt/libbt/core/bencode"
	"github.com/stretchr/testify/require"
)

// FuzzParsePEX: any ut_pex message either is a protocol error or yields at most pexMaxIncoming
// usable peers (valid, port != 0, IPv4 unmapped) that encode back to a message giving the same
// list. Memory is bounded by the message, which the peer wire already caps.
func FuzzParsePEX(f *testing.F) {
	for _, s := range []string{
		"d5:added12:\x0a\x00\x00\x01\x1a\xe1\x0a\x00\x00\x02\x00\x507:added.f2:\x01\x12e",
		"d6:added618:\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x1a\xe1e",
		"d6:added618:\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\x0a\x00\x00\x01\x1a\xe1e", // v4-mapped
		"d7:dropped6:\x0a\x00\x00\x03\x1a\xe18:dropped60:e",
		"d5:added6:\x0a\x00\x00\x01\x00\x00e", // port 0
		"d5:added5:abcdee",                    // not whole entries
		"d5:addedi7ee",
		"le",
		"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		added, err := parsePEX(payload)
		if err != nil {
			require.Nil(t, added)
			return
		}
		require.LessOrEqual(t, len(added), pexMaxIncoming)
		var msg pexMessage
		for _, a := range added {
			require.True(t, a.IsValid() && a.Port() != 0, a)
			require.False(t, a.Addr().Is4In6(), a)
			if a.Addr().Is4() {
				msg.Added = appendCompact(msg.Added, a)
			} else {
				msg.Added6 = appendCompact(msg.Added6, a)
			}
		}
		again, err := bencode.Marshal(msg)
		require.NoError(t, err)
		round, err := parsePEX(again)
		require.NoError(t, err)
		require.ElementsMatch(t, added, round)
	})
}
