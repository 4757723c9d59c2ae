package krpc

import (
	"bytes"
	"testing"
)

// FuzzKRPC checks that Decode never panics, that whatever it accepts
// re-encodes and decodes again to an equal message, and that compact
// fields of accepted messages parse.
func FuzzKRPC(f *testing.F) {
	for _, s := range []string{
		"d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe",
		"d1:rd2:id20:mnopqrstuvwxyz123456e1:t2:aa1:y1:re",
		"d1:eli201e23:A Generic Error Ocurrede1:t2:aa1:y1:ee",
		"d1:ad2:id20:abcdefghij01234567896:target20:mnopqrstuvwxyz123456e1:q9:find_node1:t2:aa1:y1:qe",
		"d1:rd2:id20:abcdefghij01234567895:nodes26:abcdefghij0123456789\x01\x02\x03\x04\x00\x05e1:t2:aa1:y1:re",
		"d1:rd2:id20:abcdefghij01234567895:token8:aoeusnth6:valuesl6:axje.u6:idhtnmee1:t2:aa1:y1:re",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Decode(data)
		if err != nil {
			return
		}
		if m.R != nil {
			_, _ = ParseNodes(m.R.Nodes, false)
			_, _ = ParseNodes(m.R.Nodes6, true)
			_, _ = ParseValues(m.R.Values)
		}
		out, err := Encode(m)
		if err != nil {
			t.Fatalf("encode of accepted %q: %v", data, err)
		}
		m2, err := Decode(out)
		if err != nil {
			t.Fatalf("re-decode of %q: %v", out, err)
		}
		out2, _ := Encode(m2)
		if !bytes.Equal(out, out2) {
			t.Fatalf("unstable encoding %q vs %q", out, out2)
		}
	})
}
