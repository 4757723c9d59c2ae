// Package choker decides which peers we upload to (unchoke).
//
// It is pure logic: the session passes the current time and a snapshot of
// its peers to Rechoke and gets back the full set of peers that should be
// unchoked; sending Choke/Unchoke messages for the difference is the
// session's job. Time and randomness are injected, so every rule is testable.
//
// # Rules
//
// Leeching (tit-for-tat, as in the original client): the Slots interested,
// non-snubbed peers with the highest DownloadRate (bytes/s they send us) are
// unchoked. Seeding ("fastest upload", libtorrent's default seed choker): the
// Slots interested peers with the highest UploadRate (bytes/s we manage to
// send them) are unchoked, so upload capacity goes where it is used; snubbing
// is irrelevant when we download nothing. Equal rates are ordered randomly,
// except that a peer already unchoked stays ahead of a choked one.
//
// One more interested peer gets the optimistic unchoke, drawn at random among
// the interested peers outside the regular set and kept for
// OptimisticInterval (30 s). Peers connected less than NewPeerWindow ago are
// three times as likely to be drawn, so newcomers get a first piece to
// trade. A snubbed peer can be drawn: that is how it earns its way back.
//
// Hysteresis: a peer unchoked less than MinUnchokeTime ago keeps its regular
// slot while it stays interested (and, when leeching, not snubbed), so an
// event-driven Rechoke between the periodic ones does not flap it.
//
// Slots < 0 unchokes every interested peer (no optimistic slot needed).
//
// # Concurrency
//
// A Choker is not safe for concurrent use; it belongs to the goroutine that
// owns the peer set (the torrent goroutine). It does no I/O.
package choker
