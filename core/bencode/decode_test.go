package bencode

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/libbt/libbt/core/limits"
)

func TestUnmarshalAcceptsCanonicalValues(t *testing.T) {
	cases := []struct {
		in   string
		want any
	}{
		{"i0e", int64(0)},
		{"i42e", int64(42)},
		{"i-42e", int64(-42)},
		{"i9223372036854775807e", int64(math.MaxInt64)},
		{"i-9223372036854775808e", int64(math.MinInt64)},
		{"0:", ""},
		{"4:spam", "spam"},
		{"le", []any{}},
		{"l4:spami42ee", []any{"spam", int64(42)}},
		{"de", map[string]any{}},
		{"d3:bar4:spam3:fooi42ee", map[string]any{"bar": "spam", "foo": int64(42)}},
		{"d0:i1e1:ai2ee", map[string]any{"": int64(1), "a": int64(2)}},
		{"d1:ad1:bl1:ceee", map[string]any{"a": map[string]any{"b": []any{"c"}}}},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			var got any
			require.NoError(t, Unmarshal([]byte(c.in), &got))
			require.Equal(t, c.want, got)
		})
	}
}

func TestUnmarshalRejectsMalformedOrNonCanonicalInput(t *testing.T) {
	cases := []struct {
		in, msg string
	}{
		{"", "unexpected end of input"},
		{"i03e", "leading zero in integer"},
		{"i00e", "leading zero in integer"},
		{"i-03e", "leading zero in integer"},
		{"i-0e", "negative zero"},
		{"ie", "empty integer"},
		{"i-e", "empty integer"},
		{"i1", "unexpected end of input in integer"},
		{"i1.5e", "invalid character '.' in integer"},
		{"i+1e", "invalid character '+' in integer"},
		{"i9223372036854775808e", "overflows int64"},
		{"i-9223372036854775809e", "overflows int64"},
		{"i99999999999999999999999e", "overflows int64"},
		{"03:abc", "leading zero in string length"},
		{"00:", "leading zero in string length"},
		{"5:abc", "exceeds remaining input"},
		{"99999999999999999999:abc", "exceeds remaining input"},
		{"3abc", "invalid character 'a' in string length"},
		{"3", "exceeds remaining input"},
		{"1", "unexpected end of input in string length"},
		{"-1:a", "invalid character '-' at start of value"},
		{"l", "unexpected end of input in list"},
		{"li1e", "unexpected end of input in list"},
		{"d", "unexpected end of input in dict"},
		{"d1:a", "unexpected end of input"},
		{"d1:ae", "missing value for dict key \"a\""},
		{"d1:bi1e1:ai2ee", "dict key \"a\" not sorted after \"b\""},
		{"d1:ai1e1:ai2ee", "duplicate dict key \"a\""},
		{"di1ei2ee", "dict key is not a string"},
		{"dle1:ae", "dict key is not a string"},
		{"i1ei2e", "3 trailing bytes"},
		{"4:spamx", "1 trailing bytes"},
		{"x", "invalid character 'x'"},
		{"e", "invalid character 'e'"},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			var got any
			err := Unmarshal([]byte(c.in), &got)
			require.Error(t, err)
			var se *SyntaxError
			require.True(t, errors.As(err, &se), "want *SyntaxError, got %T %v", err, err)
			require.Contains(t, err.Error(), c.msg)
			require.Nil(t, got, "target must not be touched on a syntax error")
		})
	}
}

func TestSyntaxErrorNamesTheOffset(t *testing.T) {
	var v any
	err := Unmarshal([]byte("d3:fooi03ee"), &v)
	require.EqualError(t, err, "bencode: offset 7: leading zero in integer")
}

func TestUnmarshalEnforcesMaxDepth(t *testing.T) {
	deep := func(n int) []byte { return []byte(strings.Repeat("l", n) + strings.Repeat("e", n)) }
	var v any
	require.NoError(t, Unmarshal(deep(DefaultMaxDepth), &v))
	err := Unmarshal(deep(DefaultMaxDepth+1), &v)
	var lim *limits.Error
	require.ErrorAs(t, err, &lim)
	require.Equal(t, limits.Error{Limit: LimitDepth, Value: DefaultMaxDepth + 1, Max: DefaultMaxDepth}, *lim)
	// A huge nesting attempt fails fast without exhausting the stack.
	require.Error(t, Unmarshal(deep(1_000_000), &v))

	d := Decoder{MaxDepth: 2}
	require.NoError(t, d.Unmarshal([]byte("llee"), &v))
	require.Error(t, d.Unmarshal([]byte("llleee"), &v))
	require.Error(t, d.Unmarshal([]byte("ld1:alleee"), &v))
}

