package bencode

import (
	"bytes"
	"testing"
)

// FuzzDecode checks that decoding never panics and, because the accepted
// format is canonical, that anything that decodes re-encodes to the
// identical bytes.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		"i0e", "i-1e", "4:spam", "le", "de", "l4:spami42ee",
		"d3:bar4:spam3:fooi42ee", "d1:ad1:bl1:ceee", "i03e", "d1:bi1e1:ai2ee",
		"d4:infod6:lengthi1e4:name1:a12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaaee",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var v any
		err := Unmarshal(data, &v)
		if Valid(data) != (err == nil) {
			t.Fatalf("Valid and Unmarshal disagree on %q: %v", data, err)
		}
		if err != nil {
			return
		}
		out, err := Marshal(v)
		if err != nil {
			t.Fatalf("Marshal of decoded %q: %v", data, err)
		}
		if !bytes.Equal(out, data) {
			t.Fatalf("round trip changed bytes:\n in  %q\n out %q", data, out)
		}
		var raw RawMessage
		n, err := UnmarshalPrefix(append(append([]byte{}, data...), "trail"...), &raw)
		if err != nil || n != len(data) || !bytes.Equal(raw, data) {
			t.Fatalf("UnmarshalPrefix into RawMessage: n=%d err=%v", n, err)
		}
	})
}
