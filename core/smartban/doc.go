// Package smartban works out who sent the bad data of a piece that failed its hash check, the
// way libtorrent's smart_ban plugin does, and keeps the torrent's suspects.
//
// A Tracker records which source (a peer by IP address, so any port and any later connection
// counts as the same source, or a web seed by URL) sent each block of every piece in progress,
// and keeps that record after the source disconnects. When a piece fails, it keeps the SHA-1 of
// each of its blocks next to the sender; when the piece later passes, each block is compared with
// the good copy and exactly the senders of blocks that differ are convicted. No good copy is
// needed when one source sent the whole failed piece, or when a source sent the same block of
// two failed attempts with different data.
//
// Every other sender of a failed piece becomes a suspect until the piece is resolved in its
// favour or it passes a piece it filled alone. The session lets a suspect fill only pieces
// nobody else fills (parole, core/picker's PickAlone), so a suspect's next bad piece convicts it
// without waiting, and what a lying peer can write after its first failure is bounded by the
// pieces it may fill alone at once.
//
// # Memory
//
// In-progress pieces: one int32 per received block plus the distinct senders of the piece,
// dropped when the piece passes or fails (the picker bounds how many pieces are in progress).
// Failed pieces: 24 bytes per block per failed attempt (digest and sender), at most
// Options.MaxDigestBlocks blocks in all, oldest attempt evicted first. Sources with a standing
// (suspects and senders of kept attempts): at most Options.MaxSources.
//
// # Concurrency
//
// A Tracker is not safe for concurrent use: it belongs to the torrent goroutine. It does no I/O
// and never calls out; the digests come from disk.IO.FinishPieceDigests.
package smartban
