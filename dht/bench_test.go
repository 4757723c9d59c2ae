package dht

import (
	"context"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"github.com/libbt/libbt/core/metainfo"
)

// BenchmarkLookup500 measures get_peers lookup latency on a 500-node
// loopback network (one UDP socket per node, built outside the timer) and
// reports rounds per lookup and memory per node (Go heap + stacks).
func BenchmarkLookup500(b *testing.B) {
	nodes, perNode := scaleNetwork(b)
	ih := metainfo.InfoHash(RandomID())
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := nodes[0].Announce(ctx, ih, 6881, false); err != nil {
		b.Fatal(err)
	}
	rounds, misses := 0, 0
	b.ResetTimer()
	for b.Loop() {
		s := nodes[rand.IntN(len(nodes))]
		found := false
		st, err := s.GetPeersFunc(ctx, ih, func(ps []netip.AddrPort) { found = found || len(ps) > 0 })
		if err != nil {
			b.Fatal(err)
		}
		if !found {
			misses++
		}
		rounds += st.Rounds
	}
	b.ReportMetric(float64(rounds)/float64(b.N), "rounds/op")
	b.ReportMetric(float64(misses)/float64(b.N), "misses/op")
	b.ReportMetric(perNode, "memB/node")
}
