package picker

import (
	"math/rand/v2"
	"testing"

	"github.com/libbt/libbt/core/bitfield"
	"github.com/stretchr/testify/require"
)

func seeded(seed uint64) Option {
	return WithRand(rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)))
}

func bf(n int, set ...int) bitfield.Bitfield {
	b := bitfield.New(n)
	for _, i := range set {
		b.Set(i)
	}
	return b
}

func ptr(b bitfield.Bitfield) *bitfield.Bitfield { return &b }

// checkInvariants verifies the bucket arrays, positions, counters and
// request books against each other.
func checkInvariants(t testing.TB, p *Picker) {
	t.Helper()
	inList := 0
	for lvl := range p.levels {
		lv := p.levels[lvl]
		if lv == nil {
			continue
		}
		if len(lv.list) > 0 {
			require.Equal(t, int32(len(lv.list)), lv.bounds[len(lv.bounds)-1], "level %d last bound", lvl)
		}
		for c := range lv.bounds {
			for i := lv.start(c); i < lv.bounds[c]; i++ {
				pc := lv.list[i]
				ps := p.pieces[pc]
				require.Equal(t, i, ps.pos, "piece %d pos", pc)
				require.Equal(t, int32(c), ps.count, "piece %d bucket", pc)
				require.Equal(t, lvl, int(ps.prio))
				require.Zero(t, ps.flags&(flagHave|flagPartial))
				require.True(t, lv.fresh.has(int(pc)))
			}
		}
		inList += len(lv.list)
	}
	fresh, have, wanted, wantedHave := 0, 0, 0, 0
	for i, ps := range p.pieces {
		isFresh := ps.prio > 0 && ps.flags&(flagHave|flagPartial) == 0
		require.Equal(t, isFresh, ps.pos >= 0, "piece %d fresh", i)
		if isFresh {
			fresh++
		}
		if ps.flags&flagHave != 0 {
			have++
		}
		if ps.prio > 0 {
			wanted++
			if ps.flags&flagHave != 0 {
				wantedHave++
			}
		}
		require.Equal(t, ps.flags&flagPartial != 0, p.partialOf[i] != nil)
		require.Equal(t, ps.prio > 0 && ps.flags&flagHave == 0, p.need.has(i), "piece %d need", i)
	}
	require.Equal(t, fresh, inList)
	require.Equal(t, have, p.haveCount)
	require.Equal(t, wanted, p.wantedCount)
	require.Equal(t, wantedHave, p.wantedHave)
	outs := 0
	for _, pp := range p.partials {
		free, recv := 0, 0
		for bi, b := range pp.blocks {
			if b.received {
				recv++
				require.Empty(t, b.reqs)
			} else if len(b.reqs) == 0 {
				free++
				require.GreaterOrEqual(t, bi, pp.hint)
			}
			for _, k := range b.reqs {
				_, ok := p.peers[k].out[blockRef(pp.piece, bi)]
				require.True(t, ok, "peer %d lacks request %d/%d", k, pp.piece, bi)
			}
			outs += len(b.reqs)
		}
		require.Equal(t, free, pp.free)
		require.Equal(t, recv, pp.received)
	}
	total := 0
	for _, ps := range p.peers {
		total += len(ps.out)
	}
	require.Equal(t, outs, total)
}

func pieces(blocks []Block) []int {
	var out []int
	for _, b := range blocks {
		if len(out) == 0 || out[len(out)-1] != b.Piece {
			out = append(out, b.Piece)
		}
	}
	return out
}
