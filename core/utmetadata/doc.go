// Package utmetadata is the logic of BEP 9's metadata exchange (ut_metadata): its messages, and
// the fetch of an info dictionary for a magnet link from untrusted peers.
//
// A Fetch is a pure state machine, in the manner of libtorrent's ut_metadata.cpp with two
// additions: the size is agreed by a vote of the peers, and a copy that fails the info-hash is
// traced to the peer that sent the wrong piece. It owns:
//
//   - the sizes peers report (extended handshake metadata_size), bounded by max_metadata_size;
//     the copy is fetched at the size most peers in good standing report;
//   - which piece is asked of whom and since when: at most MaxRequestsPerPeer per peer; a piece
//     whose request is older than RequestTimeout may be asked of another peer, and the slow peer
//     loses its vote and its turn until it answers; a rejecting peer rests for RejectBackoff
//     and has no vote until it sends a piece;
//   - one buffer of the agreed size holding the received pieces, and who sent each;
//   - verification and blame (blame.go): the first complete copy may mix senders; when it fails
//     the hash, each of its pieces is remembered by hash and sender (kept after the sender
//     leaves) and from then on every copy comes from a single peer. A single-sender copy that
//     fails names its sender; the copy that passes names every remembered piece that differs
//     from it. An honest sender is never named: its pieces equal the verified ones.
//
// It does no I/O and starts no goroutines; time is passed in. Callers serialise calls (the
// session calls it from the torrent goroutine).
//
// Memory: the buffer is at most Config.MaxSize bytes, allocated when the first piece of a copy
// arrives; per piece a few dozen bytes of bookkeeping (at most MaxSize/PieceSize pieces); per
// peer a small record while it is connected; at most maxLiars remembered liars.
package utmetadata
