package dht

import (
	"net/netip"

	"github.com/libbt/libbt/core/metainfo"
	"github.com/libbt/libbt/dht/krpc"
)

const (
	sampleInterval   = 60 // seconds (BEP 51 "interval")
	maxSamples       = 20
	maxNodesReturned = K
)

// handleQuery answers one query. The reply is built under s.mu and sent
// after it is released.
func (s *Server) handleQuery(m *krpc.Msg, from netip.AddrPort, fam int, size int) {
	s.st.queriesIn.Add(1)
	if s.cfg.ReadOnly {
		return // BEP 43: read-only nodes do not answer
	}
	a := m.A
	s.mu.Lock()
	if !s.lim.allow(from.Addr()) {
		s.mu.Unlock()
		s.st.rateLimited.Add(1)
		return
	}
	if a.ID == s.id {
		s.mu.Unlock()
		s.st.drop(&s.st.ownID)
		return
	}
	validID := !s.cfg.EnforceNodeID || ValidNodeID(a.ID, from.Addr())
	if !validID {
		s.st.drop(&s.st.badNodeID) // answered, but kept out of the table
	}
	wantPing := false
	if m.RO == 0 && validID {
		wantPing = s.tables[fam].heardQuery(a.ID, from)
	}
	verified := s.isVerified(from) || s.tables[fam].verified(from)
	reply := s.answer(m, from, fam)
	s.mu.Unlock()

	reply.T, reply.V = m.T, s.cfg.Version
	reply.IP = krpc.AppendCompactAddr(nil, from)
	b, err := krpc.Encode(reply)
	if err != nil {
		return
	}
	if !verified && reply.R != nil {
		var trimmed bool
		b, trimmed = trimReply(reply, b, amplification*size)
		if trimmed {
			s.st.trimmed.Add(1)
		}
	}
	s.send(from, b)
	if wantPing || (!verified && m.RO == 0 && validID) {
		s.pingAsync(NodeInfo{ID: a.ID, Addr: from})
	}
}

func errorReply(code int, msg string) *krpc.Msg {
	return &krpc.Msg{Y: krpc.KindError, E: &krpc.Error{Code: code, Msg: msg}}
}

// closestNodes fills r.Nodes/Nodes6 as the query's want list asks; s.mu held.
func (s *Server) closestNodes(r *krpc.Return, a *krpc.Args, fam int, target NodeID) {
	v6 := fam == famV6
	if a.WantsV4(v6) {
		r.Nodes = krpc.AppendNodes(nil, s.tables[famV4].closest(target, maxNodesReturned), false)
	}
	if a.WantsV6(v6) {
		r.Nodes6 = krpc.AppendNodes(nil, s.tables[famV6].closest(target, maxNodesReturned), true)
	}
}

// answer builds the reply to a query; s.mu held.
func (s *Server) answer(m *krpc.Msg, from netip.AddrPort, fam int) *krpc.Msg {
	a := m.A
	r := &krpc.Return{ID: s.id}
	ok := &krpc.Msg{Y: krpc.KindResponse, R: r}
	v6 := fam == famV6
	switch m.Q {
	case krpc.MethodPing:
	case krpc.MethodFindNode:
		s.closestNodes(r, a, fam, *a.Target)
	case krpc.MethodGetPeers:
		ih := metainfo.InfoHash(*a.InfoHash)
		r.Token = s.tok.issue(from.Addr())
		for _, p := range s.peers.get(ih, maxValuesReturned, a.WantsV4(v6), a.WantsV6(v6)) {
			r.Values = append(r.Values, krpc.AppendCompactAddr(nil, p))
		}
		s.closestNodes(r, a, fam, *a.InfoHash)
	case krpc.MethodAnnouncePeer:
		if !s.tok.valid(a.Token, from.Addr()) {
			return errorReply(krpc.ErrProtocol, "bad token")
		}
		port := uint16(a.Port)
		if a.ImpliedPort != 0 {
			port = from.Port()
		}
		if !s.peers.add(metainfo.InfoHash(*a.InfoHash), netip.AddrPortFrom(from.Addr(), port)) {
			return errorReply(krpc.ErrServer, "peer store full")
		}
	case krpc.MethodGet:
		r.Token = s.tok.issue(from.Addr())
		if it := s.items.get(*a.Target); it != nil && (a.Seq == nil || !it.Mutable() || it.Seq > *a.Seq) {
			r.V = it.V
			if it.Mutable() {
				seq := it.Seq
				r.K, r.Sig, r.Seq = it.K, it.Sig, &seq
			}
		}
		s.closestNodes(r, a, fam, *a.Target)
	case krpc.MethodPut:
		if !s.tok.valid(a.Token, from.Addr()) {
			return errorReply(krpc.ErrProtocol, "bad token")
		}
		it := &Item{V: a.V, K: a.K, Salt: a.Salt, Sig: a.Sig}
		if a.Seq != nil {
			it.Seq = *a.Seq
		}
		if err := it.Check(); err != nil {
			return errorReply(itemErrorCode(err), err.Error())
		}
		if err := s.items.put(it.Target(), it, a.Cas); err != nil {
			pe := err.(*putError)
			return errorReply(pe.code, pe.msg)
		}
	case krpc.MethodSampleInfohashes:
		sample, n := s.peers.sample(maxSamples)
		r.Interval, r.Num = sampleInterval, n
		r.Samples = make([]byte, 0, len(sample)*20)
		for _, ih := range sample {
			r.Samples = append(r.Samples, ih[:]...)
		}
		s.closestNodes(r, a, fam, *a.Target)
	default:
		return errorReply(krpc.ErrMethodUnknown, "method unknown")
	}
	return ok
}

// trimReply drops nodes (the hints), then values and samples, then a
// stored item (the answers), until
// the encoded reply fits limit (the anti-amplification bound).
func trimReply(m *krpc.Msg, b []byte, limit int) ([]byte, bool) {
	trimmed := false
	for len(b) > limit {
		r := m.R
		excess := len(b) - limit
		switch {
		case len(r.Nodes6) > 0:
			r.Nodes6 = r.Nodes6[:max(0, len(r.Nodes6)-(excess+37)/38*38)]
		case len(r.Nodes) > 0:
			r.Nodes = r.Nodes[:max(0, len(r.Nodes)-(excess+25)/26*26)]
		case len(r.Values) > 0:
			r.Values = r.Values[:max(0, len(r.Values)-(excess+7)/8)]
		case len(r.Samples) > 0:
			r.Samples = r.Samples[:max(0, len(r.Samples)-(excess+19)/20*20)]
		case len(r.V) > 0:
			r.V, r.K, r.Sig, r.Seq = nil, nil, nil, nil
		default:
			return b, trimmed
		}
		trimmed = true
		nb, err := krpc.Encode(m)
		if err != nil {
			return b, trimmed
		}
		b = nb
	}
	return b, trimmed
}
