// Package shrink keeps maps from holding memory they do not need: [Set] makes a map on first
// use (a paused torrent's stay nil) and [Delete] gives back the memory of a map that was once
// large.
//
// Go maps never release the buckets of deleted entries: a map that once held 10,000 torrents
// keeps their slots after all are removed. The engine's maps keyed by torrent (the session's,
// the scheduler's, the queue's, capi's handle registry) therefore delete through [Delete], which
// copies a map into one of its current size once deletes have left it at a quarter of the most
// entries it held (amortised O(1) per delete).
package shrink

// Delete deletes k from m and returns the map to keep: m itself or, below a quarter of *peak, a
// fresh copy of its current size. *peak tracks the most entries m has held since it was last
// copied; it needs no upkeep on insert, since a map is at its largest just before a delete.
func Delete[K comparable, V any](m map[K]V, peak *int, k K) map[K]V {
	if _, ok := m[k]; !ok {
		return m
	}
	delete(m, k)
	n := len(m)
	*peak = max(*peak, n+1)
	if n >= *peak/4 {
		return m
	}
	small := make(map[K]V, n)
	for k, v := range m {
		small[k] = v
	}
	*peak = n
	return small
}

// Set sets (*m)[k] = v, making the map on first use: what only a running torrent fills stays
// nil while it is paused (reading and deleting from a nil map are fine).
func Set[K comparable, V any](m *map[K]V, k K, v V) {
	if *m == nil {
		*m = map[K]V{}
	}
	(*m)[k] = v
}
