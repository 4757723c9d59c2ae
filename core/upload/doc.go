// Package upload keeps the serving side of one peer connection within a memory budget: the
// block requests the peer queued with us, and the disk reads started for it, released only while
// the bytes already waiting for that peer stay under a watermark (libtorrent's
// send_buffer_watermark scheme).
//
// A Queue owns:
//   - the peer's requests not yet read from disk, in arrival order, at most the max passed to
//     Push (libtorrent's max_allowed_in_request_queue): 16 bytes each;
//   - the reads in flight for the peer and the bytes they will add (each read charged at
//     least a full 16 KiB block, so tiny requests cannot multiply the number of reads).
//
// It does not own the send buffer: the caller passes the bytes buffered for the peer to Next,
// which starts reads only while buffered + reading is under the watermark. So the payload held
// for one peer is at most watermark + one request (128 KiB at most) whatever the peer does.
//
// # Concurrency
//
// A Queue is safe for concurrent use: requests arrive on the torrent goroutine, reads complete
// on disk goroutines. It never calls out and does no I/O.
package upload
