package sched

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

func attempts(gs []Grant) map[ID]int {
	m := map[ID]int{}
	for _, g := range gs {
		m[g.Torrent] += g.Attempts
	}
	return m
}

// A torrent with a thousand candidates cannot take the whole budget from one that wants a few.
func TestConnectionBudgetIsSharedFairly(t *testing.T) {
	s := DefaultSettings()
	s.ConnectionsLimit, s.ConnectionSpeed = 100, 1000
	var c Conns
	c.Update(1, 0, 1000, false)
	c.Update(2, 0, 10, false)
	c.Update(3, 0, 1000, false)
	got := attempts(c.Plan(&s, nil))
	require.Equal(t, 10, got[2], "the small one gets all it wants")
	require.Equal(t, 45, got[1])
	require.Equal(t, 45, got[3])
	require.Equal(t, 45, c.Cap())
}

func TestConnectionAttemptsNeverPassTheLimitOrSpeed(t *testing.T) {
	s := DefaultSettings() // 200 connections, 30 attempts a tick
	var c Conns
	c.Update(1, 190, 50, false)
	c.Update(2, 0, 50, false)
	got := attempts(c.Plan(&s, nil))
	require.Equal(t, 10, got[1]+got[2], "10 left under connections_limit")
	c.Update(1, 0, 500, false)
	c.Update(2, 0, 500, false)
	got = attempts(c.Plan(&s, nil))
	require.Equal(t, 30, got[1]+got[2], "connection_speed")
	require.Equal(t, 15, got[1])
}

func TestDownloadsConnectBeforeSeedsButSeedsGetTheirTurn(t *testing.T) {
	s := DefaultSettings()
	s.ConnectionSpeed = 22 // 10 downloads, 1 seed, 10 downloads, 1 seed
	var c Conns
	c.Update(1, 0, 100, false)
	c.Update(2, 0, 100, true)
	got := attempts(c.Plan(&s, nil))
	require.Equal(t, 20, got[1])
	require.Equal(t, 2, got[2])
	// A download that cannot use more leaves the attempts to the seed.
	c.Update(1, 0, 0, false)
	got = attempts(c.Plan(&s, nil))
	require.Equal(t, 22, got[2])
}

func TestTorrentsThatWantNothingAreForgotten(t *testing.T) {
	var c Conns
	c.Update(1, 5, 0, false)
	require.Equal(t, 5, c.Held())
	c.Remove(1)
	require.Equal(t, 0, c.Held())
	require.Empty(t, c.torrents)
	s := DefaultSettings()
	require.Empty(t, c.Plan(&s, nil))
}

// 2,000 torrents that want peers, ticked while connections come and go: the session never
// holds more than connections_limit, no torrent goes past its share while others wait, and
// every torrent that wants peers is served within a few ticks.
func TestConnectionBudgetOverThousandsOfTorrents(t *testing.T) {
	s := DefaultSettings()
	s.ConnectionsLimit, s.ConnectionSpeed = 1000, 200
	rng := rand.New(rand.NewPCG(7, 7))
	const n = 2000
	held := make([]int, n)
	want := make([]int, n)
	var c Conns
	for i := range n {
		want[i] = 1 + rng.IntN(20)
		c.Update(ID(i), 0, want[i], i%4 == 0)
	}
	served := map[ID]bool{}
	for tick := range 200 {
		for _, g := range c.Plan(&s, nil) {
			i := int(g.Torrent)
			require.LessOrEqual(t, g.Attempts, want[i])
			require.LessOrEqual(t, held[i]+g.Attempts, c.Cap())
			held[i] += g.Attempts // every attempt connects
			want[i] -= g.Attempts
			served[g.Torrent] = true
		}
		total := 0
		for i := range n {
			if held[i] > 0 && rng.IntN(10) == 0 { // churn: a peer leaves, the torrent wants one more
				held[i]--
				want[i]++
			}
			c.Update(ID(i), held[i], want[i], i%4 == 0)
			total += held[i]
		}
		require.LessOrEqual(t, total, s.ConnectionsLimit, "tick %d", tick)
		require.Equal(t, total, c.Held())
	}
	require.Len(t, served, n, "every torrent got connections")
}
