package udpmux

import (
	"net"
	"net/netip"
	"sync"
)

// View is the mux's KRPC traffic seen as a socket: the dht package reads and writes it as it
// would its own *net.UDPConn, without knowing the socket is shared. Reads return the KRPC
// datagrams the reader queued; writes go out on the shared socket. Closing the view detaches
// it (the socket stays open for the others); reads and writes then fail with net.ErrClosed.
type View struct {
	m      *Mux
	q      chan packet // bounded: Config.KRPCQueue
	closed chan struct{}
	once   sync.Once
}

type packet struct {
	buf  *[]byte // from krpcBufs
	n    int
	from netip.AddrPort
}

// krpcBufs pools the queue's buffers: MaxKRPCSize bytes each.
var krpcBufs = sync.Pool{New: func() any { b := make([]byte, MaxKRPCSize); return &b }}

// KRPC opens the view of the KRPC datagrams; there is at most one open view per mux, so two
// DHT nodes cannot share a socket by mistake.
func (m *Mux) KRPC() (*View, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	select {
	case <-m.closed:
		return nil, ErrClosed
	default:
	}
	if m.view != nil {
		return nil, ErrKRPCTaken
	}
	m.view = &View{m: m, q: make(chan packet, m.cfg.KRPCQueue), closed: make(chan struct{})}
	return m.view, nil
}

// deliverKRPC queues a copy of b for the view in a pooled buffer; with no view, a full queue
// or more than MaxKRPCSize bytes it drops and counts the datagram.
func (m *Mux) deliverKRPC(b []byte, from netip.AddrPort) {
	if len(b) > MaxKRPCSize {
		m.st.drop(&m.st.oversized)
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	v := m.view
	if v == nil {
		m.st.drop(&m.st.noDHT)
		return
	}
	buf := krpcBufs.Get().(*[]byte)
	p := packet{buf: buf, n: copy(*buf, b), from: from}
	select {
	case v.q <- p:
		m.st.krpcIn.Add(1)
	default:
		krpcBufs.Put(buf)
		m.st.drop(&m.st.queueFull)
	}
}

// ReadFromUDPAddrPort waits for the next KRPC datagram and copies it into b (truncated to
// len(b)).
func (v *View) ReadFromUDPAddrPort(b []byte) (int, netip.AddrPort, error) {
	select {
	case p := <-v.q:
		n := copy(b, (*p.buf)[:p.n])
		krpcBufs.Put(p.buf)
		return n, p.from, nil
	case <-v.closed:
	case <-v.m.closed:
	}
	return 0, netip.AddrPort{}, net.ErrClosed
}

// WriteToUDPAddrPort sends b to addr on the shared socket.
func (v *View) WriteToUDPAddrPort(b []byte, addr netip.AddrPort) (int, error) {
	select {
	case <-v.closed:
		return 0, net.ErrClosed
	default:
	}
	return v.m.WriteTo(b, addr)
}

// LocalAddr returns the shared socket's address (a *net.UDPAddr).
func (v *View) LocalAddr() net.Addr { return net.UDPAddrFromAddrPort(v.m.local) }

// Close detaches the view from the mux and frees what it queued; the socket stays open.
func (v *View) Close() error {
	v.once.Do(func() {
		v.m.mu.Lock()
		if v.m.view == v {
			v.m.view = nil
		}
		v.m.mu.Unlock()
		close(v.closed)
		for { // nothing is queued after the detach above
			select {
			case p := <-v.q:
				krpcBufs.Put(p.buf)
			default:
				return
			}
		}
	})
	return nil
}
