// Package pex is µTorrent peer exchange (ut_pex, BEP 11) as an extension (core/ext): every
// minute each peer hears which peers we gained and lost since the last message, and the peers it
// tells us of become candidates of the torrent. Disabled for private torrents (BEP 27).
//
// Its state is per peer and owned by the torrent's goroutine (core/ext's rule); it does no I/O
// beyond ext.Peer.Send and starts no goroutines.
package pex

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/libbt/libbt/core/bencode"
	"github.com/libbt/libbt/core/ext"
)

const (
	pexInterval     = time.Minute
	pexMaxPerList   = 50  // entries per added/dropped list in one message, as real clients send
	pexMaxIncoming  = 500 // a message naming more peers than this is abuse
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

// Extension is ut_pex.
type Extension struct{}

// Name is ut_pex's key in the extended handshake.
func (Extension) Name() string { return "ut_pex" }

// NewPeer starts peer exchange with a peer (none for a private torrent).
func (Extension) NewPeer(e ext.Peer) ext.PeerExtension {
	if e.Private() {
		return nil
	}
	return &pexPeer{e: e, told: map[netip.AddrPort]bool{}}
}

type pexPeer struct {
	e        ext.Peer
	lastSent time.Time
	lastRecv time.Time
	told     map[netip.AddrPort]bool // what this peer has heard from us
}

func (x *pexPeer) Tick(now time.Time) {
	if now.Sub(x.lastSent) < pexInterval {
		return
	}
	current := map[netip.AddrPort]byte{}
	for _, q := range x.e.Swarm() {
		var flags byte
		if q.Seed {
			flags |= pexFlagSeed
		}
		if q.Outgoing {
			flags |= pexFlagOutgoing
		}
		current[q.Addr] = flags
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
	x.e.AddPeers(added)
	return nil
}

func protocolError(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ext.ErrProtocol, fmt.Sprintf(format, args...))
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
