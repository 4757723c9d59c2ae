package dht

import (
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/libbt/libbt/core/metainfo"
	"github.com/stretchr/testify/require"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newClock() *fakeClock { return &fakeClock{t: time.Unix(1_700_000_000, 0)} }

// idWith returns an id whose first byte is b and whose last byte is n.
func idWith(b byte, n byte) NodeID {
	var id NodeID
	id[0], id[19] = b, n
	return id
}

func addrN(n int) netip.AddrPort {
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, byte(n >> 8), byte(n)}), uint16(1000+n))
}

func TestTableSplitsOnlyTheBucketHoldingOurID(t *testing.T) {
	clk := newClock()
	tb := newTable(NodeID{}, clk.now) // self = 000...
	for i := range K {
		require.Empty(t, tb.responded(idWith(0x80, byte(i)), addrN(i)))
	}
	require.Len(t, tb.buckets, 1)
	// A ninth far node splits the only bucket; the far half (bucket 0)
	// is then full and, not holding our id, never splits again.
	tb.responded(idWith(0x80, 8), addrN(8))
	require.Len(t, tb.buckets, 2)
	require.Len(t, tb.buckets[0].nodes, K)
	require.Len(t, tb.buckets[0].repl, 1, "the ninth far node waits in the replacement cache")
	for i := range 20 {
		tb.responded(idWith(0xc0, byte(i)), addrN(100+i))
	}
	require.Len(t, tb.buckets, 2, "bucket 0 is full of far nodes and does not split")
	// Near nodes make the bucket holding our id split further.
	for i := range 3 * K {
		tb.responded(idWith(byte(0x40>>(i/K)), byte(i)), addrN(200+i))
	}
	require.Greater(t, len(tb.buckets), 3)
	for i, b := range tb.buckets {
		require.LessOrEqual(t, len(b.nodes), K, "bucket %d", i)
		for _, n := range b.nodes {
			require.Equal(t, i, tb.bucketIndex(n.id))
		}
	}
	good, _, _ := tb.count()
	require.Equal(t, 8+3*K, good)
}

func TestTableNodeStatesFollowBEP5Timing(t *testing.T) {
	clk := newClock()
	tb := newTable(NodeID{}, clk.now)
	id := idWith(0x80, 1)
	tb.responded(id, addrN(1))
	n := tb.buckets[0].nodes[0]
	require.Equal(t, stateGood, n.state(clk.now()))
	clk.advance(16 * time.Minute)
	require.Equal(t, stateQuestionable, n.state(clk.now()), "silent for 15 minutes")
	tb.heardQuery(id, addrN(1))
	require.Equal(t, stateGood, n.state(clk.now()), "a query from a node that has answered before")
	tb.failed(id, addrN(1))
	require.NotEqual(t, stateBad, n.state(clk.now()), "one failure is not enough")
	tb.failed(id, addrN(1))
	require.Equal(t, stateBad, n.state(clk.now()))
	tb.responded(id, addrN(1))
	require.Equal(t, stateGood, n.state(clk.now()), "an answer clears failures")

	// A node that only ever queried us is never good.
	stranger := idWith(0x81, 2)
	require.True(t, tb.heardQuery(stranger, addrN(2)), "unknown node: ping it")
	_, i := tb.find(stranger)
	require.Equal(t, -1, i, "queries alone do not insert")
}

func TestTableReplacesBadNodesFromReplacementCache(t *testing.T) {
	clk := newClock()
	tb := newTable(NodeID{}, clk.now)
	tb.responded(idWith(0x01, 0), addrN(99)) // a near node, so bucket 0 is the far half
	for i := range K + 1 {
		tb.responded(idWith(0x80, byte(i)), addrN(i))
	}
	require.Len(t, tb.buckets[0].nodes, K)
	require.Len(t, tb.buckets[0].repl, 1)
	victim := tb.buckets[0].nodes[3]
	tb.failed(victim.id, victim.addr)
	tb.failed(victim.id, victim.addr)
	_, i := tb.find(victim.id)
	require.Equal(t, -1, i, "bad node replaced")
	_, i = tb.find(idWith(0x80, byte(K)))
	require.GreaterOrEqual(t, i, 0, "replacement promoted")
	require.Empty(t, tb.buckets[0].repl)
}

func TestTableFullBucketAsksToPingQuestionableNodes(t *testing.T) {
	clk := newClock()
	tb := newTable(NodeID{}, clk.now)
	tb.responded(idWith(0x01, 0), addrN(99))
	for i := range K {
		tb.responded(idWith(0x80, byte(i)), addrN(i))
	}
	require.Empty(t, tb.responded(idWith(0x80, 50), addrN(50)), "all good: straight to the replacement cache")
	clk.advance(20 * time.Minute)
	ping := tb.responded(idWith(0x80, 51), addrN(51))
	require.Len(t, ping, K, "questionable nodes get pinged")
	require.Len(t, tb.buckets[0].repl, 2)
	require.True(t, tb.wouldAccept(idWith(0x80, 52)))
}

