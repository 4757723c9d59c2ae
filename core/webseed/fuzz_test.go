package webseed

import (
	"strconv"
	"testing"
)

// FuzzParseContentRange checks that any header either parses to a sane
// range or is rejected, and that a parsed range prints back the same way.
func FuzzParseContentRange(f *testing.F) {
	for _, s := range []string{"bytes 0-99/100", "bytes 5-5/*", "bytes */100", "bytes 9-1/10", "bytes 0-18446744073709551615/1", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, b, size, ok := parseContentRange(s)
		if !ok {
			return
		}
		if a < 0 || b < a || (size != -1 && size <= b) {
			t.Fatalf("%q parsed to %d-%d/%d", s, a, b, size)
		}
		total := "*"
		if size >= 0 {
			total = strconv.FormatInt(size, 10)
		}
		canon := "bytes " + strconv.FormatInt(a, 10) + "-" + strconv.FormatInt(b, 10) + "/" + total
		a2, b2, size2, ok2 := parseContentRange(canon)
		if !ok2 || a2 != a || b2 != b || size2 != size {
			t.Fatalf("%q -> %q does not round-trip", s, canon)
		}
	})
}
