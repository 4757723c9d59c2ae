package bencode

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/libbt/libbt/core/limits"
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

// FuzzDecodeLenient checks the lenient decoder with limits: it never panics, it accepts all
// that the strict one accepts (with the same value), a token or depth limit hit is a
// *limits.Error, and raising the token limit to what was counted never fails on tokens.
// Memory: the input bounds every allocation (strings alias it, lists hold fewer items than
// it has bytes).
func FuzzDecodeLenient(f *testing.F) {
	for _, s := range []string{
		"d1:bi1e1:ai2ee", "d1:ai1e1:ai2ee", "i03e", "i-0e", "03:abc", "d4:infod1:bi1eee",
		"l" + strings.Repeat("i1e", 40) + "e", strings.Repeat("l", 70) + strings.Repeat("e", 70),
		"d1:ad1:bl1:ceee", "d4:infod6:lengthi1e4:name1:a12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaaeexyz",
	} {
		f.Add([]byte(s), uint16(100))
	}
	f.Fuzz(func(t *testing.T, data []byte, maxTokens uint16) {
		var strict, lenient any
		strictErr := Unmarshal(data, &strict)
		d := Decoder{Lenient: true, MaxTokens: int(maxTokens)}
		n, err := d.UnmarshalPrefix(data, &lenient)
		if err != nil {
			var lim *limits.Error
			if errors.As(err, &lim) && lim.Limit == LimitTokens {
				if lim.Value != lim.Max+1 || maxTokens == 0 {
					t.Fatalf("token limit error %v with MaxTokens %d", lim, maxTokens)
				}
				return
			}
			if strictErr == nil && (maxTokens == 0) {
				t.Fatalf("strict accepts %q but lenient does not: %v", data, err)
			}
			return
		}
		if strictErr == nil && !reflect.DeepEqual(strict, lenient) {
			t.Fatalf("strict and lenient disagree on %q: %v vs %v", data, strict, lenient)
		}
		if strictErr == nil && n != len(data) {
			t.Fatalf("lenient consumed %d of %d bytes", n, len(data))
		}
		if CheckCanonical(data[:n]) == nil && n == len(data) && strictErr != nil {
			t.Fatalf("CheckCanonical accepts %q but Unmarshal does not: %v", data, strictErr)
		}
	})
}
