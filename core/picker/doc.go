// Package picker decides which 16 KiB blocks of a torrent to request next.
//
// It owns the download-side bookkeeping of one torrent: which pieces we
// have, how many connected peers have each piece (availability), piece
// priorities, which blocks of in-progress ("partial") pieces are requested
// from which peers, and which peer sent each received block (so a piece that
// fails its hash check can be blamed on its contributors).
//
// # Picking order
//
// For each priority level from 7 down to 1 (0 means "do not download"):
//
//  1. free blocks of partial pieces at that level, oldest partial first, so
//     pieces are finished and the number of open partial pieces stays low;
//  2. then new pieces at that level, rarest first with random tie-breaking,
//     or in piece-index order when sequential mode is on.
//
// When every wanted block is either requested or received, the picker is in
// end-game: Pick hands out blocks already requested from other peers (never
// twice to the same peer), fewest outstanding requests first, and
// BlockReceived reports which other peers must be sent a Cancel.
//
// # Pieces filled alone
//
// PickAlone serves a peer on parole (core/smartban): it fills only pieces it
// started itself, at most a given number at once, so a bad piece has it as
// sole sender. Pick leaves such owned pieces to their owner while it finds
// anything else; ownership ends with PeerGone or Disown (the owner stalled),
// and Adopt hands an unowned piece in progress to a parole peer when nothing
// else is left. Unreceive takes back a block whose sender turned out to lie.
//
// # Data structures and cost
//
// Not-yet-started wanted pieces live in one array per priority level, kept
// sorted by availability in buckets (the scheme libtorrent uses): an
// availability change moves a piece to the neighbouring bucket by swapping it
// with the bucket's boundary element, then with a random element of its new
// bucket, so order within a bucket stays random. That makes PeerHasPiece
// O(1), PeerHasBitfield O(pieces the peer has), PeerHasAll O(1) (seeds are
// counted apart), and a Pick for a seed O(blocks returned). For a peer with a
// bitfield Pick walks the bucket array from the rarest end and stops at the
// first piece the peer has; after 256 misses it switches to intersecting the
// peer's bitfield with a per-level bitset of candidate pieces word by word.
//
// # Concurrency
//
// A Picker is not safe for concurrent use. It belongs to the torrent
// goroutine, which is the only caller of every method. It does no I/O and
// never calls out.
//
// # Contract with the caller
//
// Requests leave the books through BlockReceived, Cancelled, Rejected (the
// block is then not offered to that peer again until PeerGone), PeerGone,
// PieceFailed and SetHave; the last two drop outstanding requests of the
// piece, and a late block for it is accepted as unrequested.
//
// Pick assumes every peer's pieces were reported through PeerHasPiece,
// PeerHasBitfield or PeerHasAll before it is asked to pick for that peer. A
// peer reported with PeerHasAll may still be passed a bitfield (say, its
// allowed-fast set while it chokes us).
// Piece indexes and blocks that come from the network are checked: an
// out-of-range piece is ignored and a block that does not match the piece
// layout is reported as a duplicate (discard it).
package picker
