package session

import (
	"github.com/libbt/libbt/core/peerwire"
	"github.com/libbt/libbt/core/superseed"
)

// Super seeding (BEP 16): the choice of pieces is core/superseed's; here the torrent keeps what
// each peer was offered (peerConn.superPieces) and sends the Have messages.

// superSeeding reports whether super seeding is in effect (asked for, and we are a seed).
func (t *Torrent) superSeeding() bool { return t.superSeed && t.state == StateSeeding }

// superOffer tops up the pieces offered to p, rarest first among those p lacks and nobody else
// is being offered.
func (t *Torrent) superOffer(p *peerConn) {
	for len(p.superPieces) < superseed.Offers {
		offered := map[int]bool{}
		for q := range t.peers {
			for piece := range q.superPieces {
				offered[piece] = true
			}
		}
		best := superseed.Next(t.meta.Info.NumPieces(), func(i int) bool { return p.has.Has(i) || p.superPieces[i] },
			t.availability, offered, len(t.peers))
		if best < 0 {
			return
		}
		if p.superPieces == nil {
			p.superPieces = map[int]bool{}
		}
		p.superPieces[best] = true
		p.sendMessage(&peerwire.Message{ID: peerwire.Have, Index: uint32(best)})
	}
}

// availability counts connected peers that have piece i (the picker only tracks this while
// downloading).
func (t *Torrent) availability(i int) int {
	n := 0
	for q := range t.peers {
		if q.has.Has(i) {
			n++
		}
	}
	return n
}

// superHave runs when p announces piece i while we super-seed.
func (t *Torrent) superHave(p *peerConn, i int) {
	if p.superPieces[i] {
		delete(p.superPieces, i)
		t.superOffer(p)
	}
}

// SetSuperSeeding turns super seeding on or off. It takes effect for peers connecting after
// the change; while on, it applies only once the torrent is a seed.
func (t *Torrent) SetSuperSeeding(on bool) error {
	return t.do(func() error {
		t.superSeed = on
		t.publish()
		return nil
	})
}
