// Package peerwire is the BitTorrent peer wire codec: the BEP 3 handshake and
// messages, the BEP 6 fast extension messages and allowed-fast set, and the
// BEP 10 extension protocol framing and extended handshake, and the BEP 52 hash
// request / hashes / hash reject bodies (hashes.go).
//
// It owns encoding and decoding only. It owns no sockets, goroutines, timers or
// per-connection state beyond the buffers of a Reader: callers pass an
// io.Reader or io.Writer (usually a net.Conn) and decide what a message means.
//
// Concurrency: nothing here is safe for concurrent use, and nothing needs to
// be. A Reader belongs to the one goroutine that reads a connection; the
// Append* functions write into a buffer the caller owns, so the writer
// goroutine can batch many messages into one buffer (or into net.Buffers
// together with piece payloads, which never need copying).
//
// Allocation: ReadMessage reuses the slices in the Message it fills, and a
// Piece block is read straight into a buffer the caller supplies through
// Reader.BlockBuf, so the steady-state download path does not allocate.
//
// Errors: every error from ReadMessage or ParseMessage means the stream can
// no longer be trusted and the connection should be closed. Unknown message
// IDs are not errors; they are returned with their body in Message.Payload.
package peerwire
