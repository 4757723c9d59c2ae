package peerwire

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"
)

// libtorrentHandshake is shaped like a libtorrent 2.0 extended handshake,
// including keys this package does not model and an "m" entry we ignore.
const libtorrentHandshake = "d12:complete_agoi-1e" +
	"1:md11:lt_donthavei7e10:share_modei8e11:upload_onlyi3e12:ut_holepunchi4e11:ut_metadatai2e6:ut_pexi1ee" +
	"13:metadata_sizei5205e1:pi51413e4:reqqi500e11:upload_onlyi1e1:v16:libTorrent 2.0.9" +
	"6:yourip4:\x7f\x00\x00\x01e"

func TestParseExtendedHandshakeFromLibtorrent(t *testing.T) {
	h, err := ParseExtendedHandshake([]byte(libtorrentHandshake))
	require.NoError(t, err)
	require.Equal(t, map[string]int{
		"lt_donthave": 7, "share_mode": 8, "upload_only": 3, "ut_holepunch": 4, ExtMetadata: 2, ExtPEX: 1,
	}, h.M)
	require.Equal(t, "libTorrent 2.0.9", h.V)
	require.Equal(t, 51413, h.P)
	require.Equal(t, 500, h.Reqq)
	require.Equal(t, 5205, h.MetadataSize)
	require.Equal(t, 1, h.UploadOnly)
	ip, ok := h.YourIPAddr()
	require.True(t, ok)
	require.Equal(t, netip.MustParseAddr("127.0.0.1"), ip)
	id, ok := h.ExtensionID(ExtMetadata)
	require.True(t, ok)
	require.Equal(t, uint8(2), id)
}

func TestExtendedHandshakeMarshalIsCanonical(t *testing.T) {
	h := &ExtendedHandshake{M: map[string]int{ExtPEX: 1, ExtMetadata: 3}, V: "libbt", Reqq: 250, MetadataSize: 100}
	b, err := h.Marshal()
	require.NoError(t, err)
	require.Equal(t, "d1:md11:ut_metadatai3e6:ut_pexi1ee13:metadata_sizei100e4:reqqi250e1:v5:libbte", string(b))

	empty, err := (&ExtendedHandshake{}).Marshal()
	require.NoError(t, err)
	require.Equal(t, "d1:mdee", string(empty), "m is always sent")
}

func TestExtendedHandshakeRoundTrips(t *testing.T) {
	want := &ExtendedHandshake{
		M: map[string]int{ExtMetadata: 1, ExtPEX: 0}, V: "libbt/0.1", P: 6881, Reqq: 1000,
		YourIP: []byte{10, 0, 0, 1}, IPv4: []byte{192, 0, 2, 1},
		IPv6:         netip.MustParseAddr("2001:db8::1").AsSlice(),
		MetadataSize: 31337, UploadOnly: 1,
	}
	b, err := want.Marshal()
	require.NoError(t, err)
	got, err := ParseExtendedHandshake(b)
	require.NoError(t, err)
	require.Equal(t, want, got)
	v4, ok := got.IPv4Addr()
	require.True(t, ok)
	require.Equal(t, netip.MustParseAddr("192.0.2.1"), v4)
	v6, ok := got.IPv6Addr()
	require.True(t, ok)
	require.Equal(t, netip.MustParseAddr("2001:db8::1"), v6)
	_, ok = got.ExtensionID(ExtPEX)
	require.False(t, ok, "id 0 means disabled")
	_, ok = got.ExtensionID("lt_donthave")
	require.False(t, ok)
}

func TestParseExtendedHandshakeIgnoresOddValues(t *testing.T) {
	cases := map[string]struct {
		in   string
		want ExtendedHandshake
	}{
		"non-int m values": {
			"d1:md11:ut_metadatai2e6:ut_pex3:abc6:x_listli1eeee",
			ExtendedHandshake{M: map[string]int{ExtMetadata: 2}},
		},
		"out-of-range ids": {
			"d1:md1:ai-1e1:bi256e1:ci255eee",
			ExtendedHandshake{M: map[string]int{"c": 255}},
		},
		"m is a list": {"d1:mli1eee", ExtendedHandshake{M: map[string]int{}}},
		"no m at all": {"d1:v3:abce", ExtendedHandshake{M: map[string]int{}, V: "abc"}},
		"wrong types for known keys": {
			"d1:mde1:p4:68814:reqqli1ee1:vi5e6:youripi1ee",
			ExtendedHandshake{M: map[string]int{}},
		},
		"out-of-range ints": {
			"d1:mde13:metadata_sizei-5e1:pi70000e4:reqqi99999999999ee",
			ExtendedHandshake{M: map[string]int{}},
		},
		"trailing bytes after the dict": {
			"d1:md6:ut_pexi1eeeGARBAGE",
			ExtendedHandshake{M: map[string]int{ExtPEX: 1}},
		},
	}
	for name, tc := range cases {
		got, err := ParseExtendedHandshake([]byte(tc.in))
		require.NoError(t, err, name)
		require.Equal(t, &tc.want, got, name)
	}
}

func TestParseExtendedHandshakeRejectsInvalidBencode(t *testing.T) {
	for _, in := range []string{"", "i5e", "l1:ae", "d1:m", "garbage", "d1:bi1e1:ai1ee"} {
		_, err := ParseExtendedHandshake([]byte(in))
		require.ErrorIs(t, err, ErrBadExtendedHandshake, "%q", in)
	}
}

func TestExtendedHandshakeMarshalRejectsIDsOutsideAByte(t *testing.T) {
	_, err := (&ExtendedHandshake{M: map[string]int{"x": 256}}).Marshal()
	require.ErrorContains(t, err, `"x" has id 256`)
	_, err = (&ExtendedHandshake{M: map[string]int{"x": -1}}).Marshal()
	require.Error(t, err)
}

func TestExtendedHandshakeTravelsInExtendedMessage(t *testing.T) {
	payload, err := (&ExtendedHandshake{M: map[string]int{ExtMetadata: 1}}).Marshal()
	require.NoError(t, err)
	m, err := ParseMessage(AppendExtended(nil, ExtendedHandshakeID, payload))
	require.NoError(t, err)
	require.Equal(t, Extended, m.ID)
	require.Equal(t, ExtendedHandshakeID, m.ExtendedID)
	h, err := ParseExtendedHandshake(m.Payload)
	require.NoError(t, err)
	require.Equal(t, 1, h.M[ExtMetadata])
}
