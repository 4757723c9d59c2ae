package session

// Go maps never give back the memory of deleted entries: a map that once held 10,000 torrents
// keeps its buckets after they are all removed. The session's maps keyed by torrent are
// therefore copied into a map of their current size once removals have left them at a quarter
// of the largest size they had since they were made (amortised O(1) per removal).

// deleteShrinking deletes k from m and returns the map to keep: m itself, or a smaller copy.
// *peak tracks the most entries m has held since it was last copied; it needs no upkeep on
// insert, since a map is at its largest just before a delete.
func deleteShrinking[K comparable, V any](m map[K]V, peak *int, k K) map[K]V {
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

// setIn sets m[k] = v, making the map on first use: what only a running torrent fills stays nil
// while it is paused (reading and deleting from a nil map are fine).
func setIn[K comparable, V any](m *map[K]V, k K, v V) {
	if *m == nil {
		*m = map[K]V{}
	}
	(*m)[k] = v
}
