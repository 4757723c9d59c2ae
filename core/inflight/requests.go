package inflight

import (
	"slices"
	"time"

	"github.com/libbt/libbt/core/picker"
)

// MaxRemembered bounds the timed-out and the cancelled entries kept per peer; past it the
// oldest are forgotten first.
const MaxRemembered = 512

// minRequestTimeout is libtorrent's floor: timeouts are checked once a second, so anything
// shorter would fire at once.
const minRequestTimeout = 2 * time.Second

type entry struct {
	sent     time.Time
	timedOut time.Time // zero while live
}

// Requests is the book of requests sent to one peer. The zero value is not usable: call New.
type Requests struct {
	reqs      map[picker.Block]entry
	live      int
	cancelled map[picker.Block]time.Time // cancels sent; a reject may still answer them

	lastPiece    time.Time // last block received or request sent (libtorrent's m_last_piece)
	waitingSince time.Time // since when the next block is due (libtorrent's m_requested)
	snubbed      bool
	times        average // request times: waitingSince to arrival
}

// New returns an empty book; now starts the piece timeout.
func New(now time.Time) *Requests {
	return &Requests{reqs: map[picker.Block]entry{}, cancelled: map[picker.Block]time.Time{}, lastPiece: now}
}

// Live returns the number of live requests (those that count against the pipeline).
func (r *Requests) Live() int { return r.live }

// Snubbed reports whether the peer let a request time out and has not sent a block in time
// since.
func (r *Requests) Snubbed() bool { return r.snubbed }

// Has reports whether b is requested, live or timed out.
func (r *Requests) Has(b picker.Block) bool {
	_, ok := r.reqs[b]
	return ok
}

// Add records a request for b sent now. cancelFirst is true when b was requested before and
// timed out: send a Cancel for the old request ahead of the new Request, so the peer does not
// answer both, or take the new one for a duplicate.
func (r *Requests) Add(b picker.Block, now time.Time) (cancelFirst bool) {
	if e, ok := r.reqs[b]; ok {
		if e.timedOut.IsZero() {
			return false // already live
		}
		cancelFirst = true
		r.remember(r.cancelled, b, now)
	}
	if r.live == 0 {
		r.waitingSince = now
	}
	r.reqs[b] = entry{sent: now}
	r.live++
	r.lastPiece = now
	return cancelFirst
}

// Received records that b arrived. requested is false for a block we never asked for or
// withdrew: discard it. live tells whether the request was still live (false: it had timed out,
// and the caller's picker no longer counts it as this peer's).
func (r *Requests) Received(b picker.Block, now time.Time, requestTimeoutMax time.Duration) (requested, live bool) {
	e, ok := r.reqs[b]
	if !ok {
		return false, false
	}
	delete(r.reqs, b)
	delete(r.cancelled, b)
	live = e.timedOut.IsZero()
	if live {
		r.live--
	}
	if wait := now.Sub(r.waitingSince); wait < r.requestTimeout(requestTimeoutMax) {
		r.snubbed = false // a block in time: the peer is back (libtorrent's unsnub)
	}
	r.times.add(now.Sub(r.waitingSince))
	r.lastPiece = now
	r.waitingSince = now // the next block has its own timeout
	return true, live
}

// Rejected records a BEP 6 reject of b. It reports whether the reject is of a live request
// (the caller releases it in its picker); a reject answering one of our cancels, or a request
// that had timed out, is absorbed.
func (r *Requests) Rejected(b picker.Block) (live bool) {
	if _, ok := r.cancelled[b]; ok {
		// Sent in answer to our Cancel (libtorrent and libbt reject a cancelled request still
		// queued). Any new request for b comes after it on the wire and is left alone.
		delete(r.cancelled, b)
		return false
	}
	e, ok := r.reqs[b]
	if !ok {
		return false
	}
	delete(r.reqs, b)
	if e.timedOut.IsZero() {
		r.live--
		return true
	}
	return false
}

// Cancel withdraws b (the caller sends a Cancel) and reports whether b was requested and
// whether it was still live (then the caller releases it in its picker, unless the picker did
// so itself, as on an end-game arrival).
func (r *Requests) Cancel(b picker.Block, now time.Time) (requested, live bool) {
	e, ok := r.reqs[b]
	if !ok {
		return false, false
	}
	delete(r.reqs, b)
	live = e.timedOut.IsZero()
	if live {
		r.live--
	}
	r.remember(r.cancelled, b, now)
	return true, live
}

