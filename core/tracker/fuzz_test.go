package tracker_test

import (
	"encoding/binary"
	"errors"
	"testing"
	"unicode/utf8"

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

// FuzzParseUDPConnectResponse: a connect reply yields the connection id it carries, an error
// reply a *FailureError with valid UTF-8 text, anything else a malformed-response error.
func FuzzParseUDPConnectResponse(f *testing.F) {
	f.Add([]byte("\x00\x00\x00\x00\x01\x02\x03\x04\x11\x22\x33\x44\x55\x66\x77\x88"))
	f.Add([]byte("\x00\x00\x00\x00\x01\x02\x03\x04\x11\x22\x33\x44\x55\x66\x77\x88trailing"))
	f.Add([]byte("\x00\x00\x00\x00\x01\x02\x03\x04\x11\x22"))
	f.Add([]byte("\x00\x00\x00\x03\x01\x02\x03\x04connection id expired"))
	f.Add([]byte("\x00\x00\x00\x03\x01\x02\x03\x04\xff\xfe\x1b]0;x\x07"))
	f.Add([]byte("\x00\x00\x00\x03\x01\x02\x03\x04"))
	f.Add([]byte("\x00\x00\x00\x01\x01\x02\x03\x04\x00\x00\x07\x08\x00\x00\x00\x03\x00\x00\x00\x04"))
	f.Add([]byte("\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		id, err := tracker.ParseUDPConnectResponse(b)
		if err != nil {
			if id != 0 {
				t.Fatalf("id %x with error %v", id, err)
			}
			var fe *tracker.FailureError
			if errors.As(err, &fe) {
				if len(b) < 8 || binary.BigEndian.Uint32(b) != 3 || !utf8.ValidString(fe.Reason) {
					t.Fatalf("failure %q from %x", fe.Reason, b)
				}
				return
			}
			if !errors.Is(err, tracker.ErrMalformedResponse) {
				t.Fatalf("unclassified error %v", err)
			}
			return
		}
		if len(b) < 16 || binary.BigEndian.Uint32(b) != 0 || id != binary.BigEndian.Uint64(b[8:]) {
			t.Fatalf("id %x from %x", id, b)
		}
	})
}
