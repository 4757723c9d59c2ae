// Package lsd implements Local Service Discovery (BEP 14): BitTorrent peers on the same network
// segment announce the torrents they take part in to a multicast group, and learn of each other
// from those announces.
//
// It owns the announce format (ParseAnnounce, AppendAnnounce, EncodeAnnounces), the multicast
// sockets and the announce schedule. It knows nothing about sessions or torrents beyond
// info-hashes: what to do with a discovered peer is up to the OnPeer callback.
//
// Nothing is sent or joined until Start is called; the session calls it only when the user turns
// enable_lsd on.
//
// Concurrency: a Service has one goroutine per address family reading its socket (and calling
// OnPeer), and one announce goroutine that alone writes to the sockets (and calls OnPeer for
// peers heard before their torrent was added). The info-hash set, the schedule and the port are
// guarded by one mutex, the incoming limits and remembered announces by another (taken after the
// first when both are held); neither is held while calling OnPeer or doing socket I/O. Add, Remove, SetPort and Close are safe for
// concurrent use.
package lsd