// DropPiece forgets every request for blocks of piece without a Cancel (the peer told us it
// no longer has the piece) and appends the live ones to out.
func (r *Requests) DropPiece(piece int, out []picker.Block) []picker.Block {
	for b, e := range r.reqs {
		if b.Piece != piece {
			continue
		}
		delete(r.reqs, b)
		if e.timedOut.IsZero() {
			r.live--
			out = append(out, b)
		}
	}
	return out
}

// Clear forgets every request (a choke without the fast extension discards them all, or we
// lost interest) and appends the live ones to out; withdrawn=true also remembers those as
// cancelled (the caller sends them Cancels).
func (r *Requests) Clear(out []picker.Block, withdrawn bool, now time.Time) []picker.Block {
	for b, e := range r.reqs {
		if e.timedOut.IsZero() {
			out = append(out, b)
			if withdrawn {
				r.remember(r.cancelled, b, now)
			}
		}
	}
	clear(r.reqs)
	r.live = 0
	return out
}

// Expired reports whether the peer has kept us waiting past piece_timeout or its request
// timeout; why names which.
func (r *Requests) Expired(now time.Time, pieceTimeout, requestTimeoutMax time.Duration) (why string, expired bool) {
	if r.live == 0 {
		return "", false
	}
	if now.Sub(r.lastPiece) > pieceTimeout {
		return "piece_timeout", true
	}
	if now.Sub(r.waitingSince) > r.requestTimeout(requestTimeoutMax) {
		return "request_timeout", true
	}
	return "", false
}

// TimeOut marks every live request timed out and the peer snubbed, and appends the blocks to
// out (in no particular order). The caller gives them back to its picker.
func (r *Requests) TimeOut(now time.Time, out []picker.Block) []picker.Block {
	for b, e := range r.reqs {
		if e.timedOut.IsZero() {
			e.timedOut = now
			r.reqs[b] = e
			out = append(out, b)
		}
	}
	r.live = 0
	r.snubbed = true
	r.waitingSince = now
	return out
}

// Forget drops timed-out requests and cancels older than age, and the oldest timed-out ones
// past MaxRemembered: a block that late is not coming, and is discarded if it does.
func (r *Requests) Forget(now time.Time, age time.Duration) {
	var kept []timedOut
	for b, e := range r.reqs {
		if e.timedOut.IsZero() {
			continue
		}
		if now.Sub(e.timedOut) > age {
			delete(r.reqs, b)
			continue
		}
		kept = append(kept, timedOut{b, e.timedOut})
	}
	if len(kept) > MaxRemembered {
		slices.SortFunc(kept, func(x, y timedOut) int { return x.at.Compare(y.at) })
		for _, k := range kept[:len(kept)-MaxRemembered] {
			delete(r.reqs, k.b)
		}
	}
	for b, at := range r.cancelled {
		if now.Sub(at) > age {
			delete(r.cancelled, b)
		}
	}
}

type timedOut struct {
	b  picker.Block
	at time.Time
}

// IdleSince returns when the peer last sent a block or was sent a request.
func (r *Requests) IdleSince() time.Time { return r.lastPiece }

// RequestTimeout returns the current request timeout for this peer (see the package doc).
func (r *Requests) RequestTimeout(limit time.Duration) time.Duration { return r.requestTimeout(limit) }

func (r *Requests) requestTimeout(limit time.Duration) time.Duration {
	var d time.Duration
	switch r.times.n {
	case 0:
		return max(limit, minRequestTimeout)
	case 1:
		d = r.times.mean + r.times.mean/5
	default:
		d = r.times.mean + 4*r.times.dev
	}
	// Whole seconds rounded up, as libtorrent, within [2 s, max].
	d = (d + time.Second - 1).Truncate(time.Second)
	return max(min(d, limit), minRequestTimeout)
}

// remember records b in m at now, forgetting the oldest entry when m is full.
func (r *Requests) remember(m map[picker.Block]time.Time, b picker.Block, now time.Time) {
	if _, ok := m[b]; !ok && len(m) >= MaxRemembered {
		var oldest picker.Block
		var at time.Time
		for k, t := range m {
			if at.IsZero() || t.Before(at) {
				oldest, at = k, t
			}
		}
		delete(m, oldest)
	}
	m[b] = now
}
