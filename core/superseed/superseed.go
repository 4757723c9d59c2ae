// Package superseed is super seeding's choice (BEP 16): a seed that hides what it has offers
// each peer only a couple of pieces at a time, the rarest, so an initial seeder uploads each
// piece about once. As in libtorrent, a peer is offered a new piece once it announces the one
// it was given.
//
// It is pure policy: the caller (the torrent's goroutine) owns the peers and what each was
// offered, and sends the Have messages. No I/O, no goroutines, no clock.
package superseed

// Offers is how many pieces a peer is offered at once.
const Offers = 2

// Next picks the next piece to offer a peer: among the numPieces pieces that skip does not
// exclude (the peer has it or was offered it), the one held by the fewest connected peers
// (availability), a piece offered to any peer counting as held by numPeers more so that pieces
// not in flight elsewhere come first; the lowest index wins a tie. It returns -1 when there is
// none.
func Next(numPieces int, skip func(i int) bool, availability func(i int) int, offered map[int]bool, numPeers int) int {
	best, bestAvail := -1, 0
	for i := 0; i < numPieces; i++ {
		if skip(i) {
			continue
		}
		avail := availability(i)
		if offered[i] {
			avail += numPeers // prefer pieces not in flight elsewhere
		}
		if best < 0 || avail < bestAvail {
			best, bestAvail = i, avail
		}
	}
	return best
}
