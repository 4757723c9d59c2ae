// Package bitfield holds the piece bitfield: one bit per piece, stored in the
// BitTorrent wire format (big-endian bit order, piece 0 is bit 0x80 of byte 0,
// spare bits in the last byte always zero).
//
// It owns nothing but the bits. Out-of-range indexes never panic: Has reports
// false and Set/Clear do nothing, so a hostile peer index cannot crash a
// session.
//
// Concurrency: a Bitfield is a plain value with no locking. It is owned by one
// goroutine (the torrent goroutine, for the local and per-peer bitfields).
// Copying a Bitfield value shares its storage; use Clone for an independent
// copy, for example before handing it to another goroutine.
package bitfield
