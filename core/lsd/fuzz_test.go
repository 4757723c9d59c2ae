package lsd

import (
	"testing"
)

func FuzzParseAnnounce(f *testing.F) {
	f.Add([]byte("BT-SEARCH * HTTP/1.1\r\nHost: 239.192.152.143:6771\r\nPort: 6881\r\nInfohash: 0123456789abcdef0123456789abcdef01234567\r\ncookie: 1\r\n\r\n\r\n"))
	f.Add([]byte("BT-SEARCH * HTTP/1.1\nPort: 1\nInfohash: 0123456789ABCDEF0123456789ABCDEF01234567\nInfohash: 0123456789abcdef0123456789abcdef01234568\n\n"))
	f.Add([]byte("BT-SEARCH * HTTP/1.1\r\nPort: 99999\r\n\r\n"))
	f.Add([]byte("M-SEARCH * HTTP/1.1\r\n\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := ParseAnnounce(b)
		if err != nil {
			return
		}
		if a.Port == 0 || len(a.InfoHashes) == 0 || len(b) > MaxAnnounceSize {
			t.Fatalf("accepted an invalid announce: %+v", a)
		}
		// What we parse we can write again, and it parses to the same thing.
		again, err := ParseAnnounce(AppendAnnounce(nil, Group4, a.Port, a.Cookie, a.InfoHashes))
		if err != nil {
			if len(a.InfoHashes) < 25 { // beyond that the re-encoding may exceed MaxAnnounceSize
				t.Fatalf("re-encoding does not parse: %v", err)
			}
			return
		}
		if again.Port != a.Port || again.Cookie != a.Cookie || len(again.InfoHashes) != len(a.InfoHashes) {
			t.Fatalf("round trip changed %+v into %+v", a, again)
		}
	})
}
