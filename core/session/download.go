package session

import (
	"fmt"
	"sync"
	"time"

	"github.com/libbt/libbt/core/metainfo"
	"github.com/libbt/libbt/core/peerwire"
	"github.com/libbt/libbt/core/picker"
	"github.com/libbt/libbt/core/shrink"
	"github.com/libbt/libbt/core/smartban"
	"github.com/libbt/libbt/disk"
)

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
	p.down.Add(len(data))
	t.down.Add(len(data))

	if !t.storeBlock(p.key, p.blameSource(), b, data) {
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
// the peers also asked for the block, the sender's record (smart ban), the disk cache, and the
// piece's hash check once all of its blocks are in. It returns false for a duplicate, which is
// discarded.
func (t *Torrent) storeBlock(from picker.PeerKey, src smartban.Source, b picker.Block, data []byte) bool {
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
	t.smart.BlockReceived(index, int(b.Begin/picker.BlockSize), t.picker.BlocksInPiece(index), src)
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

// writeFailed handles a block the disk could not take (it had to write it through and failed).
func (t *Torrent) writeFailed(err error) {
	if t.state != StateError {
		t.fail(err)
	}
}

// finishPiece asks the disk to complete the hash of a fully received piece and, if it matches,
// write it. The digests of its blocks come back when it fails, and when it passes after an
// earlier failure (smart ban compares the two).
func (t *Torrent) finishPiece(index int) {
	shrink.Set(&t.hashing, index, true)
	t.diskPending.Add(1)
	want := t.meta.Info.PieceHash(metainfo.PieceIndex(index))
	t.s.disk.FinishPieceDigests(t.storage, t.diskPiece(index), want, t.smart.WantsDigests(index), func(ok bool, digests []disk.BlockDigest, err error) {
		t.diskPending.Done()
		t.post(func() { t.pieceFinished(index, ok, digests, err) })
	})
}

// pieceFinished takes FinishPiece's verdict: ok means verified and on disk.
func (t *Torrent) pieceFinished(index int, ok bool, digests []disk.BlockDigest, err error) {
	delete(t.hashing, index)
	if t.picker == nil || t.state == StateCheckingFiles {
		return
	}
	if err != nil {
		t.fail(err)
		return
	}
	if !ok {
		t.pieceFailed(index, digests)
		return
	}
	t.applyVerdict(t.smart.PiecePassed(index, digests))
	t.picker.PieceVerified(index)
	t.have.Set(index)
	t.bytes.Verified(&t.meta.Info, index, t.picker.Priority(index) > 0)
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
		t.smart.Reset() // every failed piece has passed: no evidence is left to compare
		t.updateCompletion(true)
	} else {
		// Interest may have ended for peers whose only useful piece this was; a peer that
		// was waiting for this verdict (one on parole fills one piece at a time) asks for more.
		for p := range t.peers {
			if p.amInterested && p.out.Live() == 0 {
				if p.has.Has(index) {
					t.updateInterest(p)
				}
				t.fillRequests(p)
			}
		}
	}
}

// pieceFailed re-queues a piece that failed its hash check and lets smart ban judge its
// senders (smartban.go): the sole sender of the piece, or one that sent a block twice with
// different data, is banned now; the others are suspects (on parole) until the piece passes,
// when each block is compared with the good copy and exactly the senders of bad blocks are
// banned.
func (t *Torrent) pieceFailed(index int, digests []disk.BlockDigest) {
	t.picker.PieceFailed(index)
	t.s.alerts.push(Alert{Type: AlertHashFailed, Torrent: t, InfoHash: t.infoHash, Piece: index,
		Message: fmt.Sprintf("%s: piece %d failed the hash check; fetching it again", t.name, index)})
	t.applyVerdict(t.smart.PieceFailed(index, digests))
	for p := range t.peers {
		t.fillRequests(p)
	}
}
