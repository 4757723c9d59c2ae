package session

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/libbt/libbt/core/bitfield"
	"github.com/libbt/libbt/core/guard"
	"github.com/libbt/libbt/core/metainfo"
	"github.com/libbt/libbt/core/picker"
	"github.com/libbt/libbt/core/progress"
	"github.com/libbt/libbt/disk"
)

// The torrent goroutine owns every field marked "owned by the torrent goroutine". It runs only
// while the torrent has work (core/inbox's on-demand consumer): a Post finding none starts one
// (spawn), which serves the inbox while the torrent runs and returns once the inbox is empty
// while it is paused, so a paused torrent has no goroutine. Each closure runs under guard: a
// panic puts the torrent in its error state (guard.go) and the inbox is still served, so Pause,
// Resume, Status and removal still work.
func (t *Torrent) spawn() {
	guard.Go("torrent goroutine", func() { t.mailbox.Drain(t.step, t.awake) }, t.s.sessionPanic)
}

func (t *Torrent) step(f func()) { t.safely("torrent goroutine", f) }

// awake keeps the goroutine between closures while the torrent runs (ticks and peers post to
// it all the time); a paused one gives it up.
func (t *Torrent) awake() bool { return !t.paused }

// start is the torrent's first step, on its goroutine. No ticker of its own: the session
// scheduler posts a tick each second while the torrent runs (scheduler.go), none while it is
// paused.
func (t *Torrent) start(mi *metainfo.MetaInfo) {
	t.state = StateDownloadingMetadata
	if mi != nil {
		t.state = StateCheckingFiles // no "downloading_metadata -> checking" for a .torrent
		if err := t.setMetadata(mi); err != nil {
			t.fail(err)
		}
	}
	if !t.paused {
		t.startTracker()
	}
	t.publish()
	t.dhtTick(time.Now()) // a magnet link needs peers before anything else
}

// runTick is the torrent's once-a-second work (tick) under guard, on the torrent goroutine. The
// session scheduler calls it through postTick (scheduler.go).
func (t *Torrent) runTick(now time.Time) {
	t.safely("torrent tick", func() {
		if t.s.hooks.tick != nil {
			t.s.hooks.tick(t)
		}
		t.tick(now)
	})
}

// postTick asks the torrent goroutine to run its tick for now without waiting. A torrent whose
// last tick still waits in its inbox, or with offerLimit closures waiting, skips this one (the
// next tick catches up, as tick reads the clock it is given), so a busy torrent never piles up
// ticks and the scheduler never waits on it.
func (t *Torrent) postTick(now time.Time) {
	if t.tickQueued.Swap(true) {
		return
	}
	if !t.mailbox.Offer(func() { t.tickQueued.Store(false); t.runTick(now) }, offerLimit) {
		t.tickQueued.Store(false)
	}
}

// stopRunning closes what the torrent goroutine holds open as it returns.
func (t *Torrent) stopRunning() {
	t.closeAllPeers("torrent stopped")
	for _, pp := range t.parked {
		pp.conn.Close()
		if !pp.incoming {
			t.s.numConns.Add(-1)
		}
	}
	t.closeWebSeeds()
	if t.checking != nil {
		t.checking()
	}
}

// setMetadata installs the info dictionary: storage, picker, then a check of existing data.
func (t *Torrent) setMetadata(mi *metainfo.MetaInfo) error {
	info := &mi.Info
	if t.filePrio != nil && len(t.filePrio) != len(info.Files) {
		t.filePrio = nil
	}
	specs := make([]disk.FileSpec, len(info.Files))
	for i, f := range info.Files {
		path := f.Path
		if info.MultiFile {
			path = append([]string{info.Name}, f.Path...)
		}
		specs[i] = disk.FileSpec{Path: path, Length: f.Length, Pad: !f.OnDisk()} // symlinks are not created
	}
	writeMode := t.s.conf().DiskIOWriteMode
	st, err := disk.OpenStorage(t.savePath, specs, disk.StorageOptions{
		WriteThrough:   t.s.conf().DiskWriteThrough || writeMode == diskWriteThrough,
		DropOSCache:    writeMode != diskEnableOSCache,
		FullAllocation: t.s.conf().FullAllocation,
		FilePool:       t.s.files,
		WrapBackend:    t.s.wrapBackend,
		PartFile:       "." + mi.InfoHash.String() + ".parts", // skipped files' bytes in shared pieces
		OnPanic:        t.onPanic,
	})
	if err != nil {
		return err
	}
	t.meta = mi
	t.name = info.Name
	t.storage = st
	t.have = bitfield.New(info.NumPieces())
	t.newPicker()
	t.addMetaWebSeeds(mi)
	if t.paused && t.autoManaged.Load() {
		// Queued: the check waits for the queue to start it (active_checking).
		t.rememberPeers()
		t.closeAllPeers("checking files")
		t.setState(StateCheckingFiles)
		t.checkPending = true
		return nil
	}
	t.startChecking()
	return nil
}