func TestTableRejectsOwnIDAndIDsMovingAddress(t *testing.T) {
	clk := newClock()
	self := idWith(0x33, 3)
	tb := newTable(self, clk.now)
	tb.responded(self, addrN(1))
	require.Zero(t, len(tb.closest(self, 10)))
	id := idWith(0x80, 1)
	tb.responded(id, addrN(1))
	tb.responded(id, addrN(2)) // same id, other address: not trusted
	require.Equal(t, []NodeInfo{{ID: id, Addr: addrN(1)}}, tb.closest(self, 10))
	// A new id at a known address replaces the old entry.
	id2 := idWith(0x90, 1)
	tb.responded(id2, addrN(1))
	require.Equal(t, []NodeInfo{{ID: id2, Addr: addrN(1)}}, tb.closest(self, 10))
}

func TestTableClosestIsSortedByXORDistance(t *testing.T) {
	clk := newClock()
	tb := newTable(RandomID(), clk.now)
	for i := range 200 {
		tb.responded(RandomID(), addrN(i))
	}
	target := RandomID()
	got := tb.closest(target, K)
	require.Len(t, got, K)
	for i := 1; i < len(got); i++ {
		require.True(t, xorLess(target, got[i-1].ID, got[i].ID))
	}
}

func TestRandomIDWithPrefixSharesExactlyNBits(t *testing.T) {
	base := RandomID()
	for n := range 160 {
		require.Equal(t, n, commonPrefixLen(base, randomIDWithPrefix(base, n)), "n=%d", n)
	}
}

func TestPeerStoreExpiresAndBoundsSwarms(t *testing.T) {
	clk := newClock()
	ps := newPeerStore(clk.now)
	ih := metainfo.InfoHash(RandomID())
	require.True(t, ps.add(ih, addrN(1)))
	clk.advance(10 * time.Minute)
	for i := 2; i <= maxPeersPerInfoHash+1; i++ {
		ps.add(ih, addrN(i))
	}
	got := ps.get(ih, 1000, true, true)
	require.Len(t, got, maxPeersPerInfoHash, "per-info-hash limit")
	require.NotContains(t, got, addrN(1), "the oldest peer made room")
	require.Empty(t, ps.get(ih, 10, false, true), "no v6 peers")
	clk.advance(peerTTL + time.Second)
	require.Empty(t, ps.get(ih, 1000, true, true), "expired after 30 minutes")
	ps.expire()
	n, _ := ps.counts()
	require.Zero(t, n)
	for i := range maxInfoHashes {
		require.True(t, ps.add(metainfo.InfoHash(RandomID()), addrN(i)))
	}
	require.False(t, ps.add(metainfo.InfoHash(RandomID()), addrN(1)), "store full")
}

func TestLimiterRefillsPerIP(t *testing.T) {
	clk := newClock()
	l := newLimiter(RateLimit{PerSecond: 2, Burst: 4}, clk.now)
	a, b := netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.2")
	for range 4 {
		require.True(t, l.allow(a))
	}
	require.False(t, l.allow(a), "burst spent")
	require.True(t, l.allow(b), "another IP has its own bucket")
	clk.advance(time.Second)
	require.True(t, l.allow(a))
	require.True(t, l.allow(a))
	require.False(t, l.allow(a), "2 per second")
	off := newLimiter(RateLimit{PerSecond: -1}, clk.now)
	for range 1000 {
		require.True(t, off.allow(a))
	}
}

func TestTableRestrictedToOneNodePerIP(t *testing.T) {
	clk := newClock()
	tb := newTable(NodeID{}, clk.now)
	tb.oneIP = true
	a := netip.MustParseAddrPort("10.9.9.9:1000")
	b := netip.MustParseAddrPort("10.9.9.9:2000")
	tb.responded(idWith(0x80, 1), a)
	tb.responded(idWith(0x90, 2), b)
	require.Equal(t, []NodeInfo{{ID: idWith(0x80, 1), Addr: a}}, tb.closest(NodeID{}, 10))
	tb.responded(idWith(0x90, 3), netip.MustParseAddrPort("10.9.9.10:2000"))
	require.Len(t, tb.closest(NodeID{}, 10), 2, "another IP is welcome")
	tb.oneIP = false
	tb.responded(idWith(0x90, 2), b)
	require.Len(t, tb.closest(NodeID{}, 10), 3)
}
