package dht

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"

	"github.com/libbt/libbt/core/metainfo"
	"github.com/libbt/libbt/dht/krpc"
)

// GetPeers looks up peers for ih in every family and returns them all.
func (s *Server) GetPeers(ctx context.Context, ih metainfo.InfoHash) ([]netip.AddrPort, error) {
	var out []netip.AddrPort
	_, err := s.GetPeersFunc(ctx, ih, func(p []netip.AddrPort) { out = append(out, p...) })
	return out, err
}

// GetPeersFunc looks up peers for ih, calling found with each batch of
// new (deduplicated) peers as answers arrive. found is never called
// concurrently and must not block for long.
func (s *Server) GetPeersFunc(ctx context.Context, ih metainfo.InfoHash, found func([]netip.AddrPort)) (LookupStats, error) {
	_, st, err := s.getPeers(ctx, ih, found)
	return st, err
}

func (s *Server) getPeers(ctx context.Context, ih metainfo.InfoHash, found func([]netip.AddrPort)) ([][]*cand, LookupStats, error) {
	var mu sync.Mutex
	seen := make(map[netip.AddrPort]bool)
	target := NodeID(ih)
	// Peers announced to us count too: in a small network we may be one
	// of the nodes closest to ih.
	s.mu.Lock()
	local := s.peers.get(ih, maxValuesReturned, true, true)
	s.mu.Unlock()
	for _, p := range local {
		seen[p] = true
	}
	if len(local) > 0 && found != nil {
		found(local)
	}
	return s.lookupAll(ctx, func(fam int) lookupSpec {
		return lookupSpec{
			method: krpc.MethodGetPeers,
			target: target,
			args:   func() *krpc.Args { t := target; return &krpc.Args{InfoHash: &t} },
			onResp: func(c *cand, r *krpc.Return) {
				peers, err := krpc.ParseValues(r.Values)
				if err != nil {
					s.st.drop(&s.st.badValues)
					return
				}
				mu.Lock()
				defer mu.Unlock()
				var fresh []netip.AddrPort
				for _, p := range peers {
					if !seen[p] {
						seen[p] = true
						fresh = append(fresh, p)
					}
				}
				if len(fresh) > 0 && found != nil {
					found(fresh)
				}
			},
		}
	})
}

// Announce tells the DHT that we have ih on port (or, with impliedPort,
// on our DHT socket's port, for peers behind NAT using uTP): a get_peers
// lookup, then announce_peer to the k closest nodes that gave a token.
func (s *Server) Announce(ctx context.Context, ih metainfo.InfoHash, port int, impliedPort bool) error {
	_, err := s.AnnounceFunc(ctx, ih, port, impliedPort, nil)
	return err
}

// AnnounceFunc is Announce that also reports the peers the lookup finds,
// so one lookup serves both (what a torrent wants on its DHT interval).
func (s *Server) AnnounceFunc(ctx context.Context, ih metainfo.InfoHash, port int, impliedPort bool, found func([]netip.AddrPort)) (LookupStats, error) {
	if port <= 0 || port > 65535 {
		if !impliedPort {
			return LookupStats{}, fmt.Errorf("dht: announce %v: port %d", ih, port)
		}
		port = 1
	}
	res, st, err := s.getPeers(ctx, ih, found)
	if err != nil {
		return st, err
	}
	var targets []*cand
	for _, cs := range res {
		for _, c := range cs {
			if len(c.resp.Token) > 0 {
				targets = append(targets, c)
			}
		}
	}
	target := NodeID(ih)
	okN := s.fanout(ctx, targets, krpc.MethodAnnouncePeer, func(c *cand) *krpc.Args {
		a := &krpc.Args{InfoHash: &target, Token: c.resp.Token, Port: port}
		if impliedPort {
			a.ImpliedPort = 1
		}
		return a
	})
	if okN == 0 {
		return st, fmt.Errorf("dht: announce %v: no node accepted it (%d tried)", ih, len(targets))
	}
	return st, nil
}

// fanout sends one query to each candidate in parallel and returns how
// many answered without error.
func (s *Server) fanout(ctx context.Context, cs []*cand, method string, args func(*cand) *krpc.Args) int {
	var wg sync.WaitGroup
	var mu sync.Mutex
	n := 0
	for _, c := range cs {
		wg.Add(1)
		s.goSafe("dht query", func() {
			defer wg.Done()
			if _, err := s.queryNode(ctx, c.NodeInfo, method, args(c)); err == nil {
				mu.Lock()
				n++
				mu.Unlock()
			}
		}, nil)
	}
	wg.Wait()
	return n
}