// newPicker makes a new picker from the pieces the torrent has and its priorities. A paused
// torrent gets none (what its status needs is in t.bytes): Resume makes it (setPausedFor).
func (t *Torrent) newPicker() {
	info := &t.meta.Info
	t.picker = nil
	if t.paused {
		t.applyPriorities()
		return
	}
	t.picker = picker.New(info.NumPieces(), info.PieceLength, info.TotalLength)
	t.picker.SetSequential(t.sequential)
	t.applyPriorities()
	for i := range t.have.Len() {
		if t.have.Has(i) {
			t.picker.SetHave(i)
		}
	}
	for p := range t.peers {
		p.registeredAll = false
		t.peerAvailability(p)
	}
}

// applyPriorities maps file priorities onto pieces (core/progress) for the picker, the byte
// totals and the disk.
func (t *Torrent) applyPriorities() {
	if t.meta == nil {
		return
	}
	info := &t.meta.Info
	prio := progress.PiecePriorities(info, t.filePriority)
	for p, v := range prio {
		if t.picker != nil { // none while paused
			t.picker.SetPiecePriority(p, v)
		}
	}
	t.bytes = progress.Count(info, t.have, prio)
	// Skipped files are never created: bytes of theirs in a piece shared with a wanted file go
	// to the part file instead.
	fileprio := make([]int, len(info.Files))
	for i := range fileprio {
		fileprio[i] = t.filePriority(i)
	}
	t.s.disk.SetFilePriorities(t.storage, fileprio, info.PieceLength, func(err error) {
		if err != nil {
			t.post(func() { t.fail(err) })
		}
	})
	if t.state == StateDownloading || t.state == StateFinished || t.state == StateSeeding {
		t.updateCompletion(false)
		for p := range t.peers {
			t.updateInterest(p)
		}
	}
}

// rememberPeers keeps the connected peers' addresses as candidates, so that peers dropped for a
// check or an error are reconnected afterwards.
func (t *Torrent) rememberPeers() {
	for p := range t.peers {
		if a, ok := p.pexAddr(); ok {
			t.candidates[a] = p.source
		}
	}
}

// startChecking verifies the data on disk, replacing what the torrent believed it had.
func (t *Torrent) startChecking() {
	if t.checking != nil {
		t.checking()
	}
	t.rememberPeers()
	t.closeAllPeers("checking files")
	t.stopWebSeeds()
	t.setState(StateCheckingFiles)
	// Not a child of t.ctx (its children map would outlive the check): stopRunning cancels it.
	ctx, cancel := context.WithCancel(context.Background())
	t.checking = cancel
	checked := new(atomic.Int64)
	t.checked.Store(checked)
	t.verifyData(ctx, func(int, bool) { checked.Add(1) }, func(err error) {
		t.s.alerts.push(Alert{Type: AlertFastResumeRejected, Torrent: t, InfoHash: t.infoHash, Err: err,
			Message: fmt.Sprintf("%s: resume data not used (%v); checking every piece", t.name, err)})
	},
		func(have []bool, err error) {
			t.post(func() {
				if ctx.Err() != nil {
					return // superseded by another check, or stopping
				}
				t.checking = nil
				cancel() // else the context stays among t.ctx's children
				t.checkDone(have, err)
			})
		})
}

func (t *Torrent) checkDone(have []bool, err error) {
	if err != nil {
		t.fail(err)
		return
	}
	t.have = bitfield.New(t.meta.Info.NumPieces())
	t.smart.Reset() // blocks in progress start over with the new picker
	for i, ok := range have {
		if ok {
			t.have.Set(i)
		}
	}
	t.newPicker() // and the byte totals
	t.s.alerts.push(Alert{Type: AlertTorrentChecked, Torrent: t, InfoHash: t.infoHash,
		Message: fmt.Sprintf("%s checked: %d of %d pieces present", t.name, t.have.Count(), t.have.Len())})
	t.emptyFilesDone = false
	if next := t.completionState(); next == StateDownloading {
		t.setState(next)
	} else {
		t.createEmptyFiles(func() { t.setState(t.completionState()); t.connectPeers() })
	}
	t.connectPeers()
	t.fillWebSeeds()
}

