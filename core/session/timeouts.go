package session

import (
	"fmt"
	"slices"
	"time"

	"github.com/libbt/libbt/core/peerwire"
	"github.com/libbt/libbt/core/picker"
	"github.com/libbt/libbt/core/upload"
)

// maxTimeoutAlerts bounds the block_timeout alerts one timeout raises (one per block, as
// libtorrent, but a peer holding hundreds of requests gets a handful and a count).
const maxTimeoutAlerts = 8

// peerWireTick is the once-a-second upkeep of one peer's wire state: the send-buffer
// watermark from its upload rate, and the timeouts of our requests to it.
func (t *Torrent) peerWireTick(p *peerConn, now time.Time) {
	w := &t.wire
	p.watermark = upload.Watermark(p.up.Rate(), w.watermarkFactor, w.lowWatermark, w.highWatermark)
	if p.upq.Queued() > 0 {
		t.fillSendBuffer(p) // the watermark may have grown
	}
	if t.picker == nil {
		return
	}
	p.out.Forget(now, w.requestTimeout)
	why, expired := p.out.Expired(now, w.pieceTimeout, w.requestTimeout)
	if !expired {
		// A peer we want something from that has been idle for a piece timeout is offered the
		// blocks it once rejected again: if it alone has them, that is the only way forward.
		if p.out.Live() == 0 && p.amInterested && !p.peerChoking && now.Sub(p.out.IdleSince()) > w.pieceTimeout {
			t.picker.ForgetRejections(p.key)
		}
		return
	}
	t.timeOutRequests(p, now, why)
}

// timeOutRequests gives a slow peer's requests back to the picker so another peer (or this
// one, once it is asked again) gets them, marks the peer snubbed, and raises block_timeout.
// The timed-out requests stay on the peer's books: a block that arrives late is still used.
func (t *Torrent) timeOutRequests(p *peerConn, now time.Time, why string) {
	blocks := p.out.TimeOut(now, nil)
	slices.SortFunc(blocks, func(a, b picker.Block) int {
		if a.Piece != b.Piece {
			return a.Piece - b.Piece
		}
		return int(a.Begin) - int(b.Begin)
	})
	for _, b := range blocks {
		t.picker.Cancelled(p.key, b)
	}
	for i, b := range blocks[:min(len(blocks), maxTimeoutAlerts)] {
		msg := fmt.Sprintf("%s: peer %s: block %d+%d of piece %d timed out (%s); asking again", t.name, p.addr, b.Begin, b.Length, b.Piece, why)
		if i == 0 && len(blocks) > 1 {
			msg += fmt.Sprintf(" (%d blocks in all)", len(blocks))
		}
		t.s.alerts.push(Alert{Type: AlertBlockTimeout, Torrent: t, InfoHash: t.infoHash, Endpoint: p.addr.String(), Piece: b.Piece, Message: msg})
	}
	for q := range t.peers {
		if q != p {
			t.fillRequests(q)
		}
	}
	t.fillRequests(p) // a snubbed peer gets one request at a time until a block comes in time
}

// sendRequests sends the blocks just picked for p, preceded by Cancels for those whose earlier
// request timed out (so the peer serves the new request, not both, and its reject of the old
// one is recognised as such).
func (t *Torrent) sendRequests(p *peerConn, blocks []picker.Block) {
	now := time.Now()
	var again []picker.Block // rare: only after a timeout
	for _, b := range blocks {
		if p.out.Add(b, now) {
			again = append(again, b)
		}
	}
	if len(again) > 0 {
		p.send(func(buf []byte) []byte {
			for _, b := range again {
				buf = peerwire.AppendCancel(buf, uint32(b.Piece), b.Begin, b.Length)
			}
			return buf
		})
	}
	p.send(func(buf []byte) []byte {
		for _, b := range blocks {
			buf = peerwire.AppendRequest(buf, uint32(b.Piece), b.Begin, b.Length)
		}
		return buf
	})
}
