// Package mse implements Message Stream Encryption / Protocol Encryption (MSE/PE), the
// obfuscated BitTorrent handshake spoken by libtorrent, µTorrent, Vuze and most other clients:
// a 768-bit Diffie-Hellman exchange, synchronisation hashes that identify the torrent by its
// info-hash (SKEY) without sending it, and RC4 (drop-1024) or plaintext for the payload stream.
//
// The package owns the handshake and the resulting stream wrapper, nothing else: it does not
// dial, listen, know about torrents or read the BitTorrent handshake. Initiate runs the
// outgoing side (A) and sends the caller's initial payload (normally the BitTorrent handshake)
// inside the encrypted part; Accept runs the incoming side (B) and returns that payload.
// IsPlaintextHandshake and PrefixConn let a listener peek at the first bytes to tell a plain
// BitTorrent handshake from an MSE one without losing them.
//
// Bounds: the receiver looks for HASH('req1', S) in at most 512+20 bytes after Ya (628 bytes
// from the start of the stream) and the initiator for the encrypted VC in at most 512+8 bytes
// after Yb (616); pads longer than 512 bytes are refused; the only allocation whose size the
// peer chooses is the initial payload (at most 65535 bytes, and only after the peer proved it
// knows the info-hash).
//
// Concurrency: Initiate and Accept run on the caller's goroutine and start one short-lived
// goroutine for their writes (so both ends can write at once, even over net.Pipe); they wait for
// it before returning. The returned *Conn may be read by one goroutine and written by another at
// the same time; concurrent reads (or writes) are serialised by a mutex. After the handshake a
// Read or Write allocates nothing.
package mse
