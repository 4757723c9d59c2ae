package lsd

import (
	"fmt"
	"strings"
	"testing"

	"github.com/libbt/libbt/core/metainfo"
	"github.com/stretchr/testify/require"
)

func ih(b byte) metainfo.InfoHash {
	var h metainfo.InfoHash
	for i := range h {
		h[i] = b + byte(i)
	}
	return h
}

func TestAppendAnnounceWritesTheBEP14Format(t *testing.T) {
	h := ih(0xa0)
	got := string(AppendAnnounce(nil, Group4, 6881, "c00k1e", []metainfo.InfoHash{h}))
	want := "BT-SEARCH * HTTP/1.1\r\nHost: 239.192.152.143:6771\r\nPort: 6881\r\nInfohash: " + h.String() +
		"\r\ncookie: c00k1e\r\n\r\n\r\n"
	require.Equal(t, want, got)
	got6 := string(AppendAnnounce(nil, Group6, 1, "", []metainfo.InfoHash{h}))
	require.Contains(t, got6, "\r\nHost: [ff15::efc0:988f]:6771\r\n")
	require.NotContains(t, got6, "cookie")
}

func TestParseAnnounceRoundTripsSeveralInfoHashes(t *testing.T) {
	hs := []metainfo.InfoHash{ih(1), ih(2), ih(3)}
	a, err := ParseAnnounce(AppendAnnounce(nil, Group6, 51413, "abc", hs))
	require.NoError(t, err)
	require.Equal(t, Announce{Host: "[ff15::efc0:988f]:6771", Port: 51413, InfoHashes: hs, Cookie: "abc"}, a)
}

func TestParseAnnounceAcceptsWhatOtherClientsSend(t *testing.T) {
	h := ih(7)
	hexUpper := strings.ToUpper(h.String())
	for name, msg := range map[string]string{
		"libtorrent":  "BT-SEARCH * HTTP/1.1\r\nHost: 239.192.152.143:6771\r\nPort: 6881\r\nInfohash: " + hexUpper + "\r\ncookie: 5d6b3c\r\n\r\n\r\n",
		"no cookie":   "BT-SEARCH * HTTP/1.1\r\nHost: 239.192.152.143:6771\r\nPort: 6881\r\nInfohash: " + h.String() + "\r\n\r\n",
		"bare LF":     "BT-SEARCH * HTTP/1.1\nhost: x\nport: 6881\ninfohash: " + h.String() + "\n\n",
		"odd case":    "BT-SEARCH * HTTP/1.1\r\nPORT:6881\r\nINFOHASH:   " + h.String() + "  \r\nX-Other: y\r\n\r\n",
		"duplicate":   "BT-SEARCH * HTTP/1.1\r\nPort: 6881\r\nInfohash: " + h.String() + "\r\nInfohash: " + hexUpper + "\r\n\r\n",
		"no host":     "BT-SEARCH * HTTP/1.1\r\nPort: 6881\r\nInfohash: " + h.String() + "\r\n\r\ntrailing body ignored",
		"leading 0 p": "BT-SEARCH * HTTP/1.1\r\nPort: 06881\r\nInfohash: " + h.String() + "\r\n\r\n",
	} {
		a, err := ParseAnnounce([]byte(msg))
		require.NoError(t, err, name)
		require.Equal(t, uint16(6881), a.Port, name)
		require.Equal(t, []metainfo.InfoHash{h}, a.InfoHashes, name)
	}
}

func TestParseAnnounceRejectsMalformedInput(t *testing.T) {
	h := ih(9).String()
	for name, msg := range map[string]string{
		"empty":            "",
		"other method":     "M-SEARCH * HTTP/1.1\r\nPort: 1\r\nInfohash: " + h + "\r\n\r\n",
		"no blank line":    "BT-SEARCH * HTTP/1.1\r\nPort: 1\r\nInfohash: " + h + "\r\n",
		"no port":          "BT-SEARCH * HTTP/1.1\r\nInfohash: " + h + "\r\n\r\n",
		"port 0":           "BT-SEARCH * HTTP/1.1\r\nPort: 0\r\nInfohash: " + h + "\r\n\r\n",
		"port too big":     "BT-SEARCH * HTTP/1.1\r\nPort: 65536\r\nInfohash: " + h + "\r\n\r\n",
		"port sign":        "BT-SEARCH * HTTP/1.1\r\nPort: +80\r\nInfohash: " + h + "\r\n\r\n",
		"two ports":        "BT-SEARCH * HTTP/1.1\r\nPort: 1\r\nPort: 2\r\nInfohash: " + h + "\r\n\r\n",
		"no infohash":      "BT-SEARCH * HTTP/1.1\r\nPort: 1\r\n\r\n",
		"short infohash":   "BT-SEARCH * HTTP/1.1\r\nPort: 1\r\nInfohash: " + h[:39] + "\r\n\r\n",
		"non-hex infohash": "BT-SEARCH * HTTP/1.1\r\nPort: 1\r\nInfohash: " + h[:39] + "g\r\n\r\n",
		"nameless header":  "BT-SEARCH * HTTP/1.1\r\nPort: 1\r\n: x\r\nInfohash: " + h + "\r\n\r\n",
		"no colon":         "BT-SEARCH * HTTP/1.1\r\nPort 1\r\nInfohash: " + h + "\r\n\r\n",
		"long cookie":      "BT-SEARCH * HTTP/1.1\r\nPort: 1\r\nInfohash: " + h + "\r\ncookie: " + strings.Repeat("c", 65) + "\r\n\r\n",
		"too many headers": "BT-SEARCH * HTTP/1.1\r\nPort: 1\r\nInfohash: " + h + "\r\n" + strings.Repeat("X: y\r\n", 64) + "\r\n",
		"oversized":        "BT-SEARCH * HTTP/1.1\r\nPort: 1\r\nInfohash: " + h + "\r\nX: " + strings.Repeat("y", MaxAnnounceSize) + "\r\n\r\n",
	} {
		_, err := ParseAnnounce([]byte(msg))
		require.ErrorIs(t, err, ErrMalformed, name)
	}
}

func TestEncodeAnnouncesSplitsUnderMaxPacket(t *testing.T) {
	var hs []metainfo.InfoHash
	for i := range 100 {
		hs = append(hs, ih(byte(i)))
	}
	pkts := EncodeAnnounces(Group6, 65535, "0123456789abcdef", hs)
	require.Greater(t, len(pkts), 1)
	var got []metainfo.InfoHash
	for i, p := range pkts {
		require.LessOrEqual(t, len(p), MaxPacket, fmt.Sprint("packet ", i))
		a, err := ParseAnnounce(p)
		require.NoError(t, err)
		require.Equal(t, "0123456789abcdef", a.Cookie)
		got = append(got, a.InfoHashes...)
	}
	require.Equal(t, hs, got)
	require.Nil(t, EncodeAnnounces(Group4, 1, "", nil))
}
