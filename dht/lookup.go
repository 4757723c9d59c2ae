package dht

import (
	"context"
	"net/netip"
	"slices"
	"time"

	"github.com/libbt/libbt/core/guard"
	"github.com/libbt/libbt/dht/krpc"
)

// LookupStats describes one iterative lookup (both families merged).
type LookupStats struct {
	// Rounds is the hop count from our routing table to the farthest of
	// the k closest nodes that answered: nodes from our table (or the
	// bootstrap list) are hop 1, nodes they returned hop 2, and so on.
	Rounds    int
	Queries   int // queries sent
	Responses int // answers received
	Failures  int // timeouts and error replies
	Duration  time.Duration
}

func (a *LookupStats) merge(b LookupStats) {
	a.Rounds = max(a.Rounds, b.Rounds)
	a.Queries += b.Queries
	a.Responses += b.Responses
	a.Failures += b.Failures
}

type candState int

const (
	candFresh candState = iota
	candInflight
	candAnswered
	candFailed
)

// cand is one node a lookup knows about. Owned by the lookup goroutine.
type cand struct {
	NodeInfo
	depth int
	state candState
	slow  bool // in flight past the short timeout
	resp  *krpc.Return
}

type lookupResult struct {
	c   *cand
	m   *krpc.Msg
	err error
}

// lookupSpec says what a lookup asks and what it does with answers.
type lookupSpec struct {
	method string
	target NodeID
	args   func() *krpc.Args
	// onResp is called on the lookup goroutine for every answer.
	onResp func(c *cand, r *krpc.Return)
	// seeds are extra starting points with unknown ids (bootstrap hosts).
	seeds []netip.AddrPort
	// extra are extra starting points with known ids (restored state).
	extra []NodeInfo
}

const maxCands = 128

