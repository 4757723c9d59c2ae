package dht

import (
	"net/netip"
	"slices"
	"time"
)

// Routing-table constants (BEP 5).
const (
	K                 = 8                // bucket size
	goodWindow        = 15 * time.Minute // a node is good if heard from within this
	badFailures       = 2                // failed queries in a row that make a node bad
	replacementsCap   = K                // replacement cache per bucket
	bucketRefreshTime = 15 * time.Minute
)

type nodeState int

const (
	stateGood nodeState = iota
	stateQuestionable
	stateBad
)

func (s nodeState) String() string {
	return [...]string{"good", "questionable", "bad"}[s]
}

// node is one routing-table entry.
type node struct {
	id           NodeID
	addr         netip.AddrPort
	lastResponse time.Time // last time it answered one of our queries
	lastQuery    time.Time // last time it sent us a query
	failures     int       // queries in a row it failed to answer
}

// state applies BEP 5's rules: good if it answered us within 15 minutes,
// or answered us ever and queried us within 15 minutes; bad after
// repeated failures; questionable otherwise.
func (n *node) state(now time.Time) nodeState {
	if n.failures >= badFailures {
		return stateBad
	}
	if !n.lastResponse.IsZero() && (now.Sub(n.lastResponse) < goodWindow || now.Sub(n.lastQuery) < goodWindow) {
		return stateGood
	}
	return stateQuestionable
}

func (n *node) lastSeen() time.Time {
	if n.lastQuery.After(n.lastResponse) {
		return n.lastQuery
	}
	return n.lastResponse
}

type bucket struct {
	nodes       []*node
	repl        []*node // replacement cache, most recent last
	lastChanged time.Time
}

// table is a Kademlia routing table for one address family. Bucket i
// (i < len-1) holds nodes sharing exactly i leading bits with self; the
// last bucket holds the rest and is the only one that splits.
// Not safe for concurrent use: Server.mu guards it.
type table struct {
	self    NodeID
	buckets []*bucket
	now     func() time.Time
	oneIP   bool // at most one node per IP address (Config.RestrictRoutingIPs)
}

func newTable(self NodeID, now func() time.Time) *table {
	return &table{self: self, buckets: []*bucket{{lastChanged: now()}}, now: now}
}

func (t *table) bucketIndex(id NodeID) int {
	return min(commonPrefixLen(t.self, id), len(t.buckets)-1)
}

func (t *table) find(id NodeID) (*bucket, int) {
	b := t.buckets[t.bucketIndex(id)]
	for i, n := range b.nodes {
		if n.id == id {
			return b, i
		}
	}
	return b, -1
}

// byAddr returns the entry at addr, if any.
func (t *table) byAddr(addr netip.AddrPort) *node {
	for _, b := range t.buckets {
		for _, n := range b.nodes {
			if n.addr == addr {
				return n
			}
		}
	}
	return nil
}

func (t *table) hasIP(ip netip.Addr) bool {
	for _, b := range t.buckets {
		for _, n := range b.nodes {
			if n.addr.Addr() == ip {
				return true
			}
		}
	}
	return false
}

// heardQuery records an incoming query from a node. It reports whether the
// node is unknown and the table would take it (the caller then pings it:
// only nodes that answer our queries are inserted).
func (t *table) heardQuery(id NodeID, addr netip.AddrPort) (wantPing bool) {
	if id == t.self {
		return false
	}
	b, i := t.find(id)
	if i >= 0 {
		if b.nodes[i].addr == addr {
			b.nodes[i].lastQuery = t.now()
		}
		return false
	}
	return t.wouldAccept(id)
}

func (t *table) wouldAccept(id NodeID) bool {
	idx := t.bucketIndex(id)
	b := t.buckets[idx]
	if len(b.nodes) < K || idx == len(t.buckets)-1 && len(t.buckets) < 160 {
		return true
	}
	now := t.now()
	for _, n := range b.nodes {
		if n.state(now) != stateGood {
			return true
		}
	}
	return false
}

// responded records that id at addr answered one of our queries, inserting
// it if there is room. It returns questionable nodes of a full bucket that
// the caller should ping (a failure there makes room for this node, which
// waits in the replacement cache).
func (t *table) responded(id NodeID, addr netip.AddrPort) (ping []NodeInfo) {
	if id == t.self {
		return nil
	}
	now := t.now()
	b, i := t.find(id)
	if i >= 0 {
		n := b.nodes[i]
		if n.addr != addr {
			return nil // an id moving address is not trusted; keep the one we know
		}
		n.lastResponse, n.failures = now, 0
		b.lastChanged = now
		return nil
	}
	if old := t.byAddr(addr); old != nil {
		t.remove(old.id) // the node at this address changed its id
	}
	if t.oneIP && t.hasIP(addr.Addr()) {
		return nil // a second node on one IP: a cheap Sybil, keep the first
	}
	n := &node{id: id, addr: addr, lastResponse: now}
	for {
		idx := t.bucketIndex(id)
		b = t.buckets[idx]
		if len(b.nodes) < K {
			b.nodes = append(b.nodes, n)
			b.lastChanged = now
			b.repl = removeNode(b.repl, id)
			return nil
		}
		for j, o := range b.nodes {
			if o.state(now) == stateBad {
				b.nodes[j] = n
				b.lastChanged = now
				return nil
			}
		}
		if idx == len(t.buckets)-1 && len(t.buckets) < 160 {
			t.split()
			continue
		}
		b.repl = removeNode(b.repl, id)
		b.repl = append(b.repl, n)
		if len(b.repl) > replacementsCap {
			b.repl = b.repl[1:]
		}
		for _, o := range b.nodes {
			if o.state(now) == stateQuestionable {
				ping = append(ping, NodeInfo{ID: o.id, Addr: o.addr})
			}
		}
		return ping
	}
}

