package mse

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"
)

// dialer records the attempts Dial makes and fails the encrypted ones when mseFails.
type dialer struct {
	mseFails, plainFails bool
	tries                []bool
}

func (d *dialer) dial(_ context.Context, encrypt bool) (net.Conn, int, error) {
	d.tries = append(d.tries, encrypt)
	switch {
	case encrypt && d.mseFails:
		return nil, 0, ErrEncryptedHandshake
	case !encrypt && d.plainFails:
		return nil, 0, errors.New("refused")
	}
	return nil, 1, nil
}

func TestDialFollowsThePolicy(t *testing.T) {
	addr := netip.MustParseAddrPort("10.0.0.1:6881")
	ctx := context.Background()
	var mem Memory

	d := &dialer{mseFails: true}
	_, _, err := Dial(ctx, Forced, &mem, addr, d.dial)
	require.ErrorIs(t, err, ErrEncryptedHandshake)
	require.Equal(t, []bool{true}, d.tries, "forced: no plaintext retry")

	d = &dialer{}
	_, _, err = Dial(ctx, Disabled, &mem, addr, d.dial)
	require.NoError(t, err)
	require.Equal(t, []bool{false}, d.tries)

	d = &dialer{mseFails: true}
	_, _, err = Dial(ctx, Enabled, &mem, addr, d.dial)
	require.NoError(t, err)
	require.Equal(t, []bool{true, false}, d.tries, "enabled: MSE, then plaintext")
	require.True(t, mem.PlaintextWorked(addr))

	d = &dialer{}
	_, _, err = Dial(ctx, Enabled, &mem, addr, d.dial)
	require.NoError(t, err)
	require.Equal(t, []bool{false}, d.tries, "plaintext first once it worked")

	d = &dialer{plainFails: true}
	_, _, err = Dial(ctx, Enabled, &mem, addr, d.dial)
	require.Error(t, err)
	require.False(t, mem.PlaintextWorked(addr), "forgotten when plaintext fails: MSE next time")
}

func TestMemoryIsBounded(t *testing.T) {
	var mem Memory
	for i := range MaxPlaintextPeers + 10 {
		mem.RememberPlaintext(netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), 1))
	}
	require.Len(t, mem.plaintext, MaxPlaintextPeers)
}

func TestLookupReq2FindsListedKeysOnly(t *testing.T) {
	var mem Memory
	a, b := [20]byte{1}, [20]byte{2}
	got, ok := mem.LookupReq2([][20]byte{a, b}, Req2Hash(b))
	require.True(t, ok)
	require.Equal(t, b, got)
	_, ok = mem.LookupReq2([][20]byte{a}, Req2Hash(b))
	require.False(t, ok, "a key no longer listed is not found")
}

func TestNegotiateRefusesWhatThePolicyForbids(t *testing.T) {
	plain := append([]byte{19}, "BitTorrent protocol"...)
	plain = append(plain, make([]byte, 48)...)
	for _, tc := range []struct {
		policy Policy
		first  []byte
		want   error
	}{
		{Forced, plain, ErrPlaintextRefused},
		{Disabled, make([]byte, 96), ErrEncryptedRefused},
	} {
		a, b := net.Pipe()
		go func() { a.Write(tc.first); a.Close() }()
		_, _, err := Negotiate(context.Background(), b, tc.policy, nil, AllMethods, false, nil)
		require.ErrorIs(t, err, tc.want)
		b.Close()
	}
	a, b := net.Pipe()
	go func() { a.Write(plain); a.Close() }()
	c, skey, err := Negotiate(context.Background(), b, Enabled, nil, AllMethods, false, nil)
	require.NoError(t, err)
	require.Nil(t, skey)
	buf := make([]byte, len(plain))
	_, err = c.Read(buf[:PeekLen])
	require.NoError(t, err)
	require.Equal(t, plain[:PeekLen], buf[:PeekLen], "the peeked bytes are read again")
}
