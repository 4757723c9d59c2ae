package dht

import (
	"context"
	"testing"
	"time"

	"github.com/libbt/libbt/core/metainfo"
	"github.com/stretchr/testify/require"
)

func TestLoopbackNetworkAnnounceThenGetPeersFromOthers(t *testing.T) {
	nodes := network(t, 50, nil)
	t.Log(tableSizes(nodes))
	ih := metainfo.InfoHash(RandomID())
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	require.NoError(t, nodes[7].Announce(ctx, ih, 6881, false))
	want := nodes[7].Addr().Addr()
	for _, i := range []int{0, 13, 21, 34, 49} {
		peers, err := nodes[i].GetPeers(ctx, ih)
		require.NoError(t, err)
		found := false
		for _, p := range peers {
			found = found || p.Addr() == want && p.Port() == 6881
		}
		require.True(t, found, "node %d found %v", i, peers)
	}
}