func TestUnmarshalPrefixReportsBytesConsumed(t *testing.T) {
	data := []byte("d8:msg_typei1e5:piecei0e10:total_sizei3eexyz")
	var msg struct {
		MsgType   int `bencode:"msg_type"`
		Piece     int `bencode:"piece"`
		TotalSize int `bencode:"total_size"`
	}
	n, err := UnmarshalPrefix(data, &msg)
	require.NoError(t, err)
	require.Equal(t, "xyz", string(data[n:]))
	require.Equal(t, 1, msg.MsgType)
	require.Equal(t, 3, msg.TotalSize)

	_, err = UnmarshalPrefix([]byte("d1:a"), &msg)
	require.Error(t, err)
}

func TestUnmarshalRequiresNonNilPointer(t *testing.T) {
	var x int
	var ie *InvalidUnmarshalError
	require.ErrorAs(t, Unmarshal([]byte("i1e"), x), &ie)
	require.ErrorAs(t, Unmarshal([]byte("i1e"), (*int)(nil)), &ie)
	require.ErrorAs(t, Unmarshal([]byte("i1e"), nil), &ie)
}

type file struct {
	Length int64    `bencode:"length"`
	Path   []string `bencode:"path"`
}

type info struct {
	Files       []file `bencode:"files,omitempty"`
	Length      int64  `bencode:"length,omitempty"`
	Name        string `bencode:"name"`
	PieceLength int64  `bencode:"piece length"`
	Pieces      []byte `bencode:"pieces"`
	Private     bool   `bencode:"private,omitempty"`
	Ignored     string `bencode:"-"`
}

type torrent struct {
	Announce string     `bencode:"announce,omitempty"`
	Info     RawMessage `bencode:"info"`
}

func TestUnmarshalIntoStructsUsesTagsAndIgnoresUnknownKeys(t *testing.T) {
	in := "d5:filesld6:lengthi5e4:pathl1:a1:beed6:lengthi7e4:pathl1:ceee4:name3:dir12:piece lengthi16384e6:pieces3:abc7:privatei1e1:xi9ee"
	var got info
	require.NoError(t, Unmarshal([]byte(in), &got))
	require.Equal(t, info{
		Files:       []file{{5, []string{"a", "b"}}, {7, []string{"c"}}},
		Name:        "dir",
		PieceLength: 16384,
		Pieces:      []byte("abc"),
		Private:     true,
	}, got)
}

func TestUnmarshalTypeErrorNamesTheKeyPath(t *testing.T) {
	in := "d5:filesld6:lengthi5e4:pathl1:aeed6:length1:x4:pathl1:ceee4:name1:n12:piece lengthi1e6:pieces0:e"
	var got info
	err := Unmarshal([]byte(in), &got)
	var te *UnmarshalTypeError
	require.ErrorAs(t, err, &te)
	require.Equal(t, "files[1].length", te.Path)
	require.Contains(t, err.Error(), "files[1].length: cannot decode string into int64")

	err = Unmarshal([]byte("d4:name3:abc12:piece lengthi-1ee"), &struct {
		PieceLength uint32 `bencode:"piece length"`
	}{})
	require.ErrorContains(t, err, "piece length: integer -1 out of range for uint32")
}

func TestUnmarshalChecksIntegerRangesAndBools(t *testing.T) {
	var i8 int8
	require.NoError(t, Unmarshal([]byte("i-128e"), &i8))
	require.Equal(t, int8(-128), i8)
	require.Error(t, Unmarshal([]byte("i128e"), &i8))
	var u8 uint8
	require.NoError(t, Unmarshal([]byte("i255e"), &u8))
	require.Error(t, Unmarshal([]byte("i256e"), &u8))
	var u uint64
	require.Error(t, Unmarshal([]byte("i-1e"), &u))
	var b bool
	require.NoError(t, Unmarshal([]byte("i1e"), &b))
	require.True(t, b)
	require.NoError(t, Unmarshal([]byte("i0e"), &b))
	require.False(t, b)
	require.ErrorContains(t, Unmarshal([]byte("i2e"), &b), "out of range for bool")
}

