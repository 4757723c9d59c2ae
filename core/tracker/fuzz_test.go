package tracker_test

import (
	"errors"
	"testing"

	"github.com/libbt/libbt/core/tracker"
)

func FuzzParseHTTPResponse(f *testing.F) {
	for _, s := range []string{
		"d8:completei5e10:incompletei7e8:intervali1800e5:peers6:\x0a\x00\x00\x01\x1a\xe1e",
		"d8:intervali60e5:peersld2:ip8:10.0.0.14:porti80eed2:ip11:2001:db8::14:porti443eeee",
		"d8:intervali60e6:peers618:\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x50e",
		"d14:failure reason12:unregisterede",
		"d8:intervali900e12:min intervali300e10:tracker id3:abc15:warning message4:slowe",
		"d5:peers5:abcdee",
		"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if len(body) > tracker.MaxHTTPResponse {
			return // the client never parses more
		}
		resp, err := tracker.ParseHTTPResponse(body)
		if err != nil {
			var fe *tracker.FailureError
			if resp != nil {
				t.Fatalf("response %+v with error %v", resp, err)
			}
			if !errors.As(err, &fe) && !errors.Is(err, tracker.ErrMalformedResponse) {
				t.Fatalf("unclassified error %v", err)
			}
			return
		}
		if resp.Interval < 0 || resp.MinInterval < 0 {
			t.Fatalf("negative interval in %+v", resp)
		}
		if len(resp.Peers) > len(body)/6+1 {
			t.Fatalf("%d peers from %d bytes", len(resp.Peers), len(body))
		}
		for _, p := range resp.Peers {
			if p.Port() == 0 || !p.Addr().IsValid() {
				t.Fatalf("bad peer %v", p)
			}
		}
	})
}

func FuzzParseUDPAnnounceResponse(f *testing.F) {
	hdr := "\x00\x00\x00\x01\x09\x09\x09\x09\x00\x00\x07\x08\x00\x00\x00\x03\x00\x00\x00\x04"
	f.Add([]byte(hdr), false)
	f.Add([]byte(hdr+"\x0a\x00\x00\x01\x1a\xe1\x0a\x00\x00\x02\x00\x00"), false)
	f.Add([]byte(hdr+"\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x1a\xe1"), true)
	f.Add([]byte("\x00\x00\x00\x03\x01\x02\x03\x04go away"), false)
	f.Add([]byte("\x00\x00\x00\x00\x01\x02\x03\x04"), false)
	f.Fuzz(func(t *testing.T, b []byte, v6 bool) {
		resp, err := tracker.ParseUDPAnnounceResponse(b, v6)
		if err != nil {
			var fe *tracker.FailureError
			if resp != nil || (!errors.As(err, &fe) && !errors.Is(err, tracker.ErrMalformedResponse)) {
				t.Fatalf("bad error result %+v, %v", resp, err)
			}
			return
		}
		size := 6
		if v6 {
			size = 18
		}
		if len(b) < 20 || len(resp.Peers) > (len(b)-20)/size {
			t.Fatalf("%d peers from %d bytes", len(resp.Peers), len(b))
		}
		for _, p := range resp.Peers {
			if p.Port() == 0 {
				t.Fatalf("port 0 peer kept")
			}
		}
	})
}
