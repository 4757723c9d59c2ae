package session

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/libbt/libbt/core/metainfo"
	"github.com/libbt/libbt/core/peerwire"
	"github.com/libbt/libbt/core/picker"
	"github.com/libbt/libbt/disk"
)

// maxHashStrikes is how many failed pieces a peer may contribute to before it is banned.
const maxHashStrikes = 3

// onPiece takes a received block: hands it to the disk cache, which hashes it on arrival, and
// finishes the piece (hash check, one vectored write) once all of its blocks are received.
func (t *Torrent) onPiece(p *peerConn, index int, begin uint32, data []byte) error {
	b := picker.Block{Piece: index, Begin: begin, Length: uint32(len(data))}
	// A request that timed out is still accepted (timeouts.go).
	if requested, _ := p.out.Received(b, time.Now(), t.wire.requestTimeout); !requested || t.picker == nil {
		// Unrequested or cancelled: not an offence, but the bytes are wasted.
		putBlock(data)
		return nil
	}
	p.down.add(len(data))
	t.down.add(len(data))

	if !t.storeBlock(p.key, b, data) {
		t.fillRequests(p)
		return nil
	}
	if t.s.disk.WriteQueueFull() {
		t.waitForDisk()
		return nil
	}
	t.fillRequests(p)
	return nil
}

// storeBlock is the receive path shared by peers and web seeds: picker bookkeeping, cancels to
// the peers also asked for the block, the disk cache, and the piece's hash check once all of its
// blocks are in. It returns false for a duplicate, which is discarded.
func (t *Torrent) storeBlock(from picker.PeerKey, b picker.Block, data []byte) bool {
	dup, cancels := t.picker.BlockReceived(from, b)
	for _, key := range cancels {
		// End-game duplicates: the picker has dropped them from its books already.
		if q := t.peerByKey(key); q != nil {
			if requested, _ := q.out.Cancel(b, time.Now()); requested {
				q.sendMessage(&peerwire.Message{ID: peerwire.Cancel, Index: uint32(b.Piece), Begin: b.Begin, Length: b.Length})
			}
		}
	}
	if dup {
		putBlock(data)
		return false
	}
	index := b.Piece
	t.diskPending.Add(1)
	t.s.disk.WriteBlock(t.storage, t.diskPiece(index), int(b.Begin), data, func(err error) {
		putBlock(data)
		t.diskPending.Done()
		if err != nil {
			t.post(func() { t.writeFailed(err) })
		}
	})
	// The disk orders FinishPiece after the piece's block writes: no need to wait for them.
	if t.picker.PieceBlocksDone(index) && !t.hashing[index] && !t.have.Has(index) {
		t.finishPiece(index)
	}
	return true
}

// diskPiece names piece index for the disk layer.
func (t *Torrent) diskPiece(index int) disk.Piece {
	pi := metainfo.PieceIndex(index)
	return disk.Piece{Index: index, Offset: t.meta.Info.PieceOffset(pi), Size: t.meta.Info.PieceSize(pi)}
}

// diskWaits holds the torrents that stopped requesting blocks because the disk write queue is
// full; each has one goroutine waiting for it to drain.
var diskWaits sync.Map // *Torrent -> struct{}

// waitForDisk is the back-pressure of the download path: while the disk's write queue is over
// its limit no new blocks are requested (so peers stop sending and sockets stop being read);
// requests are topped up again for every peer once it has drained.
func (t *Torrent) waitForDisk() {
	if _, waiting := diskWaits.LoadOrStore(t, struct{}{}); waiting {
		return
	}
	ch := t.s.disk.Writable()
	t.goSafely("disk wait", func() {
		select {
		case <-ch:
		case <-t.ctx.Done():
		}
		diskWaits.Delete(t)
		t.post(func() {
			for q := range t.peers {
				t.fillRequests(q)
			}
		})
	})
}

func (t *Torrent) peerByKey(key picker.PeerKey) *peerConn {
	for q := range t.peers {
		if q.key == key {
			return q
		}
	}
	return nil
}

// hashRecord is how many failed pieces a source has sent so far: maxHashStrikes once banned,
// 0 for one that is gone.
func (t *Torrent) hashRecord(key picker.PeerKey) int {
	if p := t.peerByKey(key); p != nil {
		if t.banned[p.addr] {
			return maxHashStrikes
		}
		return t.strikes[p.addr]
	}
	if ws := t.webSeedByKey(key); ws != nil {
		if ws.banned {
			return maxHashStrikes
		}
		return ws.strikes
	}
	return 0
}

// writeFailed handles a block the disk could not take (it had to write it through and failed).
func (t *Torrent) writeFailed(err error) {
	if t.state != StateError {
		t.fail(err)
	}
}

// finishPiece asks the disk to complete the hash of a fully received piece and, if it matches,
// write it.
func (t *Torrent) finishPiece(index int) {
	t.hashing[index] = true
	t.diskPending.Add(1)
	want := t.meta.Info.PieceHash(metainfo.PieceIndex(index))
	t.s.disk.FinishPiece(t.storage, t.diskPiece(index), want, func(ok bool, err error) {
		t.diskPending.Done()
		t.post(func() { t.pieceFinished(index, ok, err) })
	})
}

// pieceFinished takes FinishPiece's verdict: ok means verified and on disk.
func (t *Torrent) pieceFinished(index int, ok bool, err error) {
	delete(t.hashing, index)
	if t.picker == nil || t.state == StateCheckingFiles {
		return
	}
	if err != nil {
		t.fail(err)
		return
	}
	if !ok {
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
			if p.amInterested && p.has.Has(index) && p.out.Live() == 0 {
				t.updateInterest(p)
			}
		}
	}
}

// pieceFailed re-queues a piece that failed its hash and counts it against the sources that
// sent its blocks; a repeat offender is banned. When several sources sent blocks, those with
// the worst record so far (a banned one first) take the blame alone: a bad web seed's last
// blocks landing in pieces an honest peer completes must not get the peer banned. Only when
// none has a record is every contributor counted.
func (t *Torrent) pieceFailed(index int) {
	contributors := t.picker.PieceFailed(index)
	t.s.alerts.push(Alert{Type: AlertHashFailed, Torrent: t, InfoHash: t.infoHash, Piece: index,
		Message: fmt.Sprintf("%s: piece %d failed the hash check; fetching it again", t.name, index)})
	records := make([]int, len(contributors)) // before this failure counts
	worst := 0
	for i, key := range contributors {
		records[i] = t.hashRecord(key)
		worst = max(worst, records[i])
	}
	for i, key := range contributors {
		if len(contributors) > 1 && records[i] < worst {
			continue
		}
		p := t.peerByKey(key)
		if p == nil {
			t.webSeedHashFailed(key, index)
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
