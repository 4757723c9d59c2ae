package dht

import (
	"context"
	"time"
)

// maintainLoop runs the periodic work: token rotation, store expiry,
// pinging questionable nodes and refreshing stale buckets.
func (s *Server) maintainLoop() {
	t := time.NewTicker(s.cfg.MaintenanceInterval)
	defer t.Stop()
	for {
		select {
		case <-s.closed:
			return
		case <-t.C:
		}
		s.maintain()
	}
}

func (s *Server) maintain() {
	s.mu.Lock()
	s.tok.maybeRotate()
	s.peers.expire()
	s.items.expire()
	s.lim.sweep()
	s.expireVerified(s.cfg.now())
	var ping []NodeInfo
	var refresh []NodeID
	for fam, t := range s.tables {
		if s.conns[fam] == nil {
			continue
		}
		p, r := t.maintenance(K)
		ping = append(ping, p...)
		refresh = append(refresh, r...)
	}
	empty := true
	for _, t := range s.tables {
		if g, q, _ := t.count(); g+q > 0 {
			empty = false
		}
	}
	rejoin := empty && (len(s.cfg.Bootstrap) > 0 || len(s.seeds) > 0)
	s.mu.Unlock()
	if rejoin { // nobody answered at start (or everyone left): try again
		s.goBackground(func(ctx context.Context) { _ = s.Bootstrap(ctx) })
	}
	for _, n := range ping {
		s.pingAsync(n)
	}
	if len(refresh) > 4 {
		refresh = refresh[:4]
	}
	for _, target := range refresh {
		s.goBackground(func(ctx context.Context) { _, _, _ = s.findNode(ctx, target, nil, nil) })
	}
}

// goBackground runs f on a tracked goroutine with a context that ends
// after 30 s or when the server closes.
func (s *Server) goBackground(f func(ctx context.Context)) {
	s.wg.Add(1)
	s.goSafe("dht background lookup", func() {
		defer s.wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		s.goSafe("dht background lookup cancel", func() {
			select {
			case <-s.closed:
				cancel()
			case <-ctx.Done():
			}
		}, nil)
		f(ctx)
	}, nil)
}
