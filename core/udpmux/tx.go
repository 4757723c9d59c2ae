package udpmux

import (
	"math/rand/v2"
	"net/netip"
)

// Tx is one tracker request waiting for its reply: a random transaction id registered for
// one remote address. A reply with that id from that address is delivered once to Reply;
// Close unregisters it. A Tx is used by one goroutine.
type Tx struct {
	m      *Mux
	id     uint32
	remote netip.AddrPort
	ch     chan []byte // one reply; the reader never blocks on it
	got    bool        // a reply was delivered; guarded by m.mu
}

// NewTx registers a fresh random transaction id (never 0, never one pending on this socket)
// for requests to remote. The table holds at most Config.MaxPendingTx transactions: beyond
// that NewTx fails with ErrTooManyPending.
func (m *Mux) NewTx(remote netip.AddrPort) (*Tx, error) {
	t := &Tx{m: m, remote: unmap(remote), ch: make(chan []byte, 1)}
	m.mu.Lock()
	defer m.mu.Unlock()
	select {
	case <-m.closed:
		return nil, ErrClosed
	default:
	}
	if len(m.txs) >= m.cfg.MaxPendingTx {
		m.st.txRefused.Add(1)
		return nil, ErrTooManyPending
	}
	for t.id == 0 || m.txs[t.id] != nil {
		t.id = rand.Uint32()
	}
	m.txs[t.id] = t
	return t, nil
}

// ID returns the transaction id to put in the request.
func (t *Tx) ID() uint32 { return t.id }

// Remote returns the address replies must come from.
func (t *Tx) Remote() netip.AddrPort { return t.remote }

// Send sends a request datagram to the remote address.
func (t *Tx) Send(b []byte) error {
	_, err := t.m.WriteTo(b, t.remote)
	return err
}

// Reply yields the reply datagram (from the action field on, a copy the receiver owns).
func (t *Tx) Reply() <-chan []byte { return t.ch }

// Closed is closed when the mux closes: no reply will come.
func (t *Tx) Closed() <-chan struct{} { return t.m.closed }

// Close unregisters the transaction; later replies to it are dropped as unknown.
func (t *Tx) Close() {
	t.m.mu.Lock()
	if t.m.txs[t.id] == t {
		delete(t.m.txs, t.id)
	}
	t.m.mu.Unlock()
}

// deliverTracker hands a tracker reply to its transaction. The copy is at most
// MaxTrackerReply bytes and each transaction holds at most one.
func (m *Mux) deliverTracker(b []byte, from netip.AddrPort) {
	id := TrackerTxID(b)
	m.mu.Lock()
	defer m.mu.Unlock()
	switch t := m.txs[id]; {
	case t == nil:
		m.st.drop(&m.st.unknownTx) // spoofed, late, or never ours
	case t.remote != from:
		m.st.drop(&m.st.wrongSource)
	case len(b) > MaxTrackerReply:
		m.st.drop(&m.st.oversized)
	case t.got:
		m.st.drop(&m.st.duplicate) // the one reply it waits for has come already
	default:
		t.got = true
		t.ch <- append([]byte(nil), b...) // the one slot is free: never blocks
		m.st.trackerIn.Add(1)
	}
}
