package bencode

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestMarshalProducesCanonicalEncoding(t *testing.T) {
	type named string
	n := 5
	cases := []struct {
		in   any
		want string
	}{
		{0, "i0e"},
		{-17, "i-17e"},
		{uint8(255), "i255e"},
		{true, "i1e"},
		{false, "i0e"},
		{"", "0:"},
		{"spam", "4:spam"},
		{[]byte("ab"), "2:ab"},
		{[3]byte{'x', 'y', 'z'}, "3:xyz"},
		{[]int{1, 2}, "li1ei2ee"},
		{[]int(nil), "le"},
		{map[string]int(nil), "de"},
		{map[string]any{"b": 1, "a": "x", "": []any{}}, "d0:le1:a1:x1:bi1ee"},
		{map[named]int{"zz": 1, "Z": 2}, "d1:Zi2e2:zzi1ee"},
		{map[string]int{"\xff": 1, "a": 2}, "d1:ai2e1:\xffi1ee"},
		{&n, "i5e"},
		{RawMessage("li1ee"), "li1ee"},
		{[]RawMessage{RawMessage("0:"), RawMessage("de")}, "l0:dee"},
	}
	for _, c := range cases {
		got, err := Marshal(c.in)
		require.NoError(t, err, "%#v", c.in)
		require.Equal(t, c.want, string(got), "%#v", c.in)
	}
}

func TestMarshalStructSortsKeysAndHonoursOmitempty(t *testing.T) {
	v := info{Name: "a", PieceLength: 16384, Pieces: []byte("01234567890123456789"), Length: 3, Ignored: "zzz"}
	got, err := Marshal(v)
	require.NoError(t, err)
	require.Equal(t, "d6:lengthi3e4:name1:a12:piece lengthi16384e6:pieces20:01234567890123456789e", string(got))

	var back info
	require.NoError(t, Unmarshal(got, &back))
	v.Ignored = ""
	require.Equal(t, v, back)

	type untagged struct {
		Zeta  int
		Alpha string
		priv  int
		P     *int `bencode:"p,omitempty"`
		I     any  `bencode:"i,omitempty"`
	}
	got, err = Marshal(untagged{Zeta: 1, Alpha: "a", priv: 3})
	require.NoError(t, err)
	require.Equal(t, "d5:Alpha1:a4:Zetai1ee", string(got))
}

func TestMarshalRejectsUnrepresentableValues(t *testing.T) {
	cases := []any{
		nil,
		1.5,
		map[int]int{1: 1},
		(*int)(nil),
		struct{ P *int }{},
		make(chan int),
		uint64(1 << 63),
		RawMessage("i01e"),
		RawMessage(""),
		RawMessage("i1ei2e"),
	}
	for _, c := range cases {
		_, err := Marshal(c)
		var me *MarshalError
		require.True(t, errors.As(err, &me), "%#v: got %v", c, err)
	}
	_, err := Marshal(map[string]any{"a": []any{1, 2.5}})
	require.EqualError(t, err, "bencode: a[1]: cannot encode float64")
}

type cyc struct {
	Next *cyc `bencode:"next"`
}

func TestMarshalDetectsCycles(t *testing.T) {
	c := &cyc{}
	c.Next = c
	_, err := Marshal(c)
	require.ErrorContains(t, err, "cyclic")
}

type hexInt int

func (h hexInt) MarshalBencode() ([]byte, error) { return Marshal(map[string]int{"v": int(h)}) }

type badMarshaler struct{}

func (badMarshaler) MarshalBencode() ([]byte, error) { return []byte("i1"), nil }

func TestMarshalUsesMarshalerAndValidatesItsOutput(t *testing.T) {
	got, err := Marshal([]hexInt{1, 2})
	require.NoError(t, err)
	require.Equal(t, "ld1:vi1eed1:vi2eee", string(got))
	_, err = Marshal(badMarshaler{})
	require.ErrorContains(t, err, "not exactly one valid bencoded value")
}

func TestRoundTripThroughAny(t *testing.T) {
	inputs := []string{
		"d8:announce17:http://t/announce4:infod5:filesld6:lengthi1e4:pathl1:aeee4:name1:d12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaaee",
		"li-1ei0ei9223372036854775807e0:d0:0:ee",
		"llllleeeee",
	}
	for _, in := range inputs {
		var v any
		require.NoError(t, Unmarshal([]byte(in), &v))
		out, err := Marshal(v)
		require.NoError(t, err)
		require.Equal(t, in, string(out))
	}
}

func TestEncodingLargeStringsIsLinear(t *testing.T) {
	big := make([]byte, 8<<20)
	for i := 0; i < 20; i++ {
		out, err := Marshal(struct {
			Pieces []byte `bencode:"pieces"`
		}{big})
		require.NoError(t, err)
		require.Len(t, out, len(big)+len("d6:pieces8388608:e"))
	}
}

func BenchmarkUnmarshalPieces1MB(b *testing.B) {
	enc, _ := Marshal(map[string]any{"pieces": make([]byte, 1<<20)})
	var out struct {
		Pieces []byte `bencode:"pieces"`
	}
	b.SetBytes(int64(len(enc)))
	for b.Loop() {
		if err := Unmarshal(enc, &out); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMarshalPieces1MB(b *testing.B) {
	v := map[string]any{"pieces": make([]byte, 1<<20)}
	b.SetBytes(1 << 20)
	for b.Loop() {
		if _, err := Marshal(v); err != nil {
			b.Fatal(err)
		}
	}
}
