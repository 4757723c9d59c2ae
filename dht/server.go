package dht

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/libbt/libbt/core/guard"
	"github.com/libbt/libbt/dht/krpc"
)

// Errors returned by queries and lookups.
var (
	ErrClosed   = errors.New("dht: server closed")
	ErrTimeout  = errors.New("dht: query timed out")
	ErrNoNodes  = errors.New("dht: no nodes to query (bootstrap first)")
	ErrNoSocket = errors.New("dht: no socket for that address family")
)

const (
	famV4 = 0
	famV6 = 1
	// amplification is how much larger than its query a reply to an
	// unverified address may be.
	amplification  = 3
	maxVerifyPings = 64
	verifiedTTL    = 15 * time.Minute
	maxVerified    = 10000
)

func famOf(a netip.AddrPort) int {
	if is6(a) {
		return famV6
	}
	return famV4
}

type txKey struct {
	tid  string
	addr netip.AddrPort
}

type call struct {
	ch chan *krpc.Msg
}

// Server is one DHT node. Create it with New; it is safe for concurrent use.
type Server struct {
	cfg   Config
	conns [2]PacketConn // v4, v6; nil for a family we have no socket for

	mu       sync.Mutex
	id       NodeID
	tables   [2]*table
	pending  map[txKey]*call
	nextTID  uint16
	tok      *tokens
	peers    *peerStore
	items    *itemStore
	lim      *limiter
	verified map[netip.AddrPort]time.Time           // addresses that answered us
	pinging  map[netip.AddrPort]bool                // verification pings in flight
	seeds    []NodeInfo                             // restored from Config.State
	votes    map[netip.Addr]map[netip.AddrPort]bool // BEP 42 external-IP votes by responder

	st     counters
	closed chan struct{}
	once   sync.Once
	wg     sync.WaitGroup
}

// New opens the sockets and starts the node. It contacts nobody until
// Bootstrap or a lookup is called.
func New(cfg Config) (*Server, error) {
	c := cfg.withDefaults()
	if len(c.Addrs) == 0 && len(c.Conns) == 0 {
		return nil, errors.New("dht: Config.Addrs and Config.Conns are empty")
	}
	s := &Server{
		cfg:      c,
		pending:  make(map[txKey]*call),
		tok:      newTokens(c.now),
		peers:    newPeerStore(c.now),
		items:    newItemStore(c.now),
		lim:      newLimiter(c.RateLimit, c.now),
		verified: make(map[netip.AddrPort]time.Time),
		pinging:  make(map[netip.AddrPort]bool),
		votes:    make(map[netip.Addr]map[netip.AddrPort]bool),
		closed:   make(chan struct{}),
	}
	var st *savedState
	if len(c.State) > 0 {
		var err error
		if st, err = parseState(c.State); err != nil {
			for _, conn := range c.Conns { // they were handed to us
				conn.Close()
			}
			return nil, err
		}
	}
	switch {
	case c.NodeID != NodeID{}:
		s.id = c.NodeID
	case st != nil && st.ID != NodeID{}:
		s.id = st.ID
	default:
		s.id = RandomID()
	}
	if st != nil {
		s.seeds = st.nodes()
	}
	for fam := range s.tables {
		s.tables[fam] = newTable(s.id, c.now)
		s.tables[fam].oneIP = c.RestrictRoutingIPs
	}
	if err := s.openConns(c); err != nil {
		s.closeConns()
		return nil, err
	}
	for fam, conn := range s.conns {
		if conn != nil {
			s.supervise("dht reader", func() { s.readLoop(conn, fam) })
		}
	}
	s.supervise("dht maintenance", s.maintainLoop)
	return s, nil
}

// goSafe runs f on a new goroutine; a panic there goes to Config.OnPanic.
func (s *Server) goSafe(where string, f func(), onPanic func(*guard.Panic)) {
	guard.Go(where, f, func(p *guard.Panic) {
		if onPanic != nil {
			onPanic(p)
		}
		if s.cfg.OnPanic != nil {
			s.cfg.OnPanic(p)
		}
	})
}

// supervise runs loop on a goroutine counted in wg, again after a panic, until it returns or
// the server closes.
func (s *Server) supervise(where string, loop func()) {
	s.wg.Add(1)
	guard.Go(where, func() {
		defer s.wg.Done()
		guard.Supervise(where, s.closed, loop, s.cfg.OnPanic)
	}, s.cfg.OnPanic)
}

func (s *Server) closeConns() {
	for _, c := range s.conns {
		if c != nil {
			c.Close()
		}
	}
}

// Close stops the node: sockets close, lookups in flight return ErrClosed.
func (s *Server) Close() error {
	s.once.Do(func() {
		close(s.closed)
		s.closeConns()
	})
	s.wg.Wait()
	return nil
}