// failed records that id did not answer. A node that becomes bad is
// replaced by the most recent replacement, if any.
func (t *table) failed(id NodeID, addr netip.AddrPort) {
	b, i := t.find(id)
	if i < 0 || b.nodes[i].addr != addr {
		return
	}
	n := b.nodes[i]
	n.failures++
	if n.state(t.now()) == stateBad && len(b.repl) > 0 {
		b.nodes[i] = b.repl[len(b.repl)-1]
		b.repl = b.repl[:len(b.repl)-1]
		b.lastChanged = t.now()
	}
}

func (t *table) remove(id NodeID) {
	b, i := t.find(id)
	if i >= 0 {
		b.nodes = slices.Delete(b.nodes, i, i+1)
	}
}

func removeNode(ns []*node, id NodeID) []*node {
	return slices.DeleteFunc(ns, func(n *node) bool { return n.id == id })
}

// split divides the last bucket: nodes sharing more bits with self move
// into a new last bucket.
func (t *table) split() {
	last := t.buckets[len(t.buckets)-1]
	depth := len(t.buckets) - 1
	nb := &bucket{lastChanged: last.lastChanged}
	keep := last.nodes[:0:0]
	for _, n := range last.nodes {
		if commonPrefixLen(t.self, n.id) > depth {
			nb.nodes = append(nb.nodes, n)
		} else {
			keep = append(keep, n)
		}
	}
	var keepR []*node
	for _, n := range last.repl {
		if commonPrefixLen(t.self, n.id) > depth {
			nb.repl = append(nb.repl, n)
		} else {
			keepR = append(keepR, n)
		}
	}
	last.nodes, last.repl = keep, keepR
	t.buckets = append(t.buckets, nb)
}

// closest returns up to n non-bad nodes nearest to target.
func (t *table) closest(target NodeID, n int) []NodeInfo {
	now := t.now()
	var all []NodeInfo
	for _, b := range t.buckets {
		for _, x := range b.nodes {
			if x.state(now) != stateBad {
				all = append(all, NodeInfo{ID: x.id, Addr: x.addr})
			}
		}
	}
	slices.SortFunc(all, func(a, b NodeInfo) int {
		if xorLess(target, a.ID, b.ID) {
			return -1
		}
		if xorLess(target, b.ID, a.ID) {
			return 1
		}
		return 0
	})
	if len(all) > n {
		all = all[:n]
	}
	return all
}

// count returns the number of entries by state.
func (t *table) count() (good, questionable, bad int) {
	now := t.now()
	for _, b := range t.buckets {
		for _, n := range b.nodes {
			switch n.state(now) {
			case stateGood:
				good++
			case stateQuestionable:
				questionable++
			default:
				bad++
			}
		}
	}
	return
}

// goodNodes returns every good node (for saving state).
func (t *table) goodNodes() []NodeInfo {
	now := t.now()
	var out []NodeInfo
	for _, b := range t.buckets {
		for _, n := range b.nodes {
			if n.state(now) == stateGood {
				out = append(out, NodeInfo{ID: n.id, Addr: n.addr})
			}
		}
	}
	return out
}

// verified reports whether addr is a table node that has answered us.
func (t *table) verified(addr netip.AddrPort) bool {
	n := t.byAddr(addr)
	return n != nil && !n.lastResponse.IsZero()
}

// maintenance returns questionable nodes to ping (those not heard from for
// 15 minutes, up to max) and targets of buckets unchanged for 15 minutes.
func (t *table) maintenance(max int) (ping []NodeInfo, refresh []NodeID) {
	now := t.now()
	for i, b := range t.buckets {
		for _, n := range b.nodes {
			if len(ping) < max && n.state(now) == stateQuestionable {
				ping = append(ping, NodeInfo{ID: n.id, Addr: n.addr})
			}
		}
		if now.Sub(b.lastChanged) >= bucketRefreshTime {
			b.lastChanged = now
			refresh = append(refresh, randomIDWithPrefix(t.self, i)) // an id in bucket i
		}
	}
	return
}

// rebuild returns a table around a new self holding the same nodes with
// their history (those that fit).
func (t *table) rebuild(self NodeID) *table {
	nt := newTable(self, t.now)
	nt.oneIP = t.oneIP
	for _, b := range t.buckets {
		for _, n := range b.nodes {
			if n.id == self || n.lastResponse.IsZero() {
				continue
			}
			nt.responded(n.id, n.addr)
			if nb, i := nt.find(n.id); i >= 0 {
				*nb.nodes[i] = *n
			}
		}
	}
	return nt
}
