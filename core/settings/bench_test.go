package settings

import (
	"sync/atomic"
	"testing"
)

var sink int

// What a hot path paid before: a name looked up in the pack's map under its mutex.
func BenchmarkReadByName(b *testing.B) {
	p := NewPack()
	for b.Loop() {
		sink = int(p.Int("connections_limit"))
	}
}

// What it pays now: an atomic pointer load and a field.
func BenchmarkReadResolved(b *testing.B) {
	var cur atomic.Pointer[Resolved]
	cur.Store(NewPack().Resolve())
	for b.Loop() {
		sink = cur.Load().ConnectionsLimit
	}
}

func BenchmarkResolve(b *testing.B) {
	p := NewPack()
	for b.Loop() {
		_ = p.Resolve()
	}
}
