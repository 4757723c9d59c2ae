package choker

import (
	"testing"
	"time"
)

func BenchmarkRechoke200Peers(b *testing.B) {
	c := newChoker(1)
	ps := swarm(200)
	now := t0
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		now = now.Add(10 * time.Second)
		apply(ps, c.Rechoke(now, ps, i%2 == 0))
	}
}
