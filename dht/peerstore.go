package dht

import (
	"math/rand/v2"
	"net/netip"
	"time"

	"github.com/libbt/libbt/core/metainfo"
)

// Peer store limits.
const (
	peerTTL             = 30 * time.Minute
	maxPeersPerInfoHash = 200
	maxInfoHashes       = 5000
	maxValuesReturned   = 50
)

// peerStore keeps announced peers per info-hash with expiry. Guarded by
// Server.mu. Bounded: at most maxInfoHashes swarms of maxPeersPerInfoHash.
type peerStore struct {
	swarms map[metainfo.InfoHash]map[netip.AddrPort]time.Time // peer -> expiry
	now    func() time.Time
}

func newPeerStore(now func() time.Time) *peerStore {
	return &peerStore{swarms: make(map[metainfo.InfoHash]map[netip.AddrPort]time.Time), now: now}
}

// add records a peer; it reports false if the store is full.
func (p *peerStore) add(ih metainfo.InfoHash, peer netip.AddrPort) bool {
	now := p.now()
	sw := p.swarms[ih]
	if sw == nil {
		if len(p.swarms) >= maxInfoHashes {
			p.expire()
			if len(p.swarms) >= maxInfoHashes {
				return false
			}
		}
		sw = make(map[netip.AddrPort]time.Time)
		p.swarms[ih] = sw
	}
	if _, ok := sw[peer]; !ok && len(sw) >= maxPeersPerInfoHash {
		var oldest netip.AddrPort
		var oldestT time.Time
		for a, t := range sw {
			if oldestT.IsZero() || t.Before(oldestT) {
				oldest, oldestT = a, t
			}
		}
		delete(sw, oldest)
	}
	sw[peer] = now.Add(peerTTL)
	return true
}

// get returns up to max live peers of ih in random order, of the wanted
// families.
func (p *peerStore) get(ih metainfo.InfoHash, max int, v4, v6 bool) []netip.AddrPort {
	now := p.now()
	var out []netip.AddrPort
	for a, exp := range p.swarms[ih] { // map order is already random
		if now.After(exp) || is6(a) && !v6 || !is6(a) && !v4 {
			continue
		}
		out = append(out, a)
		if len(out) == max {
			break
		}
	}
	return out
}

func (p *peerStore) expire() {
	now := p.now()
	for ih, sw := range p.swarms {
		for a, exp := range sw {
			if now.After(exp) {
				delete(sw, a)
			}
		}
		if len(sw) == 0 {
			delete(p.swarms, ih)
		}
	}
}

// sample returns up to n random info-hashes (BEP 51) and the total count.
func (p *peerStore) sample(n int) ([]metainfo.InfoHash, int) {
	all := make([]metainfo.InfoHash, 0, len(p.swarms))
	for ih := range p.swarms {
		all = append(all, ih)
	}
	rand.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	if len(all) > n {
		all = all[:n]
	}
	return all, len(p.swarms)
}

func (p *peerStore) counts() (infoHashes, peers int) {
	for _, sw := range p.swarms {
		peers += len(sw)
	}
	return len(p.swarms), peers
}