// lookup runs an iterative Kademlia lookup in one address family: alpha
// queries in flight, always to the closest unqueried node among the k
// closest known, until the k closest (that did not fail) have all
// answered. It returns those k closest answered candidates.
func (s *Server) lookup(ctx context.Context, fam int, sp lookupSpec) ([]*cand, LookupStats, error) {
	start := time.Now()
	var st LookupStats
	if s.conns[fam] == nil {
		return nil, st, ErrNoSocket
	}
	s.st.lookups.Add(1)
	defer s.st.lookups.Add(-1)

	s.mu.Lock()
	self := s.id
	initial := s.tables[fam].closest(sp.target, 2*K)
	s.mu.Unlock()
	seen := make(map[netip.AddrPort]bool)
	for _, a := range s.Addrs() {
		seen[a] = true // a stale entry naming our own address
	}
	var cands []*cand
	add := func(n NodeInfo, depth int) {
		if seen[n.Addr] || n.ID == self || famOf(n.Addr) != fam || n.Addr.Port() == 0 {
			return
		}
		if s.cfg.EnforceNodeID && !ValidNodeID(n.ID, n.Addr.Addr()) {
			return
		}
		seen[n.Addr] = true
		cands = append(cands, &cand{NodeInfo: n, depth: depth})
	}
	for _, n := range initial {
		add(n, 1)
	}
	for _, n := range sp.extra {
		add(n, 1)
	}
	var seeds []*cand
	for _, a := range sp.seeds {
		a = unmapAP(a)
		if famOf(a) == fam && !seen[a] {
			seen[a] = true
			seeds = append(seeds, &cand{NodeInfo: NodeInfo{Addr: a}, depth: 1})
		}
	}
	sortCands := func() {
		slices.SortFunc(cands, func(a, b *cand) int {
			if xorLess(sp.target, a.ID, b.ID) {
				return -1
			}
			if xorLess(sp.target, b.ID, a.ID) {
				return 1
			}
			return 0
		})
		if len(cands) > maxCands {
			cands = cands[:maxCands]
		}
	}
	sortCands()
	if len(cands) == 0 && len(seeds) == 0 {
		return nil, st, ErrNoNodes
	}
	next := func() *cand {
		if len(seeds) > 0 {
			c := seeds[0]
			seeds = seeds[1:]
			return c
		}
		n := 0
		for _, c := range cands {
			if c.state == candFailed {
				continue
			}
			if c.state == candFresh {
				return c
			}
			if n++; n == K {
				break
			}
		}
		return nil
	}
	// A query that has not answered after slowAfter stops counting
	// against alpha (libtorrent's "short timeout"): one dead node does not
	// stall the lookup, and a late answer is still used.
	slowAfter := s.cfg.QueryTimeout / 3
	results := make(chan lookupResult)
	slowCh := make(chan *cand)
	done := make(chan struct{})
	defer close(done)
	inflight, active := 0, 0
	for {
		for active < s.cfg.Alpha {
			c := next()
			if c == nil {
				break
			}
			c.state = candInflight
			inflight++
			active++
			st.Queries++
			s.goSafe("dht lookup query", func() {
				slow := time.AfterFunc(slowAfter, func() {
					select {
					case slowCh <- c:
					case <-done:
					}
				})
				m, err := s.queryNode(ctx, c.NodeInfo, sp.method, sp.args())
				slow.Stop()
				select {
				case results <- lookupResult{c, m, err}:
				case <-done:
				}
			}, func(p *guard.Panic) { // the query failed: the lookup must not wait for it
				select {
				case results <- lookupResult{c, nil, p}:
				case <-done:
				}
			})
		}
		if inflight == 0 {
			break
		}
		var r lookupResult
		select {
		case r = <-results:
		case c := <-slowCh:
			if c.state == candInflight && !c.slow {
				c.slow = true
				active--
			}
			continue
		case <-ctx.Done():
			st.Duration = time.Since(start)
			return closestAnswered(cands), st, ctx.Err()
		case <-s.closed:
			return nil, st, ErrClosed
		}
		inflight--
		if !r.c.slow {
			active--
		}
		c := r.c
		if r.err != nil || r.m == nil || r.m.R == nil {
			c.state = candFailed
			st.Failures++
			continue
		}
		st.Responses++
		c.state, c.resp = candAnswered, r.m.R
		if c.ID == (NodeID{}) { // a seed: now we know its id
			c.ID = r.m.R.ID
			if c.ID != self {
				cands = append(cands, c)
			}
		}
		list := r.m.R.Nodes
		if fam == famV6 {
			list = r.m.R.Nodes6
		}
		if nodes, err := krpc.ParseNodes(list, fam == famV6); err != nil {
			s.st.drop(&s.st.badNodes) // a lying node list (port 0): ignore all of it
		} else {
			for _, n := range nodes {
				add(n, c.depth+1)
			}
		}
		sortCands()
		if sp.onResp != nil {
			sp.onResp(c, r.m.R)
		}
	}
	out := closestAnswered(cands)
	for _, c := range out {
		st.Rounds = max(st.Rounds, c.depth)
	}
	st.Duration = time.Since(start)
	return out, st, nil
}

// closestAnswered returns the first K answered candidates (cands sorted).
func closestAnswered(cands []*cand) []*cand {
	var out []*cand
	for _, c := range cands {
		if c.state == candAnswered {
			out = append(out, c)
			if len(out) == K {
				break
			}
		}
	}
	return out
}

// families returns the address families we have sockets for.
func (s *Server) families() []int {
	var f []int
	for fam, c := range s.conns {
		if c != nil {
			f = append(f, fam)
		}
	}
	return f
}

// lookupAll runs the same lookup in every family concurrently. onResp
// calls are serialised.
func (s *Server) lookupAll(ctx context.Context, mk func(fam int) lookupSpec) ([][]*cand, LookupStats, error) {
	fams := s.families()
	type out struct {
		fam int
		cs  []*cand
		st  LookupStats
		err error
	}
	ch := make(chan out, len(fams))
	start := time.Now()
	for _, fam := range fams {
		s.goSafe("dht lookup", func() {
			cs, st, err := s.lookup(ctx, fam, mk(fam))
			ch <- out{fam, cs, st, err}
		}, func(p *guard.Panic) { ch <- out{fam: fam, err: p} })
	}
	res := make([][]*cand, 2)
	var st LookupStats
	var firstErr error
	ok := 0
	for range fams {
		o := <-ch
		res[o.fam] = o.cs
		st.merge(o.st)
		if o.err == nil {
			ok++
		} else if firstErr == nil || firstErr == ErrNoNodes {
			firstErr = o.err
		}
	}
	st.Duration = time.Since(start)
	if ok > 0 && ctx.Err() == nil {
		return res, st, nil
	}
	return res, st, firstErr
}
