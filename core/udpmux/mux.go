package udpmux

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/libbt/libbt/core/guard"
)

// Limits and defaults; see the package doc for the memory they bound.
const (
	// DefaultMaxPendingTx bounds the tracker transactions waiting for a reply on one socket.
	DefaultMaxPendingTx = 1024
	// DefaultKRPCQueue is how many KRPC datagrams wait for the DHT before more are dropped.
	DefaultKRPCQueue = 256
	// DefaultReadBuffer is the socket receive buffer asked of the kernel (best effort): room
	// for a burst of tracker replies when thousands of torrents announce together.
	DefaultReadBuffer = 2 << 20
	// MaxKRPCSize is the largest KRPC datagram taken (dht/krpc's MaxMessageSize): larger
	// ones are dropped as oversized.
	MaxKRPCSize = 1500
	// MaxTrackerReply is the largest tracker reply taken: a BEP 15 announce reply with
	// about 900 IPv6 or 2,700 IPv4 peers. Larger ones are dropped as oversized.
	MaxTrackerReply = 16 << 10
	// maxDatagram is the reader's buffer: the largest UDP payload.
	maxDatagram = 64 << 10
	// readErrorBackoff keeps a socket that keeps failing from spinning the reader.
	readErrorBackoff = 10 * time.Millisecond
)

// Errors returned by a Mux.
var (
	ErrClosed         = errors.New("udpmux: closed")
	ErrTooManyPending = errors.New("udpmux: too many tracker transactions pending")
	ErrKRPCTaken      = errors.New("udpmux: the KRPC view is already open")
)

// Config configures a Mux; the zero value takes the defaults.
type Config struct {
	// MaxPendingTx bounds the transaction table; zero means DefaultMaxPendingTx.
	MaxPendingTx int
	// KRPCQueue is the view's queue length; zero means DefaultKRPCQueue.
	KRPCQueue int
	// ReadBuffer is the socket receive buffer in bytes; zero means DefaultReadBuffer, a
	// negative value leaves the kernel's default.
	ReadBuffer int
	// OnPanic is told of a panic recovered on the reader goroutine (which then restarts);
	// nil writes it to standard error. It must not block.
	OnPanic func(*guard.Panic)
}

func (c Config) withDefaults() Config {
	if c.MaxPendingTx <= 0 {
		c.MaxPendingTx = DefaultMaxPendingTx
	}
	if c.KRPCQueue <= 0 {
		c.KRPCQueue = DefaultKRPCQueue
	}
	if c.ReadBuffer == 0 {
		c.ReadBuffer = DefaultReadBuffer
	}
	return c
}

// Mux is one UDP socket and its demultiplexer. Create it with Listen; it is safe for
// concurrent use.
type Mux struct {
	cfg   Config
	conn  *net.UDPConn
	local netip.AddrPort

	mu   sync.Mutex
	txs  map[uint32]*Tx // bounded by cfg.MaxPendingTx (NewTx)
	view *View
	utp  func(b []byte, from netip.AddrPort) bool

	st     counters
	closed chan struct{}
	once   sync.Once
	wg     sync.WaitGroup
}

// Listen opens the UDP socket on addr (IPv4 or IPv6; an IPv6 socket takes IPv6 only) and
// starts its reader.
func Listen(addr netip.AddrPort, cfg Config) (*Mux, error) {
	addr = unmap(addr)
	network := "udp4"
	if addr.Addr().Is6() {
		network = "udp6"
	}
	conn, err := net.ListenUDP(network, net.UDPAddrFromAddrPort(addr))
	if err != nil {
		return nil, fmt.Errorf("udpmux: listen %v: %w", addr, err)
	}
	m := &Mux{
		cfg:    cfg.withDefaults(),
		conn:   conn,
		local:  unmap(conn.LocalAddr().(*net.UDPAddr).AddrPort()),
		txs:    make(map[uint32]*Tx),
		closed: make(chan struct{}),
	}
	if m.cfg.ReadBuffer > 0 {
		_ = conn.SetReadBuffer(m.cfg.ReadBuffer) // best effort: the kernel may cap it
	}
	m.wg.Add(1)
	guard.Go("udpmux reader "+m.local.String(), func() {
		defer m.wg.Done()
		guard.Supervise("udpmux reader "+m.local.String(), m.closed, m.readLoop, m.cfg.OnPanic)
	}, m.cfg.OnPanic)
	return m, nil
}

// LocalAddr returns the bound address.
func (m *Mux) LocalAddr() netip.AddrPort { return m.local }

// Is6 reports whether the socket is IPv6.
func (m *Mux) Is6() bool { return m.local.Addr().Is6() }

// WriteTo sends one datagram to addr.
func (m *Mux) WriteTo(b []byte, addr netip.AddrPort) (int, error) {
	select {
	case <-m.closed:
		return 0, ErrClosed
	default:
	}
	n, err := m.conn.WriteToUDPAddrPort(b, unmap(addr))
	if err != nil {
		m.st.writeErrors.Add(1)
		return n, fmt.Errorf("udpmux: send to %v: %w", addr, err)
	}
	m.st.packetsOut.Add(1)
	m.st.bytesOut.Add(uint64(n))
	return n, nil
}

// SetUTPHandler sets (or, with nil, removes) the uTP handler (core/utp's Socket.Deliver). It
// is called on the reader goroutine with a datagram that is valid only during the call, and
// must not block. It returns whether the datagram was uTP for us: a SYN, or a packet for a
// connection it knows; the others are counted as DroppedUTPNoConn.
func (m *Mux) SetUTPHandler(h func(b []byte, from netip.AddrPort) bool) {
	m.mu.Lock()
	m.utp = h
	m.mu.Unlock()
}

// Close closes the socket and waits for the reader. Transactions in flight see Closed; the
// KRPC view's reads and writes fail with net.ErrClosed.
func (m *Mux) Close() error {
	var err error
	m.once.Do(func() {
		close(m.closed)
		err = m.conn.Close()
	})
	m.wg.Wait()
	return err
}

func (m *Mux) readLoop() {
	buf := make([]byte, maxDatagram)
	for {
		n, from, err := m.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			select {
			case <-m.closed:
				return
			default:
			}
			if errors.Is(err, net.ErrClosed) {
				return
			}
			m.st.readErrors.Add(1)
			timer := time.NewTimer(readErrorBackoff)
			select {
			case <-m.closed:
				timer.Stop()
				return
			case <-timer.C:
			}
			continue
		}
		m.dispatch(buf[:n], unmap(from))
	}
}

// dispatch hands one datagram to its taker, or drops and counts it; it never blocks.
// PacketsIn counts a datagram once it has been handled, so a reader of Stats that sees it
// also sees where it went.
func (m *Mux) dispatch(b []byte, from netip.AddrPort) {
	defer func() {
		m.st.bytesIn.Add(uint64(len(b)))
		m.st.packetsIn.Add(1)
	}()
	switch Classify(b) {
	case KindKRPC:
		m.deliverKRPC(b, from)
	case KindTracker:
		m.deliverTracker(b, from)
	case KindUTP:
		m.mu.Lock()
		h := m.utp
		m.mu.Unlock()
		if h == nil {
			m.st.drop(&m.st.noUTP)
			return
		}
		if !h(b, from) {
			m.st.drop(&m.st.utpNoConn)
			return
		}
		m.st.utpIn.Add(1)
	default:
		m.st.drop(&m.st.unknown)
	}
}

func unmap(a netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(a.Addr().Unmap(), a.Port())
}