// FindNode returns the k closest nodes to target in every family.
func (s *Server) FindNode(ctx context.Context, target NodeID) ([]NodeInfo, error) {
	res, _, err := s.findNode(ctx, target, nil, nil)
	var out []NodeInfo
	for _, cs := range res {
		for _, c := range cs {
			out = append(out, c.NodeInfo)
		}
	}
	return out, err
}

func (s *Server) findNode(ctx context.Context, target NodeID, seeds []netip.AddrPort, extra []NodeInfo) ([][]*cand, LookupStats, error) {
	return s.lookupAll(ctx, func(fam int) lookupSpec {
		return lookupSpec{
			method: krpc.MethodFindNode,
			target: target,
			args:   func() *krpc.Args { t := target; return &krpc.Args{Target: &t} },
			seeds:  seeds,
			extra:  extra,
		}
	})
}

// Bootstrap joins the network: a lookup of our own id starting from the
// configured bootstrap nodes, the nodes restored from Config.State and the
// routing table, then a refresh of the farther buckets.
func (s *Server) Bootstrap(ctx context.Context) error {
	var seeds []netip.AddrPort
	var errs []error
	s.mu.Lock()
	hosts := s.cfg.Bootstrap // under mu: tests point a running node elsewhere (setBootstrap)
	s.mu.Unlock()
	for _, h := range hosts {
		a, err := resolve(ctx, h)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		seeds = append(seeds, a...)
	}
	s.mu.Lock()
	extra := s.seeds
	self := s.id
	s.mu.Unlock()
	_, st, err := s.findNode(ctx, self, seeds, extra)
	if err != nil {
		return errors.Join(append(errs, fmt.Errorf("dht: bootstrap: %w", err))...)
	}
	if st.Responses == 0 {
		return errors.Join(append(errs, errors.New("dht: bootstrap: no node answered"))...)
	}
	// Fill the far buckets, where most of the id space is.
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Add(1)
		s.goSafe("dht bootstrap lookup", func() {
			defer wg.Done()
			_, _, _ = s.findNode(ctx, randomIDWithPrefix(self, i), nil, nil)
		}, nil)
	}
	wg.Wait()
	return ctx.Err()
}

func resolve(ctx context.Context, hostport string) ([]netip.AddrPort, error) {
	if a, err := netip.ParseAddrPort(hostport); err == nil {
		return []netip.AddrPort{unmapAP(a)}, nil
	}
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		return nil, fmt.Errorf("dht: bootstrap node %q: %w", hostport, err)
	}
	pn, err := net.DefaultResolver.LookupPort(ctx, "udp", port)
	if err != nil {
		return nil, fmt.Errorf("dht: bootstrap node %q: %w", hostport, err)
	}
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil, fmt.Errorf("dht: bootstrap node %q: %w", hostport, err)
	}
	var out []netip.AddrPort
	for _, ip := range ips {
		out = append(out, netip.AddrPortFrom(ip.Unmap(), uint16(pn)))
	}
	return out, nil
}

// GetImmutable fetches the BEP 44 immutable item stored at target
// (SHA-1 of its bencoded value) and checks it hashes to target.
func (s *Server) GetImmutable(ctx context.Context, target NodeID) (*Item, error) {
	return s.getItem(ctx, target, func(r *krpc.Return) *Item {
		if len(r.V) == 0 || ImmutableTarget(r.V) != target {
			return nil
		}
		return &Item{V: r.V}
	})
}

// GetMutable fetches the newest BEP 44 mutable item of pub and salt whose
// signature verifies.
func (s *Server) GetMutable(ctx context.Context, pub, salt []byte) (*Item, error) {
	target := MutableTarget(pub, salt)
	return s.getItem(ctx, target, func(r *krpc.Return) *Item {
		if len(r.V) == 0 || r.Seq == nil || !bytes.Equal(r.K, pub) {
			return nil
		}
		it := &Item{V: r.V, K: r.K, Salt: salt, Seq: *r.Seq, Sig: r.Sig}
		if it.Check() != nil {
			return nil
		}
		return it
	})
}

// ErrNotFound is returned by the item getters when no node has the item.
var ErrNotFound = errors.New("dht: item not found")

