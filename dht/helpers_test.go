package dht

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var loop4 = netip.MustParseAddrPort("127.0.0.1:0")

func testConfig() Config {
	return Config{
		Addrs:        []netip.AddrPort{loop4},
		RateLimit:    RateLimit{PerSecond: -1},
		QueryTimeout: 2 * time.Second,
	}
}

// setBootstrap points a running node at other bootstrap nodes; under mu, since its maintenance
// reads them.
func setBootstrap(s *Server, hosts ...string) {
	s.mu.Lock()
	s.cfg.Bootstrap = hosts
	s.mu.Unlock()
}

func newNode(t testing.TB, cfg Config) *Server {
	t.Helper()
	s, err := New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

// network starts n loopback nodes and bootstraps each from a few earlier
// ones, parallel bootstraps bounded by par.
func network(t testing.TB, n int, mk func(i int) Config) []*Server {
	t.Helper()
	nodes := make([]*Server, n)
	for i := range nodes {
		cfg := testConfig()
		if mk != nil {
			cfg = mk(i)
		}
		nodes[i] = newNode(t, cfg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	boot := func(i int) {
		s := nodes[i]
		var seeds []string
		for _, j := range []int{0, rand.IntN(max(1, i)), rand.IntN(max(1, i))} {
			if i == 0 {
				j = 1 + rand.IntN(n-1)
			}
			seeds = append(seeds, nodes[j].Addr().String())
		}
		setBootstrap(s, seeds...)
		if err := s.Bootstrap(ctx); err != nil && i > 0 {
			t.Logf("bootstrap %d: %v", i, err)
		}
	}
	// The first few one by one so the core is connected, then in waves.
	for i := 1; i < min(n, 8); i++ {
		boot(i)
	}
	const par = 32
	for lo := 8; lo < n; lo += par {
		var wg sync.WaitGroup
		for i := lo; i < min(n, lo+par); i++ {
			wg.Add(1)
			go func(i int) { defer wg.Done(); boot(i) }(i)
		}
		wg.Wait()
	}
	if n > 1 {
		boot(0)
	}
	return nodes
}

func tableSizes(nodes []*Server) string {
	tot, mn, mx := 0, 1<<30, 0
	for _, s := range nodes {
		n := s.Stats().Nodes4
		tot += n
		mn, mx = min(mn, n), max(mx, n)
	}
	return fmt.Sprintf("table sizes: mean %.1f min %d max %d", float64(tot)/float64(len(nodes)), mn, mx)
}

func netStats(nodes []*Server) Stats {
	var a Stats
	for _, s := range nodes {
		st := s.Stats()
		a.PacketsIn += st.PacketsIn
		a.PacketsOut += st.PacketsOut
		a.Timeouts += st.Timeouts
		a.Dropped += st.Dropped
		a.DroppedUnknownTx += st.DroppedUnknownTx
		a.DroppedOwnID += st.DroppedOwnID
		a.DroppedBadNodes += st.DroppedBadNodes
		a.Malformed += st.Malformed
		a.Trimmed += st.Trimmed
		a.RateLimited += st.RateLimited
	}
	return a
}
