package metainfo

import (
	"encoding/base32"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const hexHash = "c12fe1c06bba254a9dc9f519b335aa7c1367a88a"

func TestParseInfoHashAcceptsHexAndBase32(t *testing.T) {
	h, err := ParseInfoHash(hexHash)
	require.NoError(t, err)
	require.Equal(t, hexHash, h.String())
	h2, err := ParseInfoHash(strings.ToUpper(hexHash))
	require.NoError(t, err)
	require.Equal(t, h, h2)
	b32 := base32.StdEncoding.EncodeToString(h[:])
	require.Len(t, b32, 32)
	h3, err := ParseInfoHash(b32)
	require.NoError(t, err)
	require.Equal(t, h, h3)
	h4, err := ParseInfoHash(strings.ToLower(b32))
	require.NoError(t, err)
	require.Equal(t, h, h4)

	for _, bad := range []string{"", "xyz", hexHash[:39], hexHash + "0", "g" + hexHash[1:], "1" + b32[1:31] + "!"} {
		_, err := ParseInfoHash(bad)
		require.ErrorContains(t, err, "is not 40 hex or 32 base32 characters", bad)
	}
	var tm InfoHash
	require.NoError(t, tm.UnmarshalText([]byte(b32)))
	txt, err := tm.MarshalText()
	require.NoError(t, err)
	require.Equal(t, hexHash, string(txt))
	require.False(t, tm.IsZero())
	require.True(t, InfoHash{}.IsZero())
}

func TestParseMagnetReadsAllFields(t *testing.T) {
	uri := "magnet:?xt=urn:btih:" + strings.ToUpper(hexHash) +
		"&dn=My+Torrent%20%26+more" +
		"&tr=http%3A%2F%2F127.0.0.1%3A1%2Fannounce&tr.1=udp://127.0.0.1:2&tr=http%3A%2F%2F127.0.0.1%3A1%2Fannounce" +
		"&ws=http://127.0.0.1:3/&x.pe=127.0.0.1:6881&x.pe=[::1]:6882&x.pe=bad&x.pe=127.0.0.1:0" +
		"&xt=urn:btmh:1220" + strings.Repeat("ab", 32) + "&so=0-3&unknown=1&&"
	m, err := ParseMagnet(uri)
	require.NoError(t, err)
	require.Equal(t, hexHash, m.InfoHash.String())
	require.Equal(t, "My Torrent & more", m.Name)
	require.Equal(t, []string{"http://127.0.0.1:1/announce", "udp://127.0.0.1:2"}, m.Trackers)
	require.Equal(t, []string{"http://127.0.0.1:3/"}, m.WebSeeds)
	require.Equal(t, []string{"127.0.0.1:6881", "[::1]:6882"}, m.Peers)
}

func TestParseMagnetErrors(t *testing.T) {
	cases := []struct{ uri, msg string }{
		{"http://x", "does not start with magnet:?"},
		{"magnet:?dn=x", "magnet: missing xt=urn:btih"},
		{"magnet:?xt=urn:sha1:abc", "magnet: missing xt=urn:btih"},
		{"magnet:?xt=urn:btih:xyz", `magnet: info-hash "xyz" is not 40 hex or 32 base32 characters`},
		{"magnet:?xt=urn:btmh:1220" + strings.Repeat("ab", 32), "v2-only (urn:btmh) magnets are not supported"},
		{"magnet:?xt=urn:btih:" + hexHash + "&xt=urn:btih:" + strings.Repeat("0", 40), "conflicting info-hashes"},
		{"magnet:?xt=urn:btih:" + hexHash + "&dn=%zz", "bad escape in dn"},
	}
	for _, c := range cases {
		_, err := ParseMagnet(c.uri)
		require.ErrorContains(t, err, c.msg, c.uri)
	}
	// The same info-hash twice (hex and base32) is fine.
	h, _ := ParseInfoHash(hexHash)
	_, err := ParseMagnet("MAGNET:?xt=urn:btih:" + hexHash + "&xt=URN:BTIH:" + base32.StdEncoding.EncodeToString(h[:]))
	require.NoError(t, err)
}

func TestMagnetStringRoundTrips(t *testing.T) {
	h, _ := ParseInfoHash(hexHash)
	m := &Magnet{
		InfoHash: h,
		Name:     "a name & / ? = + ü",
		Trackers: []string{"http://127.0.0.1:1/announce?x=1&y=2", "udp://127.0.0.1:2"},
		WebSeeds: []string{"http://127.0.0.1:3/a b"},
		Peers:    []string{"127.0.0.1:5", "[::1]:6"},
	}
	s := m.String()
	require.True(t, strings.HasPrefix(s, "magnet:?xt=urn:btih:"+hexHash+"&dn="))
	back, err := ParseMagnet(s)
	require.NoError(t, err)
	require.Equal(t, m, back)

	bare := &Magnet{InfoHash: h}
	require.Equal(t, "magnet:?xt=urn:btih:"+hexHash, bare.String())
}

func TestMetaInfoMagnetFlattensTrackers(t *testing.T) {
	data := enc(t, map[string]any{
		"announce":      "http://127.0.0.1:9/",
		"announce-list": []any{[]any{"http://127.0.0.1:1/", "http://127.0.0.1:2/"}, []any{"http://127.0.0.1:1/"}},
		"url-list":      []any{"http://127.0.0.1:3/"},
		"info":          singleInfo(5, 16384),
	})
	mi, err := Parse(data)
	require.NoError(t, err)
	m := mi.Magnet()
	require.Equal(t, mi.InfoHash, m.InfoHash)
	require.Equal(t, "file.bin", m.Name)
	require.Equal(t, []string{"http://127.0.0.1:1/", "http://127.0.0.1:2/"}, m.Trackers)
	require.Equal(t, []string{"http://127.0.0.1:3/"}, m.WebSeeds)
	back, err := ParseMagnet(m.String())
	require.NoError(t, err)
	require.Equal(t, m, back)
}

func TestMagnetsCarryV2InfoHashes(t *testing.T) {
	v2 := strings.Repeat("ab", 32)
	hybrid := "magnet:?xt=urn:btih:" + hexHash + "&xt=urn:btmh:1220" + strings.ToUpper(v2) + "&dn=x"
	m, err := ParseMagnet(hybrid)
	require.NoError(t, err)
	require.Equal(t, hexHash, m.InfoHash.String())
	require.Equal(t, v2, m.InfoHashV2.String())
	h := m.InfoHashes()
	require.True(t, h.HasV1() && h.HasV2())
	require.Equal(t, hexHash+","+v2, h.String())
	require.Equal(t, "magnet:?xt=urn:btih:"+hexHash+"&xt=urn:btmh:1220"+v2+"&dn=x", m.String())

	v2only := "magnet:?xt=urn:btmh:1220" + v2
	_, err = ParseMagnet(v2only)
	require.ErrorIs(t, err, ErrV2Only)
	m, err = ParseMagnetAny(v2only)
	require.NoError(t, err)
	require.Equal(t, m.InfoHashV2.Truncated(), m.InfoHash, "a v2-only magnet is known by its truncated hash")
	require.Equal(t, InfoHashes{V2: m.InfoHashV2}, m.InfoHashes())
	require.Equal(t, v2only, m.String())
	require.Equal(t, m.InfoHashV2.Truncated(), m.InfoHashes().Best())

	for _, bad := range []string{
		"magnet:?xt=urn:btmh:1114" + v2,       // a SHA-1 multihash
		"magnet:?xt=urn:btmh:1220" + v2[:62],  // short
		"magnet:?xt=urn:btmh:1220" + v2 + "0", // long
		"magnet:?xt=urn:btmh:1220" + v2 + "&xt=urn:btmh:1220" + strings.Repeat("cd", 32),
	} {
		_, err := ParseMagnetAny(bad)
		require.Error(t, err, bad)
	}
}

func TestInfoHashesNameV1V2OrBoth(t *testing.T) {
	v1, _ := ParseInfoHash(hexHash)
	v2, err := ParseInfoHashV2(strings.Repeat("0f", 32))
	require.NoError(t, err)
	require.True(t, InfoHashes{}.IsZero())
	require.Equal(t, v1, InfoHashes{V1: v1}.Best())
	require.Equal(t, v2.Truncated(), InfoHashes{V1: v1, V2: v2}.Best(), "libtorrent's get_best prefers v2")
	require.Equal(t, strings.Repeat("0f", 20), v2.Truncated().String())
	require.Equal(t, hexHash, InfoHashes{V1: v1}.String())
	_, err = ParseInfoHashV2("zz" + strings.Repeat("0f", 31))
	require.Error(t, err)
}
