// Package ext is the BEP 10 extension-protocol plug-in API: what an extension (ut_pex in
// core/pex, or a user's) implements and what it may do with a peer. core/session registers
// extensions, offers them in every extended handshake and calls them; an extension never sees
// the session's types.
//
// Every method of an Extension, a PeerExtension and a Peer runs on the goroutine of the
// peer's torrent and must not block: no I/O, no waiting on channels or locks held elsewhere.
package ext

import (
	"errors"
	"net/netip"
	"time"

	"github.com/libbt/libbt/core/metainfo"
)

// ErrProtocol marks a peer that broke an extension's protocol: a PeerExtension.Message error
// wrapping it disconnects the peer with a peer_error alert.
var ErrProtocol = errors.New("protocol violation")

// Extension adds a BEP 10 extension-protocol message to every torrent of a session.
type Extension interface {
	// Name is the extension's key in the handshake's "m" dictionary, e.g. "ut_pex".
	Name() string
	// NewPeer is called when a peer's extended handshake says it supports the extension. It
	// returns the extension's state for that peer, or nil to leave the peer alone.
	NewPeer(p Peer) PeerExtension
}

// PeerExtension is one extension's state for one peer.
type PeerExtension interface {
	// Message handles one message of this extension; an error disconnects the peer.
	Message(payload []byte) error
	// Tick runs about once a second.
	Tick(now time.Time)
	// Close runs when the peer disconnects.
	Close()
}

// Peer is what an extension may do with its peer and the peer's torrent.
type Peer interface {
	// Addr is the peer's address.
	Addr() netip.AddrPort
	// InfoHash is the torrent's info-hash.
	InfoHash() metainfo.InfoHash
	// Private reports whether the torrent is private (BEP 27): peer-sharing extensions must
	// not run for it.
	Private() bool
	// Send sends payload as a message of this extension (nothing if the peer took no id for it).
	Send(payload []byte)
	// Disconnect drops the peer.
	Disconnect(reason error)
	// Swarm lists the torrent's other connected peers that can be reached (those we dialled, and
	// incoming ones that told us their listen port).
	Swarm() []SwarmPeer
	// AddPeers gives the torrent addresses to connect to (banned and known ones are skipped, the
	// candidate list is bounded); they count as learned by peer exchange.
	AddPeers(addrs []netip.AddrPort)
}

// SwarmPeer is one connected peer as another peer may hear of it.
type SwarmPeer struct {
	Addr     netip.AddrPort // where it accepts connections
	Seed     bool           // it has every piece, or said it is upload-only (BEP 21)
	Outgoing bool           // we dialled it: it accepts connections
}