// updateCompletion moves between downloading, finished and seeding. announce says whether a
// transition to finished counts as a download completing (alert + tracker event).
func (t *Torrent) updateCompletion(announce bool) {
	if t.meta == nil || t.state == StateCheckingFiles || t.state == StateError {
		return
	}
	next := t.completionState()
	prev := t.state
	if next == prev {
		return
	}
	if next != StateDownloading && !t.emptyFilesDone {
		// Finish the file set first, so "finished" means every file exists on disk.
		t.createEmptyFiles(func() { t.updateCompletion(announce) })
		return
	}
	t.setState(next)
	if announce && prev == StateDownloading {
		t.s.alerts.push(Alert{Type: AlertTorrentFinished, Torrent: t, InfoHash: t.infoHash, Message: t.name + " finished downloading"})
		t.wakeTracker(trackerCompleted)
	}
	if next != StateDownloading {
		for p := range t.peers {
			t.updateInterest(p)
			if next == StateSeeding && p.has.Len() > 0 && p.has.All() {
				t.dropPeer(p, errors.New("both sides are seeds"), false)
			}
		}
	}
}

// createEmptyFiles makes the zero-length files of a complete torrent, which no piece writes,
// then runs then on the torrent goroutine. The file I/O runs off the torrent goroutine.
func (t *Torrent) createEmptyFiles(then func()) {
	if t.creatingFiles {
		return
	}
	t.creatingFiles = true
	st := t.storage
	t.diskPending.Add(1)
	t.goSafely("creating empty files", func() {
		defer t.diskPending.Done()
		err := st.CreateEmptyFiles()
		t.post(func() {
			t.creatingFiles = false
			if err != nil {
				t.fail(err)
				return
			}
			t.emptyFilesDone = true
			then()
		})
	})
}

// completionState is downloading, finished (every wanted piece) or seeding (every piece).
func (t *Torrent) completionState() State {
	switch {
	case t.have.All():
		return StateSeeding
	case t.bytes.Complete():
		return StateFinished
	}
	return StateDownloading
}

func (t *Torrent) setState(s State) {
	if t.state == s {
		return
	}
	prev := t.state
	t.state = s
	if prev == StateCheckingFiles {
		defer t.unparkPeers() // after the state change is visible (addPeer reads t.state)
		defer t.dhtTick(time.Now())
	}
	t.s.alerts.push(Alert{Type: AlertStateChanged, Torrent: t, InfoHash: t.infoHash, State: s, PrevState: prev,
		Message: fmt.Sprintf("%s: %s -> %s", t.name, prev, s)})
	t.s.sched.stateChanged(t, prev, s)
	t.publish()
}

// fail puts the torrent into the error state; Resume clears it and checks the files again.
func (t *Torrent) fail(err error) {
	t.err = err
	var fe *disk.FileError
	if errors.As(err, &fe) {
		t.s.alerts.push(Alert{Type: AlertFileError, Torrent: t, InfoHash: t.infoHash, Err: err, Path: fe.Path, Operation: fe.Op,
			Message: fmt.Sprintf("%s: %s %s: %v", t.name, fe.Op, fe.Path, fe.Err)})
	}
	t.s.alerts.push(Alert{Type: AlertTorrentError, Torrent: t, InfoHash: t.infoHash, Err: err, Message: panicMessage(t.name, err)})
	t.rememberPeers() // for Resume
	t.closeAllPeers("torrent error")
	t.stopWebSeeds()
	t.setState(StateError)
}

func (t *Torrent) setPaused(paused bool) { t.setPausedFor(paused, "") }

// setPausedFor pauses or resumes the torrent; reason, when the queue decided it, goes in the
// alert's message.
func (t *Torrent) setPausedFor(paused bool, reason string) {
	// Resume also clears an error (libtorrent's clear_error + resume), paused or not.
	if paused == t.paused && (paused || t.state != StateError) {
		return
	}
	if reason != "" && !paused && t.state == StateError {
		// The queue never resumes a torrent in error (it decided on news older than the
		// error): only the user's Resume clears one. Tell the scheduler it stays paused.
		t.s.sched.paused(t, t.paused)
		return
	}
	t.paused = paused
	t.s.sched.paused(t, paused)
	if reason != "" {
		reason = " (" + reason + ")"
	}
	if paused {
		t.rememberPeers() // reconnected when resumed (libtorrent keeps its peer list too)
		t.closeAllPeers("torrent paused")
		t.stopWebSeeds()
		t.stopTracker(true)
		if t.picker != nil && len(t.hashing) == 0 && len(t.picker.SnapshotPartial()) == 0 {
			t.picker = nil // nothing in progress: Resume makes a new one
		}
		t.s.alerts.push(Alert{Type: AlertTorrentPaused, Torrent: t, InfoHash: t.infoHash, Message: t.name + " paused" + reason})
	} else {
		t.s.alerts.push(Alert{Type: AlertTorrentResumed, Torrent: t, InfoHash: t.infoHash, Message: t.name + " resumed" + reason})
		if t.checkPending {
			t.checkPending = false
			t.startChecking()
		}
		if t.state == StateError {
			t.err = nil
			if t.meta != nil {
				t.startChecking()
			} else {
				t.setState(StateDownloadingMetadata)
			}
		}
		if t.picker == nil && t.meta != nil && t.checking == nil {
			t.newPicker() // a paused torrent had none
		}
		t.startTracker()
		t.connectPeers()
		t.fillWebSeeds()
	}
	t.publish()
}

