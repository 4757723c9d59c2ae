package krpc

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func id(c byte) ID {
	var x ID
	for i := range x {
		x[i] = c
	}
	return x
}

func TestKRPCRoundTripsEveryKind(t *testing.T) {
	tgt := id('t')
	seq := int64(3)
	nodes := AppendNodes(nil, []NodeInfo{{ID: id('n'), Addr: netip.MustParseAddrPort("1.2.3.4:5")}}, false)
	msgs := []*Msg{
		{T: "aa", Y: KindQuery, Q: MethodFindNode, A: &Args{ID: id('a'), Target: &tgt, Want: []string{"n4", "n6"}}, RO: 1},
		{T: "bb", Y: KindResponse, R: &Return{ID: id('b'), Nodes: nodes, Token: []byte("tok"), Values: [][]byte{{1, 2, 3, 4, 0, 9}}, Seq: &seq}, IP: []byte{1, 2, 3, 4, 0, 1}},
		{T: "cc", Y: KindError, E: &Error{Code: ErrProtocol, Msg: "bad"}},
	}
	for _, m := range msgs {
		b, err := Encode(m)
		require.NoError(t, err)
		got, err := Decode(b)
		require.NoError(t, err, "%q", b)
		require.Equal(t, m, got)
	}
}

func TestKRPCDecodesBEP5Examples(t *testing.T) {
	for _, s := range []string{
		"d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe",
		"d1:rd2:id20:mnopqrstuvwxyz123456e1:t2:aa1:y1:re",
		"d1:eli201e23:A Generic Error Ocurrede1:t2:aa1:y1:ee",
		"d1:ad2:id20:abcdefghij01234567896:target20:mnopqrstuvwxyz123456e1:q9:find_node1:t2:aa1:y1:qe",
		"d1:ad2:id20:abcdefghij01234567899:info_hash20:mnopqrstuvwxyz123456e1:q9:get_peers1:t2:aa1:y1:qe",
		"d1:ad2:id20:abcdefghij012345678912:implied_porti1e9:info_hash20:mnopqrstuvwxyz1234564:porti6881e5:token8:aoeusnthe1:q13:announce_peer1:t2:aa1:y1:qe",
		"d1:rd2:id20:abcdefghij01234567895:token8:aoeusnth6:valuesl6:axje.u6:idhtnmee1:t2:aa1:y1:re",
	} {
		_, err := Decode([]byte(s))
		require.NoError(t, err, s)
	}
}

func TestKRPCRejectsMalformedAndLyingMessages(t *testing.T) {
	for name, s := range map[string]string{
		"truncated":        "d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:q",
		"not a dict":       "l1:ae",
		"no tid":           "d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:y1:qe",
		"short id":         "d1:ad2:id3:abce1:q4:ping1:t2:aa1:y1:qe",
		"unknown y":        "d1:t2:aa1:y1:xe",
		"query without a":  "d1:q4:ping1:t2:aa1:y1:qe",
		"nodes bad length": "d1:rd2:id20:mnopqrstuvwxyz1234565:nodes5:abcdee1:t2:aa1:y1:re",
		"value bad length": "d1:rd2:id20:mnopqrstuvwxyz1234566:valuesl5:abcdeee1:t2:aa1:y1:re",
		"announce port 0":  "d1:ad2:id20:abcdefghij01234567899:info_hash20:mnopqrstuvwxyz1234564:porti0e5:token2:abe1:q13:announce_peer1:t2:aa1:y1:qe",
		"unsorted keys":    "d1:t2:aa1:rd2:id20:mnopqrstuvwxyz123456e1:y1:re",
		"find_node no tgt": "d1:ad2:id20:abcdefghij0123456789e1:q9:find_node1:t2:aa1:y1:qe",
		"error not list":   "d1:ei201e1:t2:aa1:y1:ee",
	} {
		_, err := Decode([]byte(s))
		require.ErrorIs(t, err, ErrMalformed, name)
	}
	big := "d1:rd2:id20:mnopqrstuvwxyz1234565:token" + "2000:" + strings.Repeat("x", 2000) + "e1:t2:aa1:y1:re"
	_, err := Decode([]byte(big))
	require.ErrorIs(t, err, ErrMalformed, "oversized")
}

func TestCompactNodesRejectPortZero(t *testing.T) {
	b := AppendNodes(nil, []NodeInfo{{ID: id('n'), Addr: netip.MustParseAddrPort("1.2.3.4:0")}}, false)
	_, err := ParseNodes(b, false)
	require.Error(t, err)
	b6 := AppendNodes(nil, []NodeInfo{{ID: id('n'), Addr: netip.MustParseAddrPort("[::1]:7")}}, true)
	require.Len(t, b6, CompactNode6)
	ns, err := ParseNodes(b6, true)
	require.NoError(t, err)
	require.Equal(t, netip.MustParseAddrPort("[::1]:7"), ns[0].Addr)
	_, err = ParseValues([][]byte{{1, 2, 3, 4, 0, 0}})
	require.Error(t, err)
}

func TestWantDefaultsToSocketFamily(t *testing.T) {
	a := &Args{}
	require.True(t, a.WantsV4(false))
	require.False(t, a.WantsV6(false))
	require.True(t, a.WantsV6(true))
	a.Want = []string{"n6"}
	require.False(t, a.WantsV4(false))
	require.True(t, a.WantsV6(false))
}
