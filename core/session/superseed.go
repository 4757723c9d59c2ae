package session

import (
	"github.com/libbt/libbt/core/peerwire"
)

// Super seeding (BEP 16): a seed that hides what it has and offers each peer only a couple of
// pieces at a time, choosing the rarest, so an initial seeder uploads each piece about once.
// As in libtorrent, a peer is offered a new piece once it announces the one it was given.

const superSeedOffers = 2

// superSeeding reports whether super seeding is in effect (asked for, and we are a seed).
func (t *Torrent) superSeeding() bool { return t.superSeed && t.state == StateSeeding }

// superOffer tops up the pieces offered to p, rarest first among those p lacks and nobody else
// is being offered.
func (t *Torrent) superOffer(p *peerConn) {
	for len(p.superPieces) < superSeedOffers {
		offered := map[int]bool{}
		for q := range t.peers {
			for piece := range q.superPieces {
				offered[piece] = true
			}
		}
		best, bestAvail := -1, 0
		for i := 0; i < t.meta.Info.NumPieces(); i++ {
			if p.has.Has(i) || p.superPieces[i] {
				continue
			}
			avail := t.availability(i)
			if offered[i] {
				avail += len(t.peers) // prefer pieces not in flight elsewhere
			}
			if best < 0 || avail < bestAvail {
				best, bestAvail = i, avail
			}
		}
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
