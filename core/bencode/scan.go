package bencode

import (
	"bytes"
	"fmt"
	"math"

	"github.com/libbt/libbt/core/limits"
)

// DefaultMaxDepth is the nesting limit for lists and dicts used when
// Decoder.MaxDepth is zero and by the package-level functions.
const DefaultMaxDepth = 64

// Names of the limits a Decoder enforces, as libtorrent's load_torrent_limits calls them.
const (
	LimitDepth  = "max_decode_depth"
	LimitTokens = "max_decode_tokens"
)

// Valid reports whether data is exactly one canonical bencoded value
// (nesting limited by DefaultMaxDepth).
func Valid(data []byte) bool {
	s := scanner{data: data, maxDepth: DefaultMaxDepth}
	end, err := s.value(0, 0)
	return err == nil && end == len(data)
}

// CheckCanonical reports the first departure of the value at the start of data from canonical
// bencoding (unsorted or duplicate dict keys, leading zeros, "-0"), or nil. Only the first value
// is looked at: trailing bytes are not an error here. It allocates nothing when data is canonical.
func CheckCanonical(data []byte) error {
	s := scanner{data: data, maxDepth: math.MaxInt}
	_, err := s.value(0, 0)
	return err
}

func syntaxErr(off int, format string, args ...any) *SyntaxError {
	return &SyntaxError{Offset: off, Msg: fmt.Sprintf(format, args...)}
}

// limitErr is a limit hit at a byte offset: a *limits.Error wrapped with where it happened.
func limitErr(off int, limit string, value, max int) error {
	return fmt.Errorf("bencode: offset %d: %w", off, &limits.Error{Limit: limit, Value: int64(value), Max: int64(max)})
}

// scanner validates one bencoded value. It counts tokens as libtorrent's bdecode does (every
// value, every dict key and every end of a list or dict is one), failing as soon as the count
// passes maxTokens (0: no limit), and fails at the first container nested deeper than
// maxDepth. So the work done on hostile input is bounded before any of it is decoded.
type scanner struct {
	data      []byte
	maxDepth  int
	maxTokens int
	tokens    int
	// lenient accepts what libtorrent accepts beyond canonical bencoding: dict keys in any
	// order (duplicates too), leading zeros in integers and string lengths, and "-0".
	lenient bool
	// bigLists, when recordLists is set, gets the item count of every list of at least bigList items,
	// by offset, so that decoding makes each such slice once at its final size instead of
	// growing it (which for a large list allocates several times its size). At most one
	// entry per bigList+1 tokens.
	bigLists    map[int]int
	recordLists bool
}

const bigList = 16

func (s *scanner) token(pos int) error {
	s.tokens++
	if s.maxTokens > 0 && s.tokens > s.maxTokens {
		return limitErr(pos, LimitTokens, s.tokens, s.maxTokens)
	}
	return nil
}

// value validates the value starting at pos and returns the offset just past
// it. It allocates nothing on success. Its recursion is bounded by maxDepth.
func (s *scanner) value(pos, depth int) (int, error) {
	data := s.data
	if pos >= len(data) {
		return pos, syntaxErr(pos, "unexpected end of input")
	}
	if err := s.token(pos); err != nil {
		return pos, err
	}
	switch c := data[pos]; {
	case c == 'i':
		_, end, err := parseInt(data, pos, s.lenient)
		return end, err
	case c >= '0' && c <= '9':
		_, end, err := parseString(data, pos, s.lenient)
		return end, err
	case c == 'l':
		if depth >= s.maxDepth {
			return pos, limitErr(pos, LimitDepth, depth+1, s.maxDepth)
		}
		start := pos
		pos++
		for n := 0; ; n++ {
			if pos >= len(data) {
				return pos, syntaxErr(pos, "unexpected end of input in list")
			}
			if data[pos] == 'e' {
				if n >= bigList && s.recordLists {
					if s.bigLists == nil {
						s.bigLists = map[int]int{}
					}
					s.bigLists[start] = n
				}
				return pos + 1, s.token(pos)
			}
			var err error
			if pos, err = s.value(pos, depth+1); err != nil {
				return pos, err
			}
		}
	case c == 'd':
		if depth >= s.maxDepth {
			return pos, limitErr(pos, LimitDepth, depth+1, s.maxDepth)
		}
		return s.dict(pos+1, depth)
	default:
		return pos, syntaxErr(pos, "invalid character %q at start of value", c)
	}
}

// dict validates the keys and values of a dict whose 'd' is just before pos.
func (s *scanner) dict(pos, depth int) (int, error) {
	data := s.data
	var prev []byte
	first := true
	for {
		if pos >= len(data) {
			return pos, syntaxErr(pos, "unexpected end of input in dict")
		}
		if data[pos] == 'e' {
			return pos + 1, s.token(pos)
		}
		if err := s.token(pos); err != nil {
			return pos, err
		}
		key, end, err := parseKey(data, pos, s.lenient)
		if err != nil {
			return end, err
		}
		if !first && !s.lenient {
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
		if pos, err = s.value(pos, depth+1); err != nil {
			return pos, err
		}
	}
}

func truncKey(k []byte) string {
	if len(k) > 64 {
		return string(k[:64]) + "..."
	}
	return string(k)
}

// parseKey parses a dict key, which must be a string.
func parseKey(data []byte, pos int, lenient bool) ([]byte, int, error) {
	if c := data[pos]; c < '0' || c > '9' {
		return nil, pos, syntaxErr(pos, "dict key is not a string (found %q)", c)
	}
	return parseString(data, pos, lenient)
}

// parseInt parses "i<digits>e" at pos (data[pos] == 'i'). lenient accepts
// leading zeros and "-0".
func parseInt(data []byte, pos int, lenient bool) (int64, int, error) {
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
	case lenient:
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
// returns the bytes (aliasing data) and the end offset. lenient accepts
// leading zeros in the length.
func parseString(data []byte, pos int, lenient bool) ([]byte, int, error) {
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
	if !lenient && data[pos] == '0' && p-pos > 1 {
		return nil, pos, syntaxErr(pos, "leading zero in string length")
	}
	p++
	if n > len(data)-p {
		return nil, pos, syntaxErr(pos, "string length %d exceeds remaining input (%d bytes)", n, len(data)-p)
	}
	return data[p : p+n : p+n], p + n, nil
}
