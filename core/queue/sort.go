package queue

import "slices"

// sortKeys sorts keys (sort key << 32 | snapshot index, appended in index order) ascending. A
// pass runs on the scheduler's tick over every auto-managed torrent, so large lists are sorted
// by a stable radix sort on the upper 32 bits: linear, and since the input is in index order
// the result equals a full sort of the keys. scratch is reused between passes.
func sortKeys(keys []uint64, scratch *[]uint64) {
	if len(keys) < 256 {
		slices.Sort(keys)
		return
	}
	if cap(*scratch) < len(keys) {
		*scratch = make([]uint64, len(keys))
	}
	src, dst := keys, (*scratch)[:len(keys)]
	var count [256]int
	for shift := uint(32); shift < 64; shift += 8 {
		clear(count[:])
		for _, k := range src {
			count[byte(k>>shift)]++
		}
		if count[byte(src[0]>>shift)] == len(src) {
			continue // every key has the same byte here
		}
		sum := 0
		for i, c := range count {
			count[i] = sum
			sum += c
		}
		for _, k := range src {
			b := byte(k >> shift)
			dst[count[b]] = k
			count[b]++
		}
		src, dst = dst, src
	}
	if &src[0] != &keys[0] {
		copy(keys, src)
	}
}
