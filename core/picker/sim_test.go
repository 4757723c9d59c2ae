package picker

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/libbt/libbt/core/bitfield"
	"github.com/stretchr/testify/require"
)

type simPeer struct {
	key  PeerKey
	seed bool
	has  bitfield.Bitfield
	out  []Block // requests in flight, in order
}

// TestPickerSimulationCompletesWithEveryBlockOnce drives the picker with
// several fake peers (random bitfields, seeds, random rejections, churn and
// one piece that fails its hash check twice) until the torrent completes.
func TestPickerSimulationCompletesWithEveryBlockOnce(t *testing.T) {
	for seed := range uint64(30) {
		simulate(t, seed)
	}
}

func simulate(t *testing.T, seed uint64) {
	r := rand.New(rand.NewPCG(seed, 77))
	n := 1 + r.IntN(120)
	pieceLen := int64(BlockSize * (1 + r.IntN(6)))
	if r.IntN(3) == 0 {
		pieceLen += int64(r.IntN(BlockSize))
	}
	total := int64(n-1)*pieceLen + 1 + r.Int64N(pieceLen)
	p := New(n, pieceLen, total, seeded(seed))
	p.SetSequential(r.IntN(4) == 0)
	for i := range n {
		if r.IntN(5) == 0 {
			p.SetPiecePriority(i, r.IntN(8))
		}
	}
	bad := r.IntN(n)
	p.SetPiecePriority(bad, 4)
	failsLeft := 2

	nextKey := PeerKey(1)
	newPeer := func(forceSeed bool) *simPeer {
		sp := &simPeer{key: nextKey, seed: forceSeed || r.IntN(4) == 0}
		nextKey++
		if sp.seed {
			p.PeerHasAll()
			return sp
		}
		sp.has = bitfield.New(n)
		for i := range n {
			if r.IntN(3) == 0 {
				sp.has.Set(i)
			}
		}
		p.PeerHasBitfield(sp.has)
		return sp
	}
	dropPeer := func(sp *simPeer) {
		p.PeerGone(sp.key)
		if sp.seed {
			p.PeerLostAll()
		} else {
			p.PeerLost(sp.has)
		}
	}
	// peers[0] is a seed that never leaves: every piece keeps a source.
	peers := []*simPeer{newPeer(true), newPeer(false), newPeer(false), newPeer(false), newPeer(false)}

	got := make(map[Block]PeerKey) // blocks received since the piece's last reset
	verified, failures := 0, 0
	for step := 0; !p.Complete(); step++ {
		require.Less(t, step, 200000, "seed %d: no progress", seed)
		sp := peers[r.IntN(len(peers))]
		switch a := r.IntN(100); {
		case a < 30: // refill requests
			var hp *bitfield.Bitfield
			if !sp.seed {
				hp = &sp.has
			}
			for _, b := range p.Pick(sp.key, hp, 1+r.IntN(8), nil) {
				require.False(t, slices.Contains(sp.out, b), "seed %d: block %v twice to peer %d", seed, b, sp.key)
				require.True(t, sp.seed || sp.has.Has(b.Piece))
				require.NotEqual(t, 0, p.Priority(b.Piece))
				_, already := got[b]
				require.False(t, already, "seed %d: received block %v picked again", seed, b)
				sp.out = append(sp.out, b)
			}
		case a < 85 && len(sp.out) > 0: // deliver the oldest request
			b := sp.out[0]
			sp.out = sp.out[1:]
			dup, cancel := p.BlockReceived(sp.key, b)
			_, already := got[b]
			require.Equal(t, already || p.Have(b.Piece), dup, "seed %d: dup for %v", seed, b)
			for _, k := range cancel {
				for _, o := range peers {
					if o.key == k {
						i := slices.Index(o.out, b)
						require.GreaterOrEqual(t, i, 0)
						o.out = slices.Delete(o.out, i, i+1)
					}
				}
			}
			if dup {
				continue
			}
			got[b] = sp.key
			if p.PieceBlocksDone(b.Piece) {
				nb := p.BlocksInPiece(b.Piece)
				var senders []PeerKey
				for bi := range nb {
					blk := Block{b.Piece, uint32(bi) * BlockSize, p.blockLen(b.Piece, bi)}
					k, ok := got[blk]
					require.True(t, ok, "seed %d: piece %d done without block %d", seed, b.Piece, bi)
					if !slices.Contains(senders, k) {
						senders = append(senders, k)
					}
				}
				if b.Piece == bad && failsLeft > 0 {
					failsLeft--
					failures++
					require.Equal(t, senders, p.PieceFailed(b.Piece))
				} else {
					require.False(t, p.Have(b.Piece), "seed %d: piece %d completed twice", seed, b.Piece)
					p.PieceVerified(b.Piece)
					verified++
				}
				for bi := range nb {
					delete(got, Block{b.Piece, uint32(bi) * BlockSize, p.blockLen(b.Piece, bi)})
				}
			}
		case a < 90 && len(sp.out) > 0: // reject a random request
			i := r.IntN(len(sp.out))
			p.Rejected(sp.key, sp.out[i])
			sp.out = slices.Delete(sp.out, i, i+1)
		case a < 92 && len(peers) > 1 && sp != peers[0]: // churn
			dropPeer(sp)
			i := slices.Index(peers, sp)
			peers[i] = newPeer(false)
			continue
		case a < 95 && !sp.seed: // the peer completes a piece
			i := r.IntN(n)
			if !sp.has.Has(i) {
				sp.has.Set(i)
				p.PeerHasPiece(i)
			}
		case a < 96 && step < 20000: // the user changes a priority
			p.SetPiecePriority(r.IntN(n), r.IntN(8))
		}
		require.Equal(t, len(sp.out), p.Outstanding(sp.key))
		if step%997 == 0 {
			checkInvariants(t, p)
		}
	}
	checkInvariants(t, p)
	require.Equal(t, verified, p.HaveCount())
	require.Zero(t, p.Left())
	for i := range n {
		require.True(t, p.Priority(i) == 0 || p.Have(i))
	}
	if p.Have(bad) {
		require.Equal(t, 2, failures, "seed %d: the bad piece failed twice before passing", seed)
	}
}
