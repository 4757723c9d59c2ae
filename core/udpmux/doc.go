// Package udpmux owns one UDP socket per listen address and shares it among everything in
// libbt that speaks UDP: UDP tracker clients (BEP 15), the DHT (BEP 5) and, later, uTP
// (BEP 29). One socket per address means one port in firewall rules and NAT mappings, and no
// socket per tracker announce.
//
// Each datagram is told apart by its first bytes (Classify):
//
//   - KRPC, a bencoded dictionary: first byte 'd'. It goes to the DHT through the
//     PacketConn-like view KRPC returns, which the dht package reads as it would read its own
//     socket.
//   - a BEP 15 tracker reply: 8 bytes or more, action 0-3 as a big-endian uint32 (so the first
//     three bytes are zero). It goes to the tracker transaction registered with NewTx under its
//     transaction id, and only if it comes from the address that transaction was sent to.
//   - uTP: the first byte's low nibble is version 1, its high nibble a type 0-4, and the header
//     is 20 bytes. It goes to the handler set with SetUTPHandler (core/utp's Socket.Deliver),
//     which takes a SYN or a packet for a connection id it knows and refuses the rest.
//
// The three classes cannot overlap: a tracker reply starts with 0x00, KRPC with 0x64, uTP with
// 0x01, 0x11, 0x21, 0x31 or 0x41. Anything else, a class with nobody to take it, a tracker
// reply nobody waits for (unknown transaction id, or a known one from the wrong address), uTP
// for no connection of ours and
// a datagram larger than its class allows are dropped and counted (Stats).
//
// Concurrency: a Mux has one reader goroutine (started through core/guard, restarted after a
// panic) that reads into one 64 KiB buffer, classifies and hands each datagram on without
// waiting: a KRPC datagram is copied into a pooled buffer and queued to the view (dropped
// when the queue is full), a tracker reply is copied into its transaction's one-slot channel,
// and the uTP handler is called on the reader goroutine with a slice valid only during the
// call. Sends (WriteTo, the view's WriteToUDPAddrPort) go straight to the socket from the
// caller's goroutine; a UDP socket is safe for concurrent writes. The transaction table and
// the handlers are guarded by Mux.mu, never held across I/O; counters are atomics.
//
// Memory a remote host can make us hold, bounded where the constants are enforced: the
// transaction table (Config.MaxPendingTx entries, NewTx), one reply of at most MaxTrackerReply
// bytes per transaction (deliverTracker), the view's queue (Config.KRPCQueue buffers of
// MaxKRPCSize+1 bytes, deliverKRPC), and the reader's one 64 KiB buffer.
package udpmux