// Addrs returns the bound UDP addresses (v4 first).
func (s *Server) Addrs() []netip.AddrPort {
	var out []netip.AddrPort
	for _, c := range s.conns {
		if c != nil {
			out = append(out, localAddr(c))
		}
	}
	return out
}

// Addr returns the first bound address.
func (s *Server) Addr() netip.AddrPort { return s.Addrs()[0] }

// ID returns our node id.
func (s *Server) ID() NodeID {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.id
}

// Stats returns a snapshot of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	st := Stats{NodeID: s.id}
	g, q, _ := s.tables[famV4].count()
	st.Good4, st.Nodes4 = g, g+q
	g, q, _ = s.tables[famV6].count()
	st.Good6, st.Nodes6 = g, g+q
	st.InfoHashes, st.Peers = s.peers.counts()
	st.Items = len(s.items.items)
	s.mu.Unlock()
	st.LookupsInFlight = int(s.st.lookups.Load())
	st.QueriesInFlight = int(s.st.inflight.Load())
	st.PacketsIn, st.PacketsOut = s.st.packetsIn.Load(), s.st.packetsOut.Load()
	st.BytesIn, st.BytesOut = s.st.bytesIn.Load(), s.st.bytesOut.Load()
	st.Malformed, st.Dropped = s.st.malformed.Load(), s.st.dropped.Load()
	st.DroppedUnknownTx, st.DroppedOwnID = s.st.unknownTx.Load(), s.st.ownID.Load()
	st.DroppedBadNodes, st.DroppedBadNodeID, st.DroppedBadValues = s.st.badNodes.Load(), s.st.badNodeID.Load(), s.st.badValues.Load()
	st.RateLimited, st.Trimmed = s.st.rateLimited.Load(), s.st.trimmed.Load()
	st.QueriesIn, st.ResponsesIn, st.Timeouts = s.st.queriesIn.Load(), s.st.responsesIn.Load(), s.st.timeouts.Load()
	return st
}

