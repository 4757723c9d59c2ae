package session

import (
	"time"

	"github.com/libbt/libbt/core/guard"
)

// The torrent's inbox (core/inbox) never blocks its producers: a disk worker completing a
// write, a listener handing over a connection or the caller of a public method never waits on a
// busy or stalled torrent. What it can hold is bounded by its producers, each of which has a
// bound of its own on closures posted and not yet run:
//
//	peer readers      peerInboxBatches batches of at most maxReadBatch messages per peer, then
//	                  the reader stops reading its socket until the torrent catches up (TCP
//	                  back-pressure), so a peer flooding a busy torrent costs it nothing more
//	disk callbacks    one per disk operation the torrent submitted (its block writes, hashes and
//	                  upload reads, themselves capped by requests in flight and each peer's
//	                  send-buffer watermark, upload.go)
//	send-buffer fills one per peer at most (requestFill, peer.go)
//	public methods    one per calling goroutine (do waits for its closure to run)
//	tracker, DHT,     one per announce or lookup reply batch, one announce or lookup at a time
//	timers            per torrent; timers one each
//	web seeds         the blocks of a job (webSeedJobBytes), webSeedConnections jobs per seed
//	incoming peers    one per connection that completed its handshake, each holding a socket
//	                  (connections_limit applies when the torrent adds it)
//	LSD, Status       tryPost, doWithin: dropped past offerLimit (LSD repeats itself, Status
//	                  falls back on the last snapshot)

// offerLimit is how many closures may wait before tryPost drops what it is given.
const offerLimit = 256

// peerInboxBatches is how many batches of messages one peer's reader may have waiting in its
// torrent's inbox (each at most maxReadBatch messages); the reader waits for one to be taken
// before reading more.
const peerInboxBatches = 4

// post queues f to run on the torrent goroutine without blocking; it is dropped if the torrent
// has stopped.
func (t *Torrent) post(f func()) {
	t.mailbox.Post(f)
}

// tryPost queues f on the torrent goroutine unless offerLimit closures are waiting already (f
// is then dropped: its producer repeats itself) or the torrent has stopped.
func (t *Torrent) tryPost(f func()) {
	t.mailbox.Offer(f, offerLimit)
}

// postFromPeer hands a batch of p's messages to the torrent goroutine, first waiting while p
// has peerInboxBatches batches waiting there already. It returns false when the torrent
// stopped.
func (t *Torrent) postFromPeer(p *peerConn, f func()) bool {
	select {
	case p.inboxCredit <- struct{}{}:
	case <-t.done:
		return false
	}
	return t.mailbox.Post(func() {
		<-p.inboxCredit
		f()
	})
}

// do runs f on the torrent goroutine and waits for it. A panic in f puts the torrent in its
// error state and is returned (an ErrInternal).
func (t *Torrent) do(f func() error) error {
	errc := make(chan error, 1)
	posted := t.mailbox.Post(func() {
		var err error
		if p := guard.Run("torrent method", func() { err = f() }); p != nil {
			t.panicked(p)
			err = p
		}
		errc <- err
	})
	if !posted {
		return ErrTorrentRemoved
	}
	select {
	case err := <-errc:
		return err
	case <-t.done:
		return ErrTorrentRemoved
	}
}

// doWithin is do for callers that must not wait behind a busy torrent: it gives up after limit
// (f may still run later) and reports whether f ran. Like tryPost it drops f past offerLimit, so
// a caller polling a stalled torrent cannot grow its inbox.
func (t *Torrent) doWithin(limit time.Duration, f func()) bool {
	ran := make(chan struct{})
	if !t.mailbox.Offer(func() { defer close(ran); f() }, offerLimit) {
		return false
	}
	timer := time.NewTimer(limit)
	defer timer.Stop()
	select {
	case <-ran:
		return true
	case <-t.done:
	case <-timer.C:
	}
	return false
}