func TestUnmarshalIntoBytesArraysMapsAndPointers(t *testing.T) {
	var h [4]byte
	require.NoError(t, Unmarshal([]byte("4:abcd"), &h))
	require.Equal(t, [4]byte{'a', 'b', 'c', 'd'}, h)
	require.ErrorContains(t, Unmarshal([]byte("3:abc"), &h), "string of 3 bytes, want 4")

	var arr [2]int
	require.NoError(t, Unmarshal([]byte("li1ei2ee"), &arr))
	require.Equal(t, [2]int{1, 2}, arr)
	require.ErrorContains(t, Unmarshal([]byte("li1ee"), &arr), "list of 1 items, want 2")

	var bs []byte
	require.Error(t, Unmarshal([]byte("li1ee"), &bs), "a list is not a byte string")

	type key string
	var m map[key][]int
	require.NoError(t, Unmarshal([]byte("d1:ali1ei2ee1:blee"), &m))
	require.Equal(t, map[key][]int{"a": {1, 2}, "b": {}}, m)

	var p *struct {
		N *int `bencode:"n"`
	}
	require.NoError(t, Unmarshal([]byte("d1:ni7ee"), &p))
	require.Equal(t, 7, *p.N)

	var s string
	require.ErrorContains(t, Unmarshal([]byte("i1e"), &s), "cannot decode integer into string")
	var n int
	require.ErrorContains(t, Unmarshal([]byte("le"), &n), "cannot decode list into int")
	require.ErrorContains(t, Unmarshal([]byte("de"), &n), "cannot decode dict into int")
	var im map[int]int
	require.Error(t, Unmarshal([]byte("de"), &im))
	var st error
	require.Error(t, Unmarshal([]byte("de"), &st))
}

func TestRawMessageKeepsExactBytesOfValue(t *testing.T) {
	in := []byte("d8:announce9:http://x/4:infod4:name1:a6:lengthi1eee")
	var tor torrent
	require.Error(t, Unmarshal(in, &tor), "info dict keys are unsorted")

	in = []byte("d8:announce9:http://x/4:infod6:lengthi1e4:name1:aee")
	require.NoError(t, Unmarshal(in, &tor))
	require.Equal(t, "d6:lengthi1e4:name1:ae", string(tor.Info))
	in[len(in)-3] = 'b' // the RawMessage is a copy, not an alias
	require.Equal(t, "d6:lengthi1e4:name1:ae", string(tor.Info))

	var raw RawMessage
	require.NoError(t, Unmarshal([]byte("li1ee"), &raw))
	require.Equal(t, RawMessage("li1ee"), raw)
}

type peers []string

// UnmarshalBencode accepts either a list of strings or one compact string.
func (p *peers) UnmarshalBencode(b []byte) error {
	var s string
	if err := Unmarshal(b, &s); err == nil {
		*p = peers{s}
		return nil
	}
	var l []string
	if err := Unmarshal(b, &l); err != nil {
		return err
	}
	*p = l
	return nil
}

func TestUnmarshalerIsCalledWithRawValue(t *testing.T) {
	var v struct {
		Peers peers `bencode:"peers"`
	}
	require.NoError(t, Unmarshal([]byte("d5:peers3:abce"), &v))
	require.Equal(t, peers{"abc"}, v.Peers)
	require.NoError(t, Unmarshal([]byte("d5:peersl1:a1:bee"), &v))
	require.Equal(t, peers{"a", "b"}, v.Peers)
	err := Unmarshal([]byte("d5:peersi1ee"), &v)
	require.ErrorContains(t, err, "peers: ")
}

func TestUnmarshalFlattensEmbeddedStructs(t *testing.T) {
	type Base struct {
		A int `bencode:"a"`
		B int `bencode:"b"`
	}
	var v struct {
		Base
		B string `bencode:"b"` // shallower field wins
	}
	require.NoError(t, Unmarshal([]byte("d1:ai1e1:b1:xe"), &v))
	require.Equal(t, 1, v.A)
	require.Equal(t, "x", v.B)
}

func TestDecodingLargeStringsIsLinear(t *testing.T) {
	big := make([]byte, 8<<20)
	enc, err := Marshal(map[string]any{"pieces": big, "n": 1})
	require.NoError(t, err)
	var out struct {
		Pieces []byte `bencode:"pieces"`
	}
	for i := 0; i < 20; i++ { // 160 MB total; quadratic behaviour would take minutes
		require.NoError(t, Unmarshal(enc, &out))
	}
	require.Len(t, out.Pieces, len(big))
}
