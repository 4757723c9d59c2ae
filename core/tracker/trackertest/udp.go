package trackertest

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/libbt/libbt/core/tracker"
)

const (
	udpMagic         = 0x41727101980
	udpConnIDTimeout = 2 * time.Minute
)

// UDP is a BEP 15 tracker on a loopback UDP socket. Announces with an
// unknown connection id are silently ignored, as real trackers do.
type UDP struct {
	*swarms
	conn *net.UDPConn
	v6   bool
	done chan struct{}
	wg   sync.WaitGroup

	mu       sync.Mutex
	ids      map[uint64]time.Time // connection id -> expiry
	drop     int                  // incoming datagrams still to drop
	connects int
	delay    time.Duration               // replies are sent this late
	sources  map[netip.AddrPort]struct{} // every address a request came from
}

// NewUDP starts a UDP tracker on 127.0.0.1:0. Like httptest.NewServer it
// panics if it cannot listen.
func NewUDP() *UDP { return NewUDPAddr("127.0.0.1:0") }

// NewUDPAddr starts a UDP tracker on addr, e.g. "[::1]:0" for an IPv6
// tracker (which returns 18-byte IPv6 peers). It panics if it cannot listen.
func NewUDPAddr(addr string) *UDP {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil || !ap.Addr().IsLoopback() {
		panic(fmt.Sprintf("trackertest: %q is not a loopback address", addr))
	}
	conn, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(ap))
	if err != nil {
		panic(fmt.Sprintf("trackertest: listen udp %s: %v", addr, err))
	}
	u := &UDP{
		swarms:  newSwarms(),
		conn:    conn,
		v6:      ap.Addr().Is6(),
		done:    make(chan struct{}),
		ids:     make(map[uint64]time.Time),
		sources: make(map[netip.AddrPort]struct{}),
	}
	u.wg.Add(1)
	go u.serve()
	return u
}

// URL returns the announce URL, udp://host:port/announce.
func (u *UDP) URL() string { return "udp://" + u.Addr().String() + "/announce" }

// Addr returns the listening address.
func (u *UDP) Addr() netip.AddrPort { return u.conn.LocalAddr().(*net.UDPAddr).AddrPort() }

// Close stops the server and waits for its goroutine.
func (u *UDP) Close() {
	select {
	case <-u.done:
		return
	default:
	}
	close(u.done)
	u.conn.Close()
	u.wg.Wait()
}

// DropNext makes the server ignore the next n datagrams it receives
// (connect or announce), to exercise client retries.
func (u *UDP) DropNext(n int) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.drop = n
}

// SetDelay makes the server send every reply d after the request: announces stay in
// flight together, as they would with a distant tracker.
func (u *UDP) SetDelay(d time.Duration) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.delay = d
}

// Sources returns every distinct address requests came from: one per client socket.
func (u *UDP) Sources() []netip.AddrPort {
	u.mu.Lock()
	defer u.mu.Unlock()
	out := make([]netip.AddrPort, 0, len(u.sources))
	for a := range u.sources {
		out = append(out, a)
	}
	return out
}

// Connects returns how many connect requests were answered.
func (u *UDP) Connects() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.connects
}

func (u *UDP) serve() {
	defer u.wg.Done()
	buf := make([]byte, 2048)
	for {
		n, from, err := u.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			select {
			case <-u.done:
				return
			default:
			}
			continue
		}
		u.mu.Lock()
		u.sources[from] = struct{}{}
		delay := u.delay
		u.mu.Unlock()
		if reply := u.handle(buf[:n], from); reply != nil {
			if delay > 0 {
				time.AfterFunc(delay, func() { u.conn.WriteToUDPAddrPort(reply, from) })
			} else {
				u.conn.WriteToUDPAddrPort(reply, from)
			}
		}
	}
}

func (u *UDP) handle(b []byte, from netip.AddrPort) []byte {
	u.mu.Lock()
	if u.drop > 0 {
		u.drop--
		u.mu.Unlock()
		return nil
	}
	u.mu.Unlock()
	if len(b) < 16 {
		return nil
	}
	action := binary.BigEndian.Uint32(b[8:])
	tid := b[12:16]
	switch {
	case action == 0 && binary.BigEndian.Uint64(b) == udpMagic:
		var idb [8]byte
		rand.Read(idb[:])
		id := binary.BigEndian.Uint64(idb[:])
		u.mu.Lock()
		now := time.Now()
		for k, exp := range u.ids {
			if now.After(exp) {
				delete(u.ids, k)
			}
		}
		u.ids[id] = now.Add(udpConnIDTimeout)
		u.connects++
		u.mu.Unlock()
		out := make([]byte, 16)
		copy(out[4:8], tid)
		copy(out[8:], idb[:])
		return out
	case action == 1 && len(b) >= 98:
		u.mu.Lock()
		exp, ok := u.ids[binary.BigEndian.Uint64(b)]
		u.mu.Unlock()
		if !ok || time.Now().After(exp) {
			return nil
		}
		return u.announce(b, tid, from)
	}
	return nil
}

func (u *UDP) announce(b, tid []byte, from netip.AddrPort) []byte {
	a := Announce{
		InfoHash:   [20]byte(b[16:36]),
		PeerID:     [20]byte(b[36:56]),
		Downloaded: int64(binary.BigEndian.Uint64(b[56:])),
		Left:       int64(binary.BigEndian.Uint64(b[64:])),
		Uploaded:   int64(binary.BigEndian.Uint64(b[72:])),
		Event:      tracker.ParseUDPEvent(binary.BigEndian.Uint32(b[80:])),
		Key:        binary.BigEndian.Uint32(b[88:]),
		NumWant:    int(int32(binary.BigEndian.Uint32(b[92:]))),
		Addr:       netip.AddrPortFrom(from.Addr().Unmap(), binary.BigEndian.Uint16(b[96:])),
		URLData:    parseURLData(b[98:]),
	}
	peers, seeders, leechers, failure := u.swarms.announce(a)
	if failure != "" {
		out := make([]byte, 8, 8+len(failure))
		binary.BigEndian.PutUint32(out, 3)
		copy(out[4:8], tid)
		return append(out, failure...)
	}
	interval, _ := u.intervals()
	out := make([]byte, 20, 20+18*len(peers))
	binary.BigEndian.PutUint32(out, 1)
	copy(out[4:8], tid)
	binary.BigEndian.PutUint32(out[8:], uint32(interval/time.Second))
	binary.BigEndian.PutUint32(out[12:], uint32(leechers))
	binary.BigEndian.PutUint32(out[16:], uint32(seeders))
	for _, p := range peers {
		if u.v6 {
			if !p.Addr().Is6() {
				continue
			}
			ip := p.Addr().As16()
			out = append(out, ip[:]...)
		} else {
			if !p.Addr().Is4() {
				continue
			}
			ip := p.Addr().As4()
			out = append(out, ip[:]...)
		}
		out = binary.BigEndian.AppendUint16(out, p.Port())
	}
	return out
}

// parseURLData collects BEP 41 URLData options (type 2), stopping at
// EndOfOptions (0) or a truncated option; NOP (1) is skipped.
func parseURLData(opts []byte) string {
	var data []byte
	for len(opts) > 0 {
		switch opts[0] {
		case 0:
			return string(data)
		case 1:
			opts = opts[1:]
			continue
		}
		if len(opts) < 2 || len(opts) < 2+int(opts[1]) {
			break
		}
		if opts[0] == 2 {
			data = append(data, opts[2:2+int(opts[1])]...)
		}
		opts = opts[2+int(opts[1]):]
	}
	return string(data)
}
