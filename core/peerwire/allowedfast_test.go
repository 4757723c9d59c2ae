package peerwire

import (
	"bytes"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"
)

// bep6InfoHash is the info hash of the BEP 6 example: twenty 0xAA bytes.
var bep6InfoHash = [20]byte(bytes.Repeat([]byte{0xAA}, 20))

func TestAllowedFastSetMatchesBEP6Example(t *testing.T) {
	ip := netip.MustParseAddr("80.4.4.200")
	require.Equal(t, []uint32{1059, 431, 808, 1217, 287, 376, 1188},
		AllowedFastSet(bep6InfoHash, ip, 1313, 7))
	require.Equal(t, []uint32{1059, 431, 808, 1217, 287, 376, 1188, 353, 508},
		AllowedFastSet(bep6InfoHash, ip, 1313, 9))
}

func TestAllowedFastSetMasksIPv4ToSlash24(t *testing.T) {
	want := AllowedFastSet(bep6InfoHash, netip.MustParseAddr("80.4.4.200"), 1313, 9)
	require.Equal(t, want, AllowedFastSet(bep6InfoHash, netip.MustParseAddr("80.4.4.1"), 1313, 9))
	require.Equal(t, want, AllowedFastSet(bep6InfoHash, netip.MustParseAddr("::ffff:80.4.4.7"), 1313, 9))
	require.NotEqual(t, want, AllowedFastSet(bep6InfoHash, netip.MustParseAddr("80.4.5.200"), 1313, 9))
}

func TestAllowedFastSetForIPv6UsesSlash48(t *testing.T) {
	a := AllowedFastSet(bep6InfoHash, netip.MustParseAddr("2001:db8:1::1"), 5000, 10)
	b := AllowedFastSet(bep6InfoHash, netip.MustParseAddr("2001:db8:1:ffff::2"), 5000, 10)
	c := AllowedFastSet(bep6InfoHash, netip.MustParseAddr("2001:db8:2::1"), 5000, 10)
	require.Len(t, a, 10)
	require.Equal(t, a, b)
	require.NotEqual(t, a, c)
}

func TestAllowedFastSetHasDistinctInRangeIndexes(t *testing.T) {
	set := AllowedFastSet(bep6InfoHash, netip.MustParseAddr("10.0.0.1"), 20, 15)
	require.Len(t, set, 15)
	seen := map[uint32]bool{}
	for _, i := range set {
		require.Less(t, i, uint32(20))
		require.False(t, seen[i], "duplicate %d", i)
		seen[i] = true
	}
}

func TestAllowedFastSetEdgeCases(t *testing.T) {
	ip := netip.MustParseAddr("10.0.0.1")
	require.Equal(t, []uint32{0, 1, 2}, AllowedFastSet(bep6InfoHash, ip, 3, 10))
	require.Nil(t, AllowedFastSet(bep6InfoHash, ip, 0, 10))
	require.Nil(t, AllowedFastSet(bep6InfoHash, ip, 10, 0))
	require.Nil(t, AllowedFastSet(bep6InfoHash, netip.Addr{}, 10, 3))
}
