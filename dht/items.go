package dht

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha1"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/libbt/libbt/core/bencode"
	"github.com/libbt/libbt/dht/krpc"
)

// Item store limits (BEP 44).
const (
	itemTTL  = 2 * time.Hour
	maxItems = 1000
)

// Item is a BEP 44 data item. It is immutable when it has no public key;
// then its target is SHA-1(V). A mutable item's target is SHA-1(K || Salt)
// and Sig signs Salt, Seq and V.
type Item struct {
	V    bencode.RawMessage // the bencoded value, at most 1000 bytes
	K    []byte             // ed25519 public key (32 bytes), mutable only
	Salt []byte             // optional, at most 64 bytes
	Seq  int64
	Sig  []byte // ed25519 signature (64 bytes), mutable only
}

// Mutable reports whether the item is signed.
func (it *Item) Mutable() bool { return len(it.K) != 0 }

// Target is where the item lives in the DHT.
func (it *Item) Target() NodeID {
	if it.Mutable() {
		return MutableTarget(it.K, it.Salt)
	}
	return NodeID(sha1.Sum(it.V))
}

// MutableTarget is SHA-1(public key || salt).
func MutableTarget(pub, salt []byte) NodeID {
	return NodeID(sha1.Sum(append(append([]byte(nil), pub...), salt...)))
}

// ImmutableTarget is SHA-1 of the bencoded value.
func ImmutableTarget(v []byte) NodeID { return NodeID(sha1.Sum(v)) }

// signedBytes is what a mutable item's signature covers:
// ["4:salt" len ":" salt] "3:seqi" seq "e1:v" v.
func signedBytes(salt []byte, seq int64, v []byte) []byte {
	var b []byte
	if len(salt) > 0 {
		b = append(b, "4:salt"...)
		b = strconv.AppendInt(b, int64(len(salt)), 10)
		b = append(b, ':')
		b = append(b, salt...)
	}
	b = append(b, "3:seqi"...)
	b = strconv.AppendInt(b, seq, 10)
	b = append(b, "e1:v"...)
	return append(b, v...)
}

// NewMutableItem signs v (a bencoded value) with priv.
func NewMutableItem(priv ed25519.PrivateKey, v []byte, salt []byte, seq int64) (*Item, error) {
	it := &Item{V: v, K: priv.Public().(ed25519.PublicKey), Salt: salt, Seq: seq}
	it.Sig = ed25519.Sign(priv, signedBytes(salt, seq, v))
	return it, it.Check()
}

// NewImmutableItem wraps a bencoded value.
func NewImmutableItem(v []byte) (*Item, error) {
	it := &Item{V: v}
	return it, it.Check()
}

// Errors of item checks; they map onto BEP 44 error codes.
var (
	ErrValueTooBig  = errors.New("dht: item value larger than 1000 bytes")
	ErrSaltTooBig   = errors.New("dht: item salt larger than 64 bytes")
	ErrBadSignature = errors.New("dht: item signature does not verify")
	ErrBadValue     = errors.New("dht: item value is not one bencoded value")
)

// Check validates sizes, the bencoding of V and, for a mutable item, the
// signature.
func (it *Item) Check() error {
	if len(it.V) > krpc.MaxValueSize {
		return ErrValueTooBig
	}
	if len(it.Salt) > krpc.MaxSaltSize {
		return ErrSaltTooBig
	}
	if !bencode.Valid(it.V) {
		return ErrBadValue
	}
	if !it.Mutable() {
		return nil
	}
	if len(it.K) != ed25519.PublicKeySize || len(it.Sig) != ed25519.SignatureSize ||
		!ed25519.Verify(ed25519.PublicKey(it.K), signedBytes(it.Salt, it.Seq, it.V), it.Sig) {
		return ErrBadSignature
	}
	return nil
}

func itemErrorCode(err error) int {
	switch {
	case errors.Is(err, ErrValueTooBig):
		return krpc.ErrValueTooBig
	case errors.Is(err, ErrSaltTooBig):
		return krpc.ErrSaltTooBig
	case errors.Is(err, ErrBadSignature):
		return krpc.ErrBadSignature
	}
	return krpc.ErrProtocol
}

type storedItem struct {
	item    *Item
	expires time.Time
}

// itemStore keeps BEP 44 items. Guarded by Server.mu; bounded by maxItems.
type itemStore struct {
	items map[NodeID]*storedItem
	now   func() time.Time
}

func newItemStore(now func() time.Time) *itemStore {
	return &itemStore{items: make(map[NodeID]*storedItem), now: now}
}

// putError is a refusal with its BEP 44 error code.
type putError struct {
	code int
	msg  string
}

func (e *putError) Error() string { return fmt.Sprintf("dht: put refused (%d): %s", e.code, e.msg) }

// put stores it (already Check()ed) under target, applying BEP 44's
// sequence and compare-and-swap rules.
func (s *itemStore) put(target NodeID, it *Item, cas *int64) error {
	now := s.now()
	old := s.items[target]
	if old != nil && now.After(old.expires) {
		delete(s.items, target)
		old = nil
	}
	if old != nil && it.Mutable() {
		if cas != nil && *cas != old.item.Seq {
			return &putError{krpc.ErrCASMismatch, "CAS mismatch"}
		}
		if it.Seq < old.item.Seq || it.Seq == old.item.Seq && !bytes.Equal(it.V, old.item.V) {
			return &putError{krpc.ErrSeqLessThanHave, "sequence number less than current"}
		}
	}
	if old == nil && len(s.items) >= maxItems {
		s.expire()
		if len(s.items) >= maxItems {
			return &putError{krpc.ErrServer, "item store full"}
		}
	}
	s.items[target] = &storedItem{item: it, expires: now.Add(itemTTL)}
	return nil
}

func (s *itemStore) get(target NodeID) *Item {
	x := s.items[target]
	if x == nil || s.now().After(x.expires) {
		return nil
	}
	return x.item
}

func (s *itemStore) expire() {
	now := s.now()
	for t, x := range s.items {
		if now.After(x.expires) {
			delete(s.items, t)
		}
	}
}