func (s *Server) getItem(ctx context.Context, target NodeID, accept func(*krpc.Return) *Item) (*Item, error) {
	var mu sync.Mutex
	var best *Item
	consider := func(r *krpc.Return) {
		it := accept(r)
		if it == nil {
			return
		}
		mu.Lock()
		if best == nil || it.Seq > best.Seq {
			best = it
		}
		mu.Unlock()
	}
	res, _, err := s.lookupAll(ctx, func(fam int) lookupSpec {
		return lookupSpec{
			method: krpc.MethodGet,
			target: target,
			args:   func() *krpc.Args { t := target; return &krpc.Args{Target: &t} },
			onResp: func(c *cand, r *krpc.Return) { consider(r) },
		}
	})
	if err != nil {
		return nil, err
	}
	if best == nil {
		// Replies to us may have been trimmed before those nodes had
		// verified our address; they have pinged us since, so ask again.
		var cs []*cand
		for _, l := range res {
			cs = append(cs, l...)
		}
		var wg sync.WaitGroup
		for _, c := range cs {
			wg.Add(1)
			s.goSafe("dht query", func() {
				defer wg.Done()
				t := target
				if m, err := s.queryNode(ctx, c.NodeInfo, krpc.MethodGet, &krpc.Args{Target: &t}); err == nil {
					consider(m.R)
				}
			}, nil)
		}
		wg.Wait()
	}
	if best == nil {
		return nil, ErrNotFound
	}
	return best, nil
}

// Put stores an item (from NewImmutableItem or NewMutableItem) on the k
// closest nodes to its target and returns how many accepted it. cas, if
// not nil, is BEP 44's compare-and-swap: nodes holding a different
// sequence number refuse.
func (s *Server) Put(ctx context.Context, it *Item, cas *int64) (int, error) {
	if err := it.Check(); err != nil {
		return 0, err
	}
	target := it.Target()
	res, _, err := s.lookupAll(ctx, func(fam int) lookupSpec {
		return lookupSpec{
			method: krpc.MethodGet,
			target: target,
			args:   func() *krpc.Args { t := target; return &krpc.Args{Target: &t} },
		}
	})
	if err != nil {
		return 0, err
	}
	var cs []*cand
	for _, l := range res {
		for _, c := range l {
			if len(c.resp.Token) > 0 {
				cs = append(cs, c)
			}
		}
	}
	n := s.fanout(ctx, cs, krpc.MethodPut, func(c *cand) *krpc.Args {
		a := &krpc.Args{Token: c.resp.Token, V: it.V, Cas: cas}
		if it.Mutable() {
			seq := it.Seq
			a.K, a.Sig, a.Seq, a.Salt = it.K, it.Sig, &seq, it.Salt
		}
		return a
	})
	if n == 0 {
		return 0, fmt.Errorf("dht: put %x: no node accepted it (%d tried)", target[:], len(cs))
	}
	return n, nil
}

// Samples is a BEP 51 sample_infohashes answer.
type Samples struct {
	InfoHashes []metainfo.InfoHash
	Num        int // how many info-hashes the node holds
	Interval   int // seconds before its sample changes
	Nodes      []NodeInfo
}

// SampleInfohashes asks the node at addr for a sample of the info-hashes
// it stores (BEP 51); target steers the nodes it returns.
func (s *Server) SampleInfohashes(ctx context.Context, addr netip.AddrPort, target NodeID) (*Samples, error) {
	t := target
	m, err := s.queryNode(ctx, NodeInfo{Addr: unmapAP(addr)}, krpc.MethodSampleInfohashes, &krpc.Args{Target: &t})
	if err != nil {
		return nil, err
	}
	out := &Samples{Num: m.R.Num, Interval: m.R.Interval}
	for i := 0; i+20 <= len(m.R.Samples); i += 20 {
		out.InfoHashes = append(out.InfoHashes, metainfo.InfoHash(m.R.Samples[i:i+20]))
	}
	list, v6 := m.R.Nodes, false
	if is6(addr) {
		list, v6 = m.R.Nodes6, true
	}
	out.Nodes, _ = krpc.ParseNodes(list, v6)
	return out, nil
}

// Ping sends a ping and returns the responder's id.
func (s *Server) Ping(ctx context.Context, addr netip.AddrPort) (NodeID, error) {
	m, err := s.queryNode(ctx, NodeInfo{Addr: unmapAP(addr)}, krpc.MethodPing, &krpc.Args{})
	if err != nil {
		return NodeID{}, err
	}
	return m.R.ID, nil
}
