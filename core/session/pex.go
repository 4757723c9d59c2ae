package session

import (
	"net/netip"
	"time"

	"github.com/libbt/libbt/core/bencode"
)

// µTorrent peer exchange (ut_pex, BEP 11): every minute each peer hears which peers we gained
// and lost since the last message. Disabled for private torrents (BEP 27).

const (
	pexInterval     = time.Minute
	pexMaxPerList   = 50  // entries per added/dropped list in one message, as real clients send
	pexMaxIncoming  = 500 // a message naming more peers than this is abuse
	maxCandidates   = 2000
	pexFlagEncrypt  = 0x01
	pexFlagSeed     = 0x02
	pexFlagOutgoing = 0x10 // we reached it: it accepts connections
)

type pexMessage struct {
	Added    []byte `bencode:"added,omitempty"`
	AddedF   []byte `bencode:"added.f,omitempty"`
	Added6   []byte `bencode:"added6,omitempty"`
	Added6F  []byte `bencode:"added6.f,omitempty"`
	Dropped  []byte `bencode:"dropped,omitempty"`
	Dropped6 []byte `bencode:"dropped6,omitempty"`
}

type pexExtension struct{}

func (pexExtension) Name() string { return "ut_pex" }

func (pexExtension) NewPeer(e *ExtensionPeer) PeerExtension {
	if e.Private() {
		return nil
	}
	return &pexPeer{e: e, told: map[netip.AddrPort]bool{}}
}

type pexPeer struct {
	e        *ExtensionPeer
	lastSent time.Time
	lastRecv time.Time
	told     map[netip.AddrPort]bool // what this peer has heard from us
}

// pexAddr is the address other peers can reach p at: the one we dialled, or for an incoming
// peer its IP with the listen port from its extended handshake.
func (p *peerConn) pexAddr() (netip.AddrPort, bool) {
	if !p.incoming {
		return p.addr, true
	}
	if p.listenPort != 0 {
		return netip.AddrPortFrom(p.addr.Addr(), p.listenPort), true
	}
	return netip.AddrPort{}, false
}

func (x *pexPeer) Tick(now time.Time) {
	if now.Sub(x.lastSent) < pexInterval {
		return
	}
	t, self := x.e.t, x.e.p
	current := map[netip.AddrPort]byte{}
	for q := range t.peers {
		if q == self {
			continue
		}
		if a, ok := q.pexAddr(); ok {
			var flags byte
			if q.has.Len() > 0 && q.has.All() || q.uploadOnly {
				flags |= pexFlagSeed
			}
			if !q.incoming {
				flags |= pexFlagOutgoing
			}
			current[a] = flags
		}
	}
	var msg pexMessage
	added, dropped := 0, 0
	for a, flags := range current {
		if x.told[a] || added >= pexMaxPerList {
			continue
		}
		added++
		x.told[a] = true
		if a.Addr().Is4() {
			msg.Added = appendCompact(msg.Added, a)
			msg.AddedF = append(msg.AddedF, flags)
		} else {
			msg.Added6 = appendCompact(msg.Added6, a)
			msg.Added6F = append(msg.Added6F, flags)
		}
	}
	for a := range x.told {
		if _, ok := current[a]; ok || dropped >= pexMaxPerList {
			continue
		}
		dropped++
		delete(x.told, a)
		if a.Addr().Is4() {
			msg.Dropped = appendCompact(msg.Dropped, a)
		} else {
			msg.Dropped6 = appendCompact(msg.Dropped6, a)
		}
	}
	if added+dropped == 0 {
		return
	}
	x.lastSent = now
	if payload, err := bencode.Marshal(msg); err == nil {
		x.e.Send(payload)
	}
}

func (x *pexPeer) Message(payload []byte) error {
	added, err := parsePEX(payload)
	if err != nil {
		return err
	}
	now := time.Now()
	if now.Sub(x.lastRecv) < pexInterval/6 {
		return nil // more often than any real client sends: ignore, don't act on floods
	}
	x.lastRecv = now
	t := x.e.t
	for _, a := range added {
		if t.isBanned(a) || len(t.candidates) >= maxCandidates {
			continue
		}
		if _, known := t.candidates[a]; !known {
			t.candidates[a] = sourcePEX
		}
	}
	t.connectPeers()
	return nil
}

// parsePEX decodes a ut_pex message and returns the peers it adds (dropped peers are only
// checked for shape). Lists that are not whole compact entries, and messages naming more than
// pexMaxIncoming peers, are protocol errors; entries with port 0 are skipped.
func parsePEX(payload []byte) ([]netip.AddrPort, error) {
	var msg pexMessage
	if err := bencode.Unmarshal(payload, &msg); err != nil {
		return nil, protocolError("ut_pex: %v", err)
	}
	if len(msg.Added)%6 != 0 || len(msg.Added6)%18 != 0 || len(msg.Dropped)%6 != 0 || len(msg.Dropped6)%18 != 0 {
		return nil, protocolError("ut_pex: peer lists are not whole compact entries")
	}
	if n := len(msg.Added)/6 + len(msg.Added6)/18 + len(msg.Dropped)/6 + len(msg.Dropped6)/18; n > pexMaxIncoming {
		return nil, protocolError("ut_pex: %d peers in one message", n)
	}
	var added []netip.AddrPort
	for _, l := range []struct {
		list []byte
		size int
	}{{msg.Added, 6}, {msg.Added6, 18}} {
		for i := 0; i+l.size <= len(l.list); i += l.size {
			if a := parseCompact(l.list[i : i+l.size]); a.IsValid() && a.Port() != 0 {
				added = append(added, a)
			}
		}
	}
	return added, nil
}

func (x *pexPeer) Close() {}

func appendCompact(b []byte, a netip.AddrPort) []byte {
	if a.Addr().Is4() {
		ip := a.Addr().As4()
		b = append(b, ip[:]...)
	} else {
		ip := a.Addr().As16()
		b = append(b, ip[:]...)
	}
	return append(b, byte(a.Port()>>8), byte(a.Port()))
}

func parseCompact(b []byte) netip.AddrPort {
	port := uint16(b[len(b)-2])<<8 | uint16(b[len(b)-1])
	switch len(b) {
	case 6:
		return netip.AddrPortFrom(netip.AddrFrom4([4]byte(b[:4])), port)
	case 18:
		return netip.AddrPortFrom(netip.AddrFrom16([16]byte(b[:16])).Unmap(), port)
	}
	return netip.AddrPort{}
}
