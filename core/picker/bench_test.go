package picker

import (
	"math/rand/v2"
	"testing"

	"github.com/libbt/libbt/core/bitfield"
)

type benchSwarm struct {
	p     *Picker
	peers []*bitfield.Bitfield // nil = seed
}

func newBenchSwarm(numPieces, numPeers, seeds int, density float64) *benchSwarm {
	r := rand.New(rand.NewPCG(1, 2))
	s := &benchSwarm{p: New(numPieces, 16*BlockSize, int64(numPieces)*16*BlockSize, seeded(3))}
	for i := range numPeers {
		if i < seeds {
			s.p.PeerHasAll()
			s.peers = append(s.peers, nil)
			continue
		}
		b := bitfield.New(numPieces)
		for j := range numPieces {
			if r.Float64() < density {
				b.Set(j)
			}
		}
		s.p.PeerHasBitfield(b)
		s.peers = append(s.peers, &b)
	}
	return s
}

// benchDownload picks 8 blocks per call for peers in turn and delivers them
// at once, verifying finished pieces, so the picker moves through the whole
// torrent; it starts over (untimed) when a whole round of peers got nothing.
func benchDownload(b *testing.B, numPieces, numPeers, seeds int, density float64) {
	s := newBenchSwarm(numPieces, numPeers, seeds, density)
	out := make([]Block, 0, 8)
	blocks, empty := 0, 0
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		k := i % numPeers
		out = s.p.Pick(PeerKey(k), s.peers[k], 8, out[:0])
		blocks += len(out)
		for _, blk := range out {
			s.p.BlockReceived(PeerKey(k), blk)
			if s.p.PieceBlocksDone(blk.Piece) {
				s.p.PieceVerified(blk.Piece)
			}
		}
		if len(out) > 0 {
			empty = 0
		} else if empty++; empty >= numPeers {
			empty = 0
			b.StopTimer()
			s = newBenchSwarm(numPieces, numPeers, seeds, density)
			b.StartTimer()
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(max(blocks, 1)), "ns/block")
}

func BenchmarkPick50kPieces50Peers(b *testing.B)       { benchDownload(b, 50000, 50, 0, 0.5) }
func BenchmarkPick50kPieces50PeersSeeds(b *testing.B)  { benchDownload(b, 50000, 50, 50, 0) }
func BenchmarkPick50kPieces50PeersSparse(b *testing.B) { benchDownload(b, 50000, 50, 0, 0.02) }

func BenchmarkPeerHasBitfield50k(b *testing.B) {
	p := New(50000, 16*BlockSize, 50000*16*BlockSize, seeded(4))
	bf := bitfield.New(50000)
	r := rand.New(rand.NewPCG(5, 6))
	for j := range 50000 {
		if r.IntN(2) == 0 {
			bf.Set(j)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%2 == 0 {
			p.PeerHasBitfield(bf)
		} else {
			p.PeerLost(bf)
		}
	}
}

// BenchmarkPickNothingInteresting is the worst case: a peer whose pieces we
// all have is asked for blocks anyway.
func BenchmarkPickNothingInteresting(b *testing.B) {
	const n = 50000
	p := New(n, 16*BlockSize, n*16*BlockSize, seeded(7))
	dull := bitfield.New(n)
	for j := 0; j < n; j += 2 {
		dull.Set(j)
		p.SetHave(j)
	}
	p.PeerHasBitfield(dull)
	other := bitfield.New(n)
	other.SetAll()
	p.PeerHasBitfield(other)
	out := make([]Block, 0, 8)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out = p.Pick(1, &dull, 8, out[:0])
	}
}