func (t *Torrent) tick(now time.Time) {
	t.down.Tick(now)
	t.up.Tick(now)
	t.wire = t.s.wireSettings()
	peerTimeout := t.s.conf().PeerTimeout
	for p := range t.peers {
		p.down.Tick(now)
		p.up.Tick(now)
		if now.Sub(p.lastReceived()) > peerTimeout {
			t.dropPeer(p, errors.New("peer timed out"), false)
			continue
		}
		t.peerWireTick(p, now) // send-buffer watermark, request timeouts (timeouts.go)
	}
	if now.Sub(t.lastRechoke) >= rechokeInterval {
		t.rechoke(now)
	}
	t.tickExtensions(now)
	t.dhtTick(now)
	t.connectPeers()
	for p := range t.peers {
		t.fillRequests(p)
	}
	t.tickWebSeeds(now)
	t.publish()
}

const (
	rechokeInterval = 10 * time.Second
)

// publish stores a fresh status snapshot for readers on other goroutines.
func (t *Torrent) publish() {
	st := &Status{
		State:         t.state,
		Paused:        t.paused,
		SuperSeeding:  t.superSeed,
		HasMetadata:   t.meta != nil,
		Err:           t.err,
		TotalDownload: t.down.Total(),
		TotalUpload:   t.up.Total(),
		DownloadRate:  t.down.Rate(),
		UploadRate:    t.up.Rate(),
		NumPeers:      len(t.peers),
		InfoHash:      t.infoHash,
		Name:          t.name,
	}
	for p := range t.peers {
		if p.has.Len() > 0 && p.has.All() {
			st.NumSeeds++
		}
	}
	if t.paused {
		// A paused torrent is not ticked, so its meters stop where they were: it moves nothing.
		st.DownloadRate, st.UploadRate = 0, 0
	}
	if t.meta != nil {
		info := &t.meta.Info
		st.TotalSize = info.TotalLength
		st.NumPieces = info.NumPieces()
		st.PieceLength = info.PieceLength
		st.PiecesDone = t.have.Count()
		st.TotalDone = t.bytes.Done
		st.TotalWanted = t.bytes.Wanted
		st.TotalWantedDone = t.bytes.WantedDone
		switch {
		case t.state == StateCheckingFiles && st.NumPieces > 0:
			// As libtorrent: while checking, progress is the check's.
			if c := t.checked.Load(); c != nil {
				st.Progress = min(float64(c.Load())/float64(st.NumPieces), 1)
			}
		case st.TotalWanted > 0:
			st.Progress = float64(st.TotalWantedDone) / float64(st.TotalWanted)
		case t.state == StateFinished || t.state == StateSeeding:
			st.Progress = 1
		}
	}
	if statusChanged(t.snapshot.Swap(st), st) {
		t.s.updates.mark(t)
	}
}

// shutdown stops the torrent: peers, tracker ("stopped"), pending disk work, files.
func (t *Torrent) shutdown(deleteFiles bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopped.Swap(true) {
		return
	}
	t.do(func() error {
		t.closeAllPeers("torrent removed")
		t.stopWebSeeds()
		t.stopTracker(true)
		return nil
	})
	t.cancel()
	t.mailbox.Post(func() {
		t.safely("torrent stop", t.stopRunning)
		t.mailbox.Close() // closures posted after this one are dropped
		close(t.done)
	})
	<-t.done
	t.waitDisk(5 * time.Second)
	if t.storage != nil {
		done := make(chan error, 1)
		if deleteFiles {
			t.s.disk.RemoveStorage(t.storage, func(err error) { done <- err })
		} else {
			t.s.disk.CloseStorage(t.storage, func(err error) { done <- err })
		}
		<-done
	}
}

func (t *Torrent) waitDisk(limit time.Duration) {
	done := make(chan struct{})
	guard.Go("torrent disk wait", func() {
		t.diskPending.Wait()
		close(done)
	}, t.s.sessionPanic)
	select {
	case <-done:
	case <-time.After(limit):
	}
}
