package dht

import (
	"net/netip"
	"time"
)

// RateLimit bounds incoming queries per source IP with a token bucket.
// The zero value means the defaults (DefaultRateLimit); PerSecond < 0
// disables limiting.
type RateLimit struct {
	PerSecond float64
	Burst     int
}

// DefaultRateLimit allows a busy peer a steady 20 queries a second.
var DefaultRateLimit = RateLimit{PerSecond: 20, Burst: 60}

const maxLimiterEntries = 20000

type ipBucket struct {
	tokens float64
	last   time.Time
}

// limiter is the per-IP token bucket. Guarded by Server.mu; bounded.
type limiter struct {
	cfg RateLimit
	ips map[netip.Addr]*ipBucket
	now func() time.Time
}

func newLimiter(cfg RateLimit, now func() time.Time) *limiter {
	if cfg.PerSecond == 0 {
		cfg = DefaultRateLimit
	}
	if cfg.Burst <= 0 {
		cfg.Burst = max(1, int(cfg.PerSecond))
	}
	return &limiter{cfg: cfg, ips: make(map[netip.Addr]*ipBucket), now: now}
}

// allow takes one token for ip; false means drop the query.
func (l *limiter) allow(ip netip.Addr) bool {
	if l.cfg.PerSecond < 0 {
		return true
	}
	now := l.now()
	b := l.ips[ip]
	if b == nil {
		if len(l.ips) >= maxLimiterEntries {
			l.sweep()
			if len(l.ips) >= maxLimiterEntries {
				return false // under a flood from many addresses, strangers wait
			}
		}
		b = &ipBucket{tokens: float64(l.cfg.Burst), last: now}
		l.ips[ip] = b
	}
	b.tokens = min(float64(l.cfg.Burst), b.tokens+now.Sub(b.last).Seconds()*l.cfg.PerSecond)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// sweep forgets addresses whose bucket has refilled.
func (l *limiter) sweep() {
	now := l.now()
	for ip, b := range l.ips {
		if b.tokens+now.Sub(b.last).Seconds()*l.cfg.PerSecond >= float64(l.cfg.Burst) {
			delete(l.ips, ip)
		}
	}
}
