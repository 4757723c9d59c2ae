package bencode

import (
	"bytes"
	"fmt"
	"math"
)

// DefaultMaxDepth is the nesting limit for lists and dicts used when
// Decoder.MaxDepth is zero and by the package-level functions.
const DefaultMaxDepth = 64

// Valid reports whether data is exactly one canonical bencoded value
// (nesting limited by DefaultMaxDepth).
func Valid(data []byte) bool {
	end, err := scan(data, 0, 0, DefaultMaxDepth)
	return err == nil && end == len(data)
}

func syntaxErr(off int, format string, args ...any) *SyntaxError {
	return &SyntaxError{Offset: off, Msg: fmt.Sprintf(format, args...)}
}

// scan validates the value starting at pos and returns the offset just past
// it. It allocates nothing on success.
func scan(data []byte, pos, depth, maxDepth int) (int, error) {
	if pos >= len(data) {
		return pos, syntaxErr(pos, "unexpected end of input")
	}
	switch c := data[pos]; {
	case c == 'i':
		_, end, err := parseInt(data, pos)
		return end, err
	case c >= '0' && c <= '9':
		_, end, err := parseString(data, pos)
		return end, err
	case c == 'l':
		if depth >= maxDepth {
			return pos, syntaxErr(pos, "nesting deeper than %d", maxDepth)
		}
		pos++
		for {
			if pos >= len(data) {
				return pos, syntaxErr(pos, "unexpected end of input in list")
			}
			if data[pos] == 'e' {
				return pos + 1, nil
			}
			var err error
			if pos, err = scan(data, pos, depth+1, maxDepth); err != nil {
				return pos, err
			}
		}
	case c == 'd':
		if depth >= maxDepth {
			return pos, syntaxErr(pos, "nesting deeper than %d", maxDepth)
		}
		pos++
		var prev []byte
		first := true
		for {
			if pos >= len(data) {
				return pos, syntaxErr(pos, "unexpected end of input in dict")
			}
			if data[pos] == 'e' {
				return pos + 1, nil
			}
			key, end, err := parseKey(data, pos)
			if err != nil {
				return end, err
			}
			if !first {
				if cmp := bytes.Compare(prev, key); cmp == 0 {
					return pos, syntaxErr(pos, "duplicate dict key %q", truncKey(key))
				} else if cmp > 0 {
					return pos, syntaxErr(pos, "dict key %q not sorted after %q", truncKey(key), truncKey(prev))
				}
			}
			first, prev, pos = false, key, end
			if pos < len(data) && data[pos] == 'e' {
				return pos, syntaxErr(pos, "missing value for dict key %q", truncKey(key))
			}
			if pos, err = scan(data, pos, depth+1, maxDepth); err != nil {
				return pos, err
			}
		}
	default:
		return pos, syntaxErr(pos, "invalid character %q at start of value", c)
	}
}

func truncKey(k []byte) string {
	if len(k) > 64 {
		return string(k[:64]) + "..."
	}
	return string(k)
}

// parseKey parses a dict key, which must be a string.
func parseKey(data []byte, pos int) ([]byte, int, error) {
	if c := data[pos]; c < '0' || c > '9' {
		return nil, pos, syntaxErr(pos, "dict key is not a string (found %q)", c)
	}
	s, end, err := parseString(data, pos)
	return s, end, err
}

// parseInt parses "i<digits>e" at pos (data[pos] == 'i').
func parseInt(data []byte, pos int) (int64, int, error) {
	p := pos + 1
	neg := false
	if p < len(data) && data[p] == '-' {
		neg = true
		p++
	}
	start := p
	var u uint64
	limit := uint64(math.MaxInt64)
	if neg {
		limit++
	}
	for p < len(data) && data[p] >= '0' && data[p] <= '9' {
		d := uint64(data[p] - '0')
		if u > (limit-d)/10 {
			return 0, p, syntaxErr(pos, "integer overflows int64")
		}
		u = u*10 + d
		p++
	}
	if p >= len(data) {
		return 0, p, syntaxErr(p, "unexpected end of input in integer")
	}
	if data[p] != 'e' {
		return 0, p, syntaxErr(p, "invalid character %q in integer", data[p])
	}
	switch {
	case p == start:
		return 0, p, syntaxErr(pos, "empty integer")
	case data[start] == '0' && p-start > 1:
		return 0, start, syntaxErr(start, "leading zero in integer")
	case neg && u == 0:
		return 0, pos, syntaxErr(pos, "negative zero integer")
	}
	if neg {
		return int64(-u), p + 1, nil // -u wraps correctly for MinInt64
	}
	return int64(u), p + 1, nil
}

// parseString parses "<len>:<bytes>" at pos (data[pos] is a digit) and
// returns the bytes (aliasing data) and the end offset.
func parseString(data []byte, pos int) ([]byte, int, error) {
	p := pos
	n := 0
	remaining := len(data) - pos
	for p < len(data) && data[p] >= '0' && data[p] <= '9' {
		n = n*10 + int(data[p]-'0')
		if n > remaining {
			return nil, pos, syntaxErr(pos, "string length exceeds remaining input (%d bytes)", len(data)-pos)
		}
		p++
	}
	if p >= len(data) {
		return nil, p, syntaxErr(p, "unexpected end of input in string length")
	}
	if data[p] != ':' {
		return nil, p, syntaxErr(p, "invalid character %q in string length", data[p])
	}
	if data[pos] == '0' && p-pos > 1 {
		return nil, pos, syntaxErr(pos, "leading zero in string length")
	}
	p++
	if n > len(data)-p {
		return nil, pos, syntaxErr(pos, "string length %d exceeds remaining input (%d bytes)", n, len(data)-p)
	}
	return data[p : p+n : p+n], p + n, nil
}
