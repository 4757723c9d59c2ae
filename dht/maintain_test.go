package dht

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/libbt/libbt/dht/krpc"
	"github.com/stretchr/testify/require"
)

func TestMaintenancePingsQuestionableNodesAndRefreshesStaleBuckets(t *testing.T) {
	clk := newClock()
	cfg := testConfig()
	cfg.now = clk.now
	a := newNode(t, cfg)
	b := newNode(t, testConfig())
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := a.Ping(ctx, b.Addr())
	require.NoError(t, err)
	require.Equal(t, 1, a.Stats().Good4)
	// b pings a back to verify the newcomer; that must land before the clock moves, or it
	// makes b good again on a's side. a counts the query before it updates its table and
	// answers after, so wait for b to have the answer.
	waitFor(t, func() bool { return b.Stats().ResponsesIn >= 1 }, "b's verification ping answered")
	clk.advance(16 * time.Minute)
	require.Equal(t, 0, a.Stats().Good4, "silent for 15 minutes: questionable")
	before := b.Stats().QueriesIn
	a.maintain()
	waitFor(t, func() bool { return a.Stats().Good4 == 1 }, "the questionable node to be pinged back to good")
	waitFor(t, func() bool { return b.Stats().QueriesIn >= before+2 }, "a ping and a bucket refresh lookup")
}

func TestEnforceNodeIDAdoptsABEP42IDOnceRespondersAgree(t *testing.T) {
	cfg := testConfig()
	cfg.EnforceNodeID = true
	s := newNode(t, cfg)
	external := netip.MustParseAddrPort("203.0.113.7:6881")
	require.False(t, ValidNodeID(s.ID(), external.Addr()))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for i := range externalVotes {
		c := newRawClient(t)
		go func() {
			m, _ := c.recv(2 * time.Second)
			if m == nil || m.Y != krpc.KindQuery {
				return
			}
			b, _ := krpc.Encode(&krpc.Msg{T: m.T, Y: krpc.KindResponse, R: &krpc.Return{ID: c.id},
				IP: krpc.AppendCompactAddr(nil, external)})
			c.sendRaw(s.Addr(), b)
		}()
		_, err := s.Ping(ctx, c.addr())
		require.NoError(t, err)
		if i < externalVotes-1 {
			require.False(t, ValidNodeID(s.ID(), external.Addr()), "one or two voters are not enough")
		}
	}
	ip, n := s.ExternalIP()
	require.Equal(t, external.Addr(), ip)
	require.Equal(t, externalVotes, n)
	require.True(t, ValidNodeID(s.ID(), external.Addr()), "id regenerated for the external IP")
	require.Len(t, s.Nodes(false), externalVotes, "the table survives the id change")
}

func TestMaintenanceRetriesBootstrapWhileTheTableIsEmpty(t *testing.T) {
	late := newNode(t, testConfig())
	addr := late.Addr()
	late.Close() // the bootstrap node is not up yet
	cfg := testConfig()
	cfg.Bootstrap = []string{addr.String()}
	cfg.QueryTimeout = 200 * time.Millisecond
	s := newNode(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.Error(t, s.Bootstrap(ctx))

	lcfg := testConfig()
	lcfg.Addrs = []netip.AddrPort{addr}
	newNode(t, lcfg) // now it is
	s.maintain()
	waitFor(t, func() bool { return s.Stats().Good4 == 1 }, "a maintenance bootstrap")
}
