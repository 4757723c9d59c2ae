package dht

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"testing"
	"time"

	"github.com/libbt/libbt/dht/krpc"
	"github.com/stretchr/testify/require"
)

func unhex(t *testing.T, s string) []byte {
	b, err := hex.DecodeString(s)
	require.NoError(t, err)
	return b
}

// The test vectors of BEP 44.
func TestBEP44VectorsVerify(t *testing.T) {
	pub := unhex(t, "77ff84905a91936367c01360803104f92432fcd904a43511876df5cdf3e7e548")
	v := []byte("12:Hello World!")

	it := &Item{V: v, K: pub, Seq: 1,
		Sig: unhex(t, "305ac8aeb6c9c151fa120f120ea2cfb923564e11552d06a5d856091e5e853cff1260d3f39e4999684aa92eb73ffd136e6f4f3ecbfda0ce53a1608ecd7ae21f01")}
	require.NoError(t, it.Check())
	require.Equal(t, "4a533d47ec9c7d95b1ad75f576cffc641853b750", hexID(it.Target()))
	require.Equal(t, "3:seqi1e1:v12:Hello World!", string(signedBytes(nil, 1, v)))

	salted := &Item{V: v, K: pub, Seq: 1, Salt: []byte("foobar"),
		Sig: unhex(t, "6834284b6b24c3204eb2fea824d82f88883a3d95e8b4a21b8c0ded553d17d17ddf9a8a7104b1258f30bed3787e6cb896fca78c58f8e03b5f18f14951a87d9a08")}
	require.NoError(t, salted.Check())
	require.Equal(t, "411eba73b6f087ca51a3795d9c8c938d365e32c1", hexID(salted.Target()))
	require.Equal(t, "4:salt6:foobar3:seqi1e1:v12:Hello World!", string(signedBytes([]byte("foobar"), 1, v)))

	imm, err := NewImmutableItem(v)
	require.NoError(t, err)
	require.Equal(t, "e5f96f6f38320f0f33959cb4d3d656452117aadb", hexID(imm.Target()))

	for name, bad := range map[string]*Item{
		"seq changed":  {V: v, K: pub, Seq: 2, Sig: it.Sig},
		"salt dropped": {V: v, K: pub, Seq: 1, Sig: salted.Sig},
		"value edited": {V: []byte("12:Hello World?"), K: pub, Seq: 1, Sig: it.Sig},
	} {
		require.ErrorIs(t, bad.Check(), ErrBadSignature, name)
	}
}

func TestItemLimits(t *testing.T) {
	_, priv, _ := ed25519.GenerateKey(nil)
	big := append([]byte("997:"), make([]byte, 997)...)
	_, err := NewMutableItem(priv, big, nil, 1)
	require.ErrorIs(t, err, ErrValueTooBig)
	_, err = NewMutableItem(priv, []byte("1:x"), make([]byte, 65), 1)
	require.ErrorIs(t, err, ErrSaltTooBig)
	_, err = NewImmutableItem([]byte("not bencode"))
	require.ErrorIs(t, err, ErrBadValue)
}

func TestItemStoreSequenceAndCAS(t *testing.T) {
	clk := newClock()
	st := newItemStore(clk.now)
	_, priv, _ := ed25519.GenerateKey(nil)
	mk := func(seq int64, v string) *Item {
		it, err := NewMutableItem(priv, []byte(v), []byte("s"), seq)
		require.NoError(t, err)
		return it
	}
	tgt := mk(1, "1:a").Target()
	require.NoError(t, st.put(tgt, mk(1, "1:a"), nil))
	require.NoError(t, st.put(tgt, mk(1, "1:a"), nil), "same seq, same value: refresh")
	code := func(err error) int { return err.(*putError).code }
	require.Equal(t, krpc.ErrSeqLessThanHave, code(st.put(tgt, mk(1, "1:b"), nil)), "same seq, other value")
	require.Equal(t, krpc.ErrSeqLessThanHave, code(st.put(tgt, mk(0, "1:c"), nil)), "older seq")
	wrong := int64(7)
	require.Equal(t, krpc.ErrCASMismatch, code(st.put(tgt, mk(2, "1:d"), &wrong)))
	right := int64(1)
	require.NoError(t, st.put(tgt, mk(2, "1:d"), &right))
	require.Equal(t, int64(2), st.get(tgt).Seq)
	clk.advance(itemTTL + time.Second)
	require.Nil(t, st.get(tgt), "expired")
}

func TestPutAndGetItemsAcrossTheNetwork(t *testing.T) {
	nodes := network(t, 20, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	imm, err := NewImmutableItem([]byte("d5:hello5:worlde"))
	require.NoError(t, err)
	n, err := nodes[3].Put(ctx, imm, nil)
	require.NoError(t, err)
	require.Positive(t, n)
	got, err := nodes[15].GetImmutable(ctx, imm.Target())
	require.NoError(t, err)
	require.Equal(t, imm.V, got.V)

	pub, priv, _ := ed25519.GenerateKey(nil)
	salt := []byte("profile")
	v1, err := NewMutableItem(priv, []byte("2:v1"), salt, 1)
	require.NoError(t, err)
	_, err = nodes[4].Put(ctx, v1, nil)
	require.NoError(t, err)
	got, err = nodes[11].GetMutable(ctx, pub, salt)
	require.NoError(t, err)
	require.Equal(t, int64(1), got.Seq)
	require.Equal(t, "2:v1", string(got.V))

	v2, _ := NewMutableItem(priv, []byte("2:v2"), salt, 2)
	holders := 0
	for _, h := range nodes {
		h.mu.Lock()
		has := h.items.get(v1.Target()) != nil
		h.mu.Unlock()
		if !has || h == nodes[5] {
			continue
		}
		holders++
		to := NodeInfo{Addr: h.Addr()}
		tgt := v1.Target()
		m, err := nodes[5].queryNode(ctx, to, krpc.MethodGet, &krpc.Args{Target: &tgt})
		require.NoError(t, err)
		seq, stale := int64(2), int64(0)
		_, err = nodes[5].queryNode(ctx, to, krpc.MethodPut, &krpc.Args{Token: m.R.Token, V: v2.V, K: v2.K, Sig: v2.Sig, Seq: &seq, Salt: salt, Cas: &stale})
		var kerr *krpc.Error
		require.ErrorAs(t, err, &kerr)
		require.Equal(t, krpc.ErrCASMismatch, kerr.Code, "a holder of seq 1 refuses CAS 0")
	}
	require.Positive(t, holders)
	cas := int64(1)
	_, err = nodes[5].Put(ctx, v2, &cas)
	require.NoError(t, err)
	got, err = nodes[18].GetMutable(ctx, pub, salt)
	require.NoError(t, err)
	require.Equal(t, "2:v2", string(got.V))

	_, err = nodes[2].GetMutable(ctx, pub, []byte("other salt"))
	require.ErrorIs(t, err, ErrNotFound)
}

func hexID(id NodeID) string { return hex.EncodeToString(id[:]) }
