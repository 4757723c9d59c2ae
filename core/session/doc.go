// Package session is libbt's engine: a Session runs torrents, their peer connections and
// tracker announces, and reports what happens as alerts. It is the Go API that capi/ exposes
// to C; nothing here knows about C.
//
// # Ownership and goroutines
//
//	Session            listen sockets (one accept goroutine each), the disk service, the
//	                   tracker client, the alert queue, the torrent map (mu)
//	Torrent            one goroutine owns all torrent state (picker, bitfields, peers, choker),
//	                   running only while it has work (none for a paused torrent, loop.go). All
//	                   else reaches it by posting a closure to its inbox (post, never blocking)
//	                   or posting and waiting (do); producers bound the inbox (inbox.go).
//	scheduler          one goroutine owns time and the queue (scheduler.go, core/sched,
//	                   core/queue): it posts a tick each second to every running torrent (none
//	                   to paused ones, and none while one is still waiting), runs libtorrent's
//	                   queue over the auto-managed torrents and pauses or resumes them by
//	                   posting. Torrents notify it by posting to its inbox; it never waits on
//	                   a torrent.
//	peerConn           a reader goroutine (decodes messages, posts them to the torrent) and a
//	                   writer goroutine (drains a mutex-guarded byte buffer with one write per
//	                   batch, then asks the torrent for more piece data if the peer has
//	                   requests queued); all protocol state is the torrent goroutine's.
//	tracker loop       one goroutine per torrent with trackers: announces on a schedule and
//	                   posts the peers it gets back.
//	disk               all file I/O and hashing run on disk goroutines; completions post back.
//	web seed job       one goroutine per HTTP fetch (core/webseed): reads the body into block
//	                   buffers and posts them in batches; the blocks it fills are its own.
//
// Every goroutine starts through core/guard, so a panic cannot kill the host (guard.go): on a
// torrent's goroutine or one working for it (peer reader/writer, tracker loop, web seed, disk
// job) the torrent goes to its error state with an ErrInternal and a torrent_error alert
// carrying the stack, and Resume or ForceRecheck rebuilds it; on a session-wide one (listener,
// LSD, DHT, disk worker, alert notify) a session_error alert is raised and loops restart.
//
// No lock is held while calling out: alerts are queued (bounded, drops reported), user
// callbacks (alert notify) run without session locks, and disk callbacks only post closures.
//
// # Files
//
//	session.go   listening, incoming handshakes, dialling, settings, alerts API
//	torrent.go   the Torrent type and its public methods
//	loop.go      the torrent goroutine: metadata, checking, state, ticks, status snapshots
//	scheduler.go the session scheduler goroutine, the queue's actions, auto_managed and
//	             queue_position_* on the torrent
//	protocol.go  peer wire messages, interest, request pipelining, connecting to peers
//	peer.go      a peer's protocol state; its socket, reader, writer and send buffer are a
//	             core/peerconn.Conn
//	download.go  received blocks -> disk -> hash -> have
//	smartban.go  bans by IP address, suspects and parole (glue to core/smartban, which judges
//	             who sent the bad blocks of a failed piece)
//	upload.go    serving requests under the send-buffer watermark (core/upload), choking
//	timeouts.go  our requests' timeouts and snubbing (core/inflight); wire.go their settings
//	settings.go  the core/settings names the API keeps; conf(), the resolved settings in force
//	announce.go  trackers (BEP 3/12/15)
//	extension.go BEP 10 and the wiring of core/ext's plug-in API (ut_pex is core/pex);
//	             metadata.go (BEP 9: glue to core/utmetadata, which owns the fetch),
//	             superseed.go (BEP 16: glue to core/superseed)
//	webseed.go   web seeds (BEP 19/17) as pseudo-peers feeding download.go's storeBlock (a
//	             job's stream is cut into blocks by core/webseed's Blocks)
//	dht.go       the DHT node and torrents' announces; dhtapi.go the DHT as an API (items,
//	             lookups) for the C API; lsd.go which torrents announce on local service
//	             discovery (BEP 14; core/lsd's Manager runs the service)
//	errors.go    sentinel errors and Classify, the kind of failure the C API maps to a code
//	encryption.go MSE/PE on dial and accept (the policies are core/mse's)
//	resume.go    fast resume data (the format is core/resume's); diskstats.go disk counters;
//	             peerinfo.go the peer list; rates are core/rate's meters and limiters
//	inbox.go     posting to the torrent goroutine and the bound on its inbox
//	guard.go     recovered panics: torrent and session errors, test hooks
package session
