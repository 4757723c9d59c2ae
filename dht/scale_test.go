package dht

import (
	"context"
	"math"
	"math/rand/v2"
	"net/netip"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/libbt/libbt/core/metainfo"
	"github.com/stretchr/testify/require"
)

const scaleNodes = 500

// scaleNetwork builds the 500-node loopback network and reports memory per
// node: Go heap and goroutine stacks in use after GC, after minus before,
// divided by the node count (kernel socket buffers are not included).
func scaleNetwork(t testing.TB) ([]*Server, float64) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	nodes := network(t, scaleNodes, nil)
	runtime.GC()
	runtime.ReadMemStats(&after)
	perNode := float64(int64(after.HeapInuse+after.StackInuse)-int64(before.HeapInuse+before.StackInuse)) / scaleNodes
	return nodes, perNode
}

func TestScale500NodesGetPeersFromEverySample(t *testing.T) {
	if testing.Short() {
		t.Skip("500-node network: skipped with -short")
	}
	start := time.Now()
	nodes, perNode := scaleNetwork(t)
	ns := netStats(nodes)
	t.Logf("built %d nodes in %v; %s; memory per node %.1f KiB; packets in %d out %d, timeouts %d, dropped %d (unknown tx %d, own id %d), trimmed %d",
		len(nodes), time.Since(start).Round(time.Millisecond), tableSizes(nodes), perNode/1024, ns.PacketsIn, ns.PacketsOut, ns.Timeouts, ns.Dropped, ns.DroppedUnknownTx, ns.DroppedOwnID, ns.Trimmed)

	ih := metainfo.InfoHash(RandomID())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	announcer := nodes[rand.IntN(len(nodes))]
	require.NoError(t, announcer.Announce(ctx, ih, 51413, false))

	var rounds []int
	var times []time.Duration
	for _, i := range rand.Perm(len(nodes))[:20] {
		var got bool
		st, err := nodes[i].GetPeersFunc(ctx, ih, func(ps []netip.AddrPort) {
			for _, p := range ps {
				got = got || p.Port() == 51413
			}
		})
		require.NoError(t, err)
		require.True(t, got, "node %d did not find the announced peer (%+v)", i, st)
		rounds = append(rounds, st.Rounds)
		times = append(times, st.Duration)
	}
	slices.Sort(rounds)
	slices.Sort(times)
	medR := rounds[len(rounds)/2]
	limit := int(math.Ceil(math.Log2(scaleNodes)/3 + 2))
	t.Logf("get_peers from 20 nodes: rounds %v (median %d, limit %d); time median %v max %v",
		rounds, medR, limit, times[len(times)/2], times[len(times)-1])
	require.LessOrEqual(t, medR, limit)
}
