package session

import (
	"fmt"
	"time"

	"github.com/libbt/libbt/core/choker"
	"github.com/libbt/libbt/core/metainfo"
	"github.com/libbt/libbt/core/peerwire"
	"github.com/libbt/libbt/core/picker"
)

// onRequest validates a peer's request and queues it; disk reads for queued requests start
// while the peer's send buffer is under its watermark (fillSendBuffer), so a peer that does not
// read its socket stops costing disk reads and memory.
func (t *Torrent) onRequest(p *peerConn, m *peerwire.Message) error {
	if t.meta == nil {
		return protocolError("request before we have metadata")
	}
	info := &t.meta.Info
	b := picker.Block{Piece: int(m.Index), Begin: m.Begin, Length: m.Length}
	if b.Piece >= info.NumPieces() {
		return protocolError("request for piece %d of %d", b.Piece, info.NumPieces())
	}
	if b.Length == 0 || b.Length > maxBlockRequest || int64(b.Begin)+int64(b.Length) > info.PieceSize(metainfo.PieceIndex(b.Piece)) {
		return protocolError("request for %d bytes at %d of piece %d is out of range", b.Length, b.Begin, b.Piece)
	}
	if !t.have.Has(b.Piece) || p.amChoking || t.superSeeding() && !p.superPieces[b.Piece] {
		t.rejectRequest(p, b)
		return nil
	}
	// Bound: max_allowed_in_request_queue requests (16 bytes each) wait per peer; past it a
	// request is rejected (BEP 6) or dropped, as libtorrent does.
	if err := p.upq.Push(b, t.wire.maxInRequests); err != nil {
		if !p.reqqAlerted {
			p.reqqAlerted = true
			t.s.alerts.push(Alert{Type: AlertPerformance, Torrent: t, InfoHash: t.infoHash, Endpoint: p.addr.String(), Err: err,
				Message: fmt.Sprintf("%s: peer %s: requests past the queue limit are refused: %v", t.name, p.addr, err)})
		}
		t.rejectRequest(p, b)
		return nil
	}
	t.fillSendBuffer(p)
	return nil
}

// fillSendBuffer starts disk reads for the peer's queued requests while the bytes buffered for
// it plus those being read stay under its watermark (libtorrent's fill_send_buffer). It runs
// on the torrent goroutine: when a request arrives, and when the writer has drained the buffer
// or a cancelled read freed its share (requestFill).
//
// Bound: payload held for one peer (send buffer + reads in flight) is at most its watermark
// (send_buffer_watermark at most) plus one request of up to 128 KiB.
func (t *Torrent) fillSendBuffer(p *peerConn) {
	if p.closed || t.meta == nil {
		return
	}
	p.readBuf = p.upq.Next(p.sendBuffered(), p.watermark, p.readBuf[:0])
	for _, b := range p.readBuf {
		t.readForPeer(p, b)
	}
}

// readForPeer reads one block through the disk cache and sends it, unless the peer was choked
// or cancelled meanwhile. Data is only valid inside the callback: it is copied into the send
// buffer there.
func (t *Torrent) readForPeer(p *peerConn, b picker.Block) {
	t.diskPending.Add(1)
	t.s.disk.ReadBlock(t.storage, t.diskPiece(b.Piece), int(b.Begin), int(b.Length), func(data []byte, err error) {
		defer t.diskPending.Done()
		wanted := p.upq.ReadDone(b)
		if err != nil {
			t.post(func() {
				if t.state != StateError {
					t.fail(err)
				}
			})
			return
		}
		if !wanted {
			p.requestFill() // its share of the watermark is free again
			return
		}
		p.send(func(buf []byte) []byte {
			buf = peerwire.AppendPieceHeader(buf, uint32(b.Piece), b.Begin, int(b.Length))
			return append(buf, data...)
		})
		p.up.Add(len(data))
		t.up.Add(len(data))
	})
}

// rejectRequest answers a request we won't serve: a reject with BEP 6, silence without.
func (t *Torrent) rejectRequest(p *peerConn, b picker.Block) {
	if p.fast {
		p.sendMessage(&peerwire.Message{ID: peerwire.RejectRequest, Index: uint32(b.Piece), Begin: b.Begin, Length: b.Length})
	}
}

func (t *Torrent) onCancel(p *peerConn, b picker.Block) {
	if p.upq.Cancel(b) {
		t.rejectRequest(p, b) // BEP 6: a cancelled request is answered with a reject
	}
}

// choke stops serving a peer; queued requests are rejected (BEP 6) or dropped.
func (t *Torrent) choke(p *peerConn) {
	if p.amChoking {
		return
	}
	p.amChoking = true
	p.sendMessage(&peerwire.Message{ID: peerwire.Choke})
	for _, b := range p.upq.Clear(nil) {
		t.rejectRequest(p, b)
	}
}

func (t *Torrent) unchoke(p *peerConn) {
	if !p.amChoking {
		return
	}
	p.amChoking = false
	p.sendMessage(&peerwire.Message{ID: peerwire.Unchoke})
}

// maybeUnchoke gives a newly interested peer a free upload slot at once rather than at the
// next rechoke, so a fresh download starts without a 10 s wait.
func (t *Torrent) maybeUnchoke(p *peerConn) {
	if !p.amChoking {
		return
	}
	slots := t.choker.Slots
	if slots == 0 {
		slots = choker.DefaultSlots
	}
	unchoked := 0
	for q := range t.peers {
		if !q.amChoking {
			unchoked++
		}
	}
	if slots < 0 || unchoked < slots {
		t.unchoke(p)
	}
}

// rechoke runs the choker over all peers.
func (t *Torrent) rechoke(now time.Time) {
	t.lastRechoke = now
	t.choker.Slots = t.s.conf().UnchokeSlotsLimit
	peers := make([]choker.Peer, 0, len(t.peers))
	byKey := make(map[uint64]*peerConn, len(t.peers))
	for p := range t.peers {
		byKey[uint64(p.key)] = p
		peers = append(peers, choker.Peer{
			Key:          uint64(p.key),
			Interested:   p.peerInterested,
			Choked:       p.amChoking,
			DownloadRate: float64(p.down.Rate()),
			UploadRate:   float64(p.up.Rate()),
			Snubbed:      p.out.Snubbed(),
			ConnectedAt:  p.connectedAt,
		})
	}
	unchoke := t.choker.Rechoke(now, peers, t.state == StateSeeding || t.state == StateFinished)
	for key, p := range byKey {
		if unchoke[key] {
			t.unchoke(p)
		} else {
			t.choke(p)
		}
	}
}