// Nodes returns the routing-table entries of one family (v6 true for
// IPv6) that are not bad, closest to our id first.
func (s *Server) Nodes(v6 bool) []NodeInfo {
	fam := famV4
	if v6 {
		fam = famV6
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tables[fam].closest(s.id, 1<<30)
}

func (s *Server) readLoop(conn PacketConn, fam int) {
	buf := make([]byte, krpc.MaxMessageSize+1) // one byte more reveals oversized datagrams
	for {
		n, from, err := conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			select {
			case <-s.closed:
				return
			default:
			}
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		s.st.packetsIn.Add(1)
		s.st.bytesIn.Add(uint64(n))
		s.handlePacket(buf[:n], unmapAP(from), fam)
	}
}

func (s *Server) send(addr netip.AddrPort, b []byte) {
	conn := s.conns[famOf(addr)]
	if conn == nil {
		return
	}
	if _, err := conn.WriteToUDPAddrPort(b, addr); err == nil {
		s.st.packetsOut.Add(1)
		s.st.bytesOut.Add(uint64(len(b)))
	}
}

func (s *Server) handlePacket(b []byte, from netip.AddrPort, fam int) {
	if from.Port() == 0 {
		s.st.drop(&s.st.badNodes)
		return
	}
	m, err := krpc.Decode(b) // copies what it keeps: b is reused
	if err != nil {
		s.st.malformed.Add(1)
		return
	}
	switch m.Y {
	case krpc.KindQuery:
		s.handleQuery(m, from, fam, len(b))
	default:
		s.handleResponse(m, from, fam)
	}
}

func (s *Server) handleResponse(m *krpc.Msg, from netip.AddrPort, fam int) {
	key := txKey{m.T, from}
	s.mu.Lock()
	c := s.pending[key]
	if c == nil {
		s.mu.Unlock()
		s.st.drop(&s.st.unknownTx) // unknown transaction or wrong source address
		return
	}
	delete(s.pending, key)
	if m.R != nil && m.R.ID == s.id {
		s.mu.Unlock()
		s.st.drop(&s.st.ownID) // a node claiming our id
		close(c.ch)
		return
	}
	s.st.responsesIn.Add(1)
	var ping []NodeInfo
	now := s.cfg.now()
	if len(s.verified) >= maxVerified {
		s.expireVerified(now)
	}
	s.verified[from] = now
	if m.R != nil {
		switch {
		case s.cfg.EnforceNodeID && !ValidNodeID(m.R.ID, from.Addr()):
			s.st.drop(&s.st.badNodeID) // the answer is used, the node not kept
		case m.RO == 0:
			ping = s.tables[fam].responded(m.R.ID, from)
		}
		if len(m.IP) > 0 {
			s.voteExternal(m.IP, from)
		}
	}
	s.mu.Unlock()
	c.ch <- m // buffered, one response per call
	for _, n := range ping {
		s.pingAsync(n)
	}
}

func (s *Server) expireVerified(now time.Time) {
	for a, t := range s.verified {
		if now.Sub(t) > verifiedTTL || len(s.verified) >= maxVerified {
			delete(s.verified, a)
		}
	}
}

// isVerified reports whether addr has answered us recently; s.mu held.
func (s *Server) isVerified(addr netip.AddrPort) bool {
	t, ok := s.verified[addr]
	return ok && s.cfg.now().Sub(t) < verifiedTTL
}

// pingAsync pings n in the background; a failure marks it in the table.
func (s *Server) pingAsync(n NodeInfo) {
	s.mu.Lock()
	if s.pinging[n.Addr] || len(s.pinging) >= maxVerifyPings {
		s.mu.Unlock()
		return
	}
	s.pinging[n.Addr] = true
	s.mu.Unlock()
	s.wg.Add(1)
	s.goSafe("dht verification ping", func() {
		defer s.wg.Done()
		defer func() {
			s.mu.Lock()
			delete(s.pinging, n.Addr)
			s.mu.Unlock()
		}()
		_, _ = s.queryNode(context.Background(), n, krpc.MethodPing, &krpc.Args{})
	}, nil)
}

// queryNode sends one query and waits for its answer. A node with a
// known id that times out is marked failed in the routing table. A KRPC
// error reply is returned as the message and a *krpc.Error.
func (s *Server) queryNode(ctx context.Context, to NodeInfo, method string, a *krpc.Args) (*krpc.Msg, error) {
	fam := famOf(to.Addr)
	conn := s.conns[fam]
	if conn == nil {
		return nil, ErrNoSocket
	}
	c := &call{ch: make(chan *krpc.Msg, 1)}
	s.mu.Lock()
	a.ID = s.id
	var key txKey
	for {
		s.nextTID++
		var t [2]byte
		binary.BigEndian.PutUint16(t[:], s.nextTID)
		key = txKey{string(t[:]), to.Addr}
		if s.pending[key] == nil {
			break
		}
	}
	s.pending[key] = c
	s.mu.Unlock()
	msg := &krpc.Msg{T: key.tid, Y: krpc.KindQuery, Q: method, A: a, V: s.cfg.Version}
	if s.cfg.ReadOnly {
		msg.RO = 1
	}
	b, err := krpc.Encode(msg)
	if err != nil {
		s.forget(key)
		return nil, err
	}
	s.st.inflight.Add(1)
	defer s.st.inflight.Add(-1)
	s.send(to.Addr, b)
	timer := time.NewTimer(s.cfg.QueryTimeout)
	defer timer.Stop()
	select {
	case r, ok := <-c.ch:
		if !ok {
			return nil, fmt.Errorf("dht: %v answered with our own id", to.Addr)
		}
		if r.E != nil {
			return r, r.E
		}
		return r, nil
	case <-timer.C:
		s.st.timeouts.Add(1)
		s.forget(key)
		if to.ID != (NodeID{}) {
			s.mu.Lock()
			s.tables[fam].failed(to.ID, to.Addr)
			s.mu.Unlock()
		}
		return nil, ErrTimeout
	case <-ctx.Done():
		s.forget(key)
		return nil, ctx.Err()
	case <-s.closed:
		return nil, ErrClosed
	}
}

func (s *Server) forget(k txKey) {
	s.mu.Lock()
	delete(s.pending, k)
	s.mu.Unlock()
}

// externalVotes is how many distinct responders must agree on our
// external IP before BEP 42 makes us change our id.
const externalVotes = 3

// voteExternal counts a BEP 42 "ip" report from voter; s.mu held. With
// EnforceNodeID, once externalVotes responders agree on a public address
// our id does not match, we take a BEP 42 id for it.
func (s *Server) voteExternal(ip []byte, voter netip.AddrPort) {
	a, err := krpc.ParseCompactAddr(ip)
	if err != nil {
		return
	}
	addr := a.Addr().Unmap()
	if len(s.votes) > 16 {
		clear(s.votes)
	}
	vs := s.votes[addr]
	if vs == nil {
		vs = make(map[netip.AddrPort]bool)
		s.votes[addr] = vs
	}
	if len(vs) < 64 {
		vs[voter] = true
	}
	if s.cfg.EnforceNodeID && len(vs) >= externalVotes && !ValidNodeID(s.id, addr) {
		s.setID(NodeIDForIP(addr))
	}
}

// setID changes our id and rebuilds the routing tables around it; s.mu held.
func (s *Server) setID(id NodeID) {
	s.id = id
	for fam, t := range s.tables {
		s.tables[fam] = t.rebuild(id)
	}
}

// ExternalIP returns the address most responders say we have (BEP 42
// "ip" field) and how many distinct responders said so.
func (s *Server) ExternalIP() (netip.Addr, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var best netip.Addr
	n := 0
	for a, v := range s.votes {
		if len(v) > n {
			best, n = a, len(v)
		}
	}
	return best, n
}
