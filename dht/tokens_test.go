package dht

import (
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestTokensValidForTheRequesterIPBetweenFiveAndTenMinutes(t *testing.T) {
	clk := newClock()
	tk := newTokens(clk.now)
	ip := netip.MustParseAddr("10.1.2.3")
	tok := tk.issue(ip)
	require.True(t, tk.valid(tok, ip))
	require.False(t, tk.valid(tok, netip.MustParseAddr("10.1.2.4")), "wrong IP")
	require.False(t, tk.valid([]byte("garbage!"), ip))
	clk.advance(4 * time.Minute)
	require.True(t, tk.valid(tok, ip))
	clk.advance(2 * time.Minute) // one rotation: the previous secret still counts
	require.True(t, tk.valid(tok, ip))
	clk.advance(5 * time.Minute) // two rotations: expired
	require.False(t, tk.valid(tok, ip))
	tok2 := tk.issue(ip)
	clk.advance(time.Hour) // a long sleep invalidates everything
	require.False(t, tk.valid(tok2, ip))
}
