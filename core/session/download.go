package session

import (
	"errors"
	"fmt"
	"time"

	"github.com/libbt/libbt/core/metainfo"
	"github.com/libbt/libbt/core/peerwire"
	"github.com/libbt/libbt/core/picker"
)

// maxHashStrikes is how many failed pieces a peer may contribute to before it is banned.
const maxHashStrikes = 3

// onPiece takes a received block: hands it to the disk, and hashes the piece once all of its
// blocks are written.
func (t *Torrent) onPiece(p *peerConn, index int, begin uint32, data []byte) error {
	b := picker.Block{Piece: index, Begin: begin, Length: uint32(len(data))}
	if _, ok := p.requests[b]; !ok || t.picker == nil {
		// Unrequested, cancelled or timed out: not an offence, but the bytes are wasted.
		t.wastedBytes += int64(len(data))
		putBlock(data)
		return nil
	}
	delete(p.requests, b)
	now := time.Now()
	p.lastPiece = now
	p.snubbed = false
	p.down.add(len(data))
	t.down.add(len(data))

	dup, cancels := t.picker.BlockReceived(p.key, b)
	for _, key := range cancels {
		if q := t.peerByKey(key); q != nil {
			if _, ok := q.requests[b]; ok {
				delete(q.requests, b)
				q.sendMessage(&peerwire.Message{ID: peerwire.Cancel, Index: uint32(b.Piece), Begin: b.Begin, Length: b.Length})
			}
		}
	}
	if dup {
		t.wastedBytes += int64(len(data))
		putBlock(data)
		t.fillRequests(p)
		return nil
	}
	off := t.meta.Info.PieceOffset(metainfo.PieceIndex(index)) + int64(begin)
	t.pendingWrites[index]++
	t.diskPending.Add(1)
	t.s.disk.Write(t.storage, off, data, func(err error) {
		putBlock(data)
		t.diskPending.Done()
		t.post(func() { t.writeDone(index, err) })
	})
	t.fillRequests(p)
	return nil
}

func (t *Torrent) peerByKey(key picker.PeerKey) *peerConn {
	for q := range t.peers {
		if q.key == key {
			return q
		}
	}
	return nil
}

// writeDone runs when a block is on disk; the last write of a complete piece starts its hash.
func (t *Torrent) writeDone(index int, err error) {
	t.pendingWrites[index]--
	if t.pendingWrites[index] == 0 {
		delete(t.pendingWrites, index)
	}
	if err != nil {
		if t.state != StateError {
			t.fail(err)
		}
		return
	}
	if t.pendingWrites[index] == 0 && t.picker != nil && t.picker.PieceBlocksDone(index) && !t.hashing[index] && !t.have.Has(index) {
		t.hashPiece(index)
	}
}

func (t *Torrent) hashPiece(index int) {
	t.hashing[index] = true
	info := &t.meta.Info
	pi := metainfo.PieceIndex(index)
	t.diskPending.Add(1)
	t.s.disk.HashPiece(t.storage, info.PieceOffset(pi), info.PieceSize(pi), func(sum [20]byte, err error) {
		t.diskPending.Done()
		t.post(func() { t.pieceHashed(index, sum, err) })
	})
}

func (t *Torrent) pieceHashed(index int, sum [20]byte, err error) {
	delete(t.hashing, index)
	if t.picker == nil || t.state == StateCheckingFiles {
		return
	}
	if err != nil {
		t.fail(err)
		return
	}
	if sum != t.meta.Info.PieceHash(metainfo.PieceIndex(index)) {
		t.pieceFailed(index)
		return
	}
	t.picker.PieceVerified(index)
	t.have.Set(index)
	t.countPiece(index, true, false)
	if t.picker.Priority(index) > 0 {
		t.bytes.wantedDone += t.meta.Info.PieceSize(metainfo.PieceIndex(index))
	}
	if t.s.alerts.wants(AlertPieceFinished) {
		t.s.alerts.push(Alert{Type: AlertPieceFinished, Torrent: t, InfoHash: t.infoHash, Piece: index,
			Message: fmt.Sprintf("%s: piece %d finished", t.name, index)})
	}
	// Every peer hears it, even those that have the piece (libtorrent's send_redundant_have):
	// a super seed learns from it that its piece spread.
	for p := range t.peers {
		p.sendMessage(&peerwire.Message{ID: peerwire.Have, Index: uint32(index)})
	}
	if t.picker.Complete() {
		t.updateCompletion(true)
	} else {
		// Interest may have ended for peers whose only useful piece this was.
		for p := range t.peers {
			if p.amInterested && p.has.Has(index) && len(p.requests) == 0 {
				t.updateInterest(p)
			}
		}
	}
}

// pieceFailed re-queues a piece that failed its hash and counts it against the peers that sent
// its blocks; a repeat offender is banned.
func (t *Torrent) pieceFailed(index int) {
	contributors := t.picker.PieceFailed(index)
	t.s.alerts.push(Alert{Type: AlertHashFailed, Torrent: t, InfoHash: t.infoHash, Piece: index,
		Message: fmt.Sprintf("%s: piece %d failed the hash check; fetching it again", t.name, index)})
	for _, key := range contributors {
		p := t.peerByKey(key)
		if p == nil {
			continue
		}
		t.strikes[p.addr]++
		if t.strikes[p.addr] >= maxHashStrikes {
			t.banned[p.addr] = true
			t.dropPeer(p, errors.New("sent too many pieces that failed the hash check"), true)
		}
	}
	for p := range t.peers {
		t.fillRequests(p)
	}
}
