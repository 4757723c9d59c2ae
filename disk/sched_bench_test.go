package disk

import (
	"fmt"
	"testing"
)

// BenchmarkSchedulerAddFinish measures the ordering cost per job with a
// given number of unfinished 16 KiB writes already queued on the storage.
func BenchmarkSchedulerAddFinish(b *testing.B) {
	for _, depth := range []int{16, 1024, 4096} {
		b.Run(fmt.Sprintf("depth=%d", depth), func(b *testing.B) {
			var s scheduler
			ring := make([]*job, depth)
			for i := range ring {
				ring[i] = &job{off: int64(i) * BlockSize, end: int64(i+1) * BlockSize, excl: true}
				s.add(ring[i])
			}
			i := 0
			for b.Loop() {
				k := i % depth
				s.finish(ring[k])
				j := &job{off: int64(depth+i) * BlockSize, end: int64(depth+i+1) * BlockSize, excl: true}
				s.add(j)
				ring[k] = j
				i++
			}
		})
	}
}
