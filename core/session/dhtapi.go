package session

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"net/netip"

	"github.com/libbt/libbt/core/metainfo"
	"github.com/libbt/libbt/dht"
)

// The session's DHT as an API (for the C API and other users that should not depend on the dht
// package): statistics, announces and peer lookups, and BEP 44 items. Every call returns
// ErrDHTOff while enable_dht is off. The lookups block until they finish or ctx ends; call them
// from the caller's goroutine, never from a torrent's.

// ErrDHTOff is returned by the DHT calls while enable_dht is off.
var ErrDHTOff = errors.New("the DHT is off (enable_dht)")

// DHTStats are the DHT node's counters.
type DHTStats = dht.Stats

// DHTItem is a BEP 44 item: immutable (its target is the SHA-1 of its value) or mutable (signed
// with an ed25519 key, optionally salted, with a sequence number).
type DHTItem struct{ it *dht.Item }

// NewDHTImmutableItem makes an immutable item of value v (a bencoded value of at most 1000
// bytes).
func NewDHTImmutableItem(v []byte) (DHTItem, error) {
	it, err := dht.NewImmutableItem(v)
	return DHTItem{it}, err
}

// NewDHTMutableItem makes a mutable item signed with the ed25519 key derived from seed
// (ed25519.SeedSize bytes), and returns it with the key's public half.
func NewDHTMutableItem(seed, v, salt []byte, seq int64) (DHTItem, ed25519.PublicKey, error) {
	if len(seed) != ed25519.SeedSize {
		return DHTItem{}, nil, fmt.Errorf("%w: a key seed has %d bytes, not %d", ErrInvalidArgument, ed25519.SeedSize, len(seed))
	}
	priv := ed25519.NewKeyFromSeed(seed)
	it, err := dht.NewMutableItem(priv, v, salt, seq)
	if err != nil {
		return DHTItem{}, nil, err
	}
	return DHTItem{it}, priv.Public().(ed25519.PublicKey), nil
}

// Target is the item's DHT key.
func (i DHTItem) Target() [20]byte { return i.it.Target() }

// Value is the item's bencoded value.
func (i DHTItem) Value() []byte { return i.it.V }

// Seq is a mutable item's sequence number.
func (i DHTItem) Seq() int64 { return i.it.Seq }

// DHTRunning reports whether the DHT node is running (enable_dht).
func (s *Session) DHTRunning() bool { return s.DHT() != nil }

func (s *Session) dhtNode() (*dht.Server, error) {
	if d := s.DHT(); d != nil {
		return d, nil
	}
	return nil, ErrDHTOff
}

// DHTStats returns the DHT node's counters.
func (s *Session) DHTStats() (DHTStats, error) {
	d, err := s.dhtNode()
	if err != nil {
		return DHTStats{}, err
	}
	return d.Stats(), nil
}

// DHTAnnounce announces that port (the listen port when port <= 0) has peers of ih.
func (s *Session) DHTAnnounce(ctx context.Context, ih metainfo.InfoHash, port int) error {
	d, err := s.dhtNode()
	if err != nil {
		return err
	}
	if port <= 0 {
		port = s.ListenPort()
	}
	return d.Announce(ctx, ih, port, false)
}

// DHTGetPeers looks up peers of ih.
func (s *Session) DHTGetPeers(ctx context.Context, ih metainfo.InfoHash) ([]netip.AddrPort, error) {
	d, err := s.dhtNode()
	if err != nil {
		return nil, err
	}
	return d.GetPeers(ctx, ih)
}

// DHTPut stores an item on the nodes closest to its target and returns how many took it.
func (s *Session) DHTPut(ctx context.Context, item DHTItem) (int, error) {
	d, err := s.dhtNode()
	if err != nil {
		return 0, err
	}
	if item.it == nil {
		return 0, fmt.Errorf("%w: empty DHT item", ErrInvalidArgument)
	}
	return d.Put(ctx, item.it, nil)
}

// DHTGetImmutable fetches the immutable item with the given target.
func (s *Session) DHTGetImmutable(ctx context.Context, target [20]byte) (DHTItem, error) {
	d, err := s.dhtNode()
	if err != nil {
		return DHTItem{}, err
	}
	it, err := d.GetImmutable(ctx, dht.NodeID(target))
	return DHTItem{it}, err
}

// DHTGetMutable fetches the newest mutable item of the public key and salt.
func (s *Session) DHTGetMutable(ctx context.Context, pub ed25519.PublicKey, salt []byte) (DHTItem, error) {
	d, err := s.dhtNode()
	if err != nil {
		return DHTItem{}, err
	}
	it, err := d.GetMutable(ctx, pub, salt)
	return DHTItem{it}, err
}
