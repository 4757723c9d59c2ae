package session

import (
	"errors"
	"fmt"
	"net"

	"github.com/libbt/libbt/core/guard"
	"github.com/libbt/libbt/core/queue"
)

// ErrInternal marks a bug caught at run time: a recovered panic (a *guard.Panic, which names
// where it happened) on a torrent's goroutine or on one working for it, which put the torrent
// in its error state, or on a session-wide goroutine. The C API maps it onto BT_E_INTERNAL.
var ErrInternal = guard.ErrPanic

// testHooks make the engine panic where a bug would. Only tests set them, through newSession
// (so that no goroutine reads one while it is written).
type testHooks struct {
	tick         func(t *Torrent) // on the torrent goroutine, at each tick
	dhtBootstrap func()           // on the DHT bootstrap goroutine
	accept       func(net.Conn)   // on a listener's goroutine, for each connection accepted
	// on the scheduler goroutine, after each queue pass, with the snapshot it judged
	queuePass func(d *queue.Decision, torrents []queue.Torrent)
}

// defaultTestHooks are the hooks of sessions made by New: always none, except in the library
// built for the host-side panic test (panichooks.go, build tag libbt_panic_hooks).
var defaultTestHooks testHooks

// safely runs f on the torrent goroutine; a panic in f puts the torrent in its error state.
func (t *Torrent) safely(where string, f func()) {
	if p := guard.Run(where, f); p != nil {
		t.panicked(p)
	}
}

// goSafely starts f on a goroutine working for the torrent (a peer's reader or writer, its
// tracker loop, a web seed fetch, a disk job): a panic there puts the torrent in its error state
// as a panic on the torrent goroutine would.
func (t *Torrent) goSafely(where string, f func()) {
	guard.Go(where, f, t.onPanic)
}

// onPanic reports a panic recovered on a goroutine working for the torrent; it runs on that
// goroutine. A torrent already stopped cannot take it: it becomes a session error.
func (t *Torrent) onPanic(p *guard.Panic) {
	if !t.mailbox.Post(func() { t.panicked(p) }) {
		t.s.sessionPanic(p)
	}
}

// panicked puts the torrent in its error state after a recovered panic: a torrent_error alert
// with the panic and its stack, peers and web seeds closed. Its state may be half-updated, which
// is why it stops; Resume or ForceRecheck checks the files again and rebuilds it. It runs on the
// torrent goroutine.
func (t *Torrent) panicked(p *guard.Panic) {
	t.forgetEndedTracker()
	q := guard.Run("torrent error handling", func() { t.fail(p) })
	if q == nil {
		return
	}
	// fail itself panicked on the broken state: do the least that keeps the session safe.
	t.err = p
	t.state = StateError
	t.s.alerts.push(Alert{Type: AlertTorrentError, Torrent: t, InfoHash: t.infoHash, Err: p,
		Message: fmt.Sprintf("%s: %v\n%s\nthen, putting the torrent in its error state: %v\n%s", t.name, p, p.Stack, q.Value, q.Stack)})
	guard.Run("torrent error handling", func() {
		for c := range t.peers {
			c.closeConn()
		}
		t.publish()
	})
}

// forgetEndedTracker lets Resume start a new tracker loop when a panic ended the last one
// (fail leaves a running one alone).
func (t *Torrent) forgetEndedTracker() {
	if t.trackerStop == nil {
		return
	}
	select {
	case <-t.trackerDone:
		t.trackerStop()
		t.trackerStop = nil
	default:
	}
}

// panicMessage is the text of an alert for err: with a recovered panic, its stack follows.
func panicMessage(prefix string, err error) string {
	var p *guard.Panic
	if errors.As(err, &p) {
		return fmt.Sprintf("%s: %v\n%s", prefix, err, p.Stack)
	}
	return fmt.Sprintf("%s: %v", prefix, err)
}

// goSession starts f on a session-wide goroutine: a panic there is reported as a session_error
// alert and the goroutine ends (the component it served stops working until restarted).
func (s *Session) goSession(where string, f func()) {
	guard.Go(where, f, s.sessionPanic)
}

// superviseSession starts f on a session-wide goroutine counted in s.wg, and starts f again
// after a panic (reported as a session_error alert) until f returns or stop is closed.
func (s *Session) superviseSession(where string, stop <-chan struct{}, f func()) {
	s.wg.Add(1)
	guard.Go(where, func() {
		defer s.wg.Done()
		guard.Supervise(where, stop, f, s.sessionPanic)
	}, s.sessionPanic)
}

// sessionPanic reports a panic recovered on a session-wide goroutine.
func (s *Session) sessionPanic(p *guard.Panic) {
	s.alerts.push(Alert{Type: AlertSessionError, Err: p, Message: panicMessage("session", p)})
}
