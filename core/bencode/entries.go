package bencode

import "bytes"

// EachEntry calls f with each key and value (its exact bytes) of d, a bencoded dict that a
// Decoder has validated, in input order, without copying or decoding them; it stops at f's
// first error and returns it. Anything but a dict has no entries; malformed input ends the
// walk early (it never panics). It costs no allocation and follows nesting with a counter,
// not recursion: a walk over nested dicts (a v2 file tree) costs the bytes it skips.
func EachEntry(d []byte, f func(key, val []byte) error) error {
	if len(d) < 2 || d[0] != 'd' {
		return nil
	}
	pos := 1
	for pos < len(d) && d[pos] != 'e' {
		key, end := StringAt(d, pos)
		if end < 0 || end >= len(d) {
			return nil
		}
		vend := ValueEnd(d, end)
		if vend < 0 {
			return nil
		}
		if err := f(key, d[end:vend]); err != nil {
			return err
		}
		pos = vend
	}
	return nil
}

// StringAt reads the bencoded string at pos of b (leading zeros in its length allowed, as a
// lenient Decoder accepts them), returning its bytes and the position after it; (nil, -1) if
// there is no string there.
func StringAt(b []byte, pos int) ([]byte, int) {
	n := 0
	i := pos
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		n = n*10 + int(b[i]-'0')
		if n > len(b) {
			return nil, -1
		}
	}
	if i == pos || i >= len(b) || b[i] != ':' || i+1+n > len(b) {
		return nil, -1
	}
	return b[i+1 : i+1+n], i + 1 + n
}

// ValueEnd returns the position after the bencoded value at pos of b, or -1 if it is
// malformed or cut short.
func ValueEnd(b []byte, pos int) int {
	depth := 0
	for pos >= 0 && pos < len(b) {
		switch c := b[pos]; {
		case c == 'l' || c == 'd':
			depth++
			pos++
			continue
		case c == 'e':
			depth--
			pos++
		case c == 'i':
			end := bytes.IndexByte(b[pos:], 'e')
			if end < 0 {
				return -1
			}
			pos += end + 1
		default:
			_, pos = StringAt(b, pos)
		}
		if depth <= 0 {
			return pos
		}
	}
	return -1
}
