package session

import (
	"fmt"
	"sync/atomic"
	"time"

	"github.com/libbt/libbt/core/guard"
	"github.com/libbt/libbt/core/inbox"
	"github.com/libbt/libbt/core/queue"
	"github.com/libbt/libbt/core/sched"
	"github.com/libbt/libbt/core/shrink"
)

// scheduler is the session's one owner of time (issue 10): its goroutine ticks the running
// torrents (core/sched; paused ones cost nothing) and runs libtorrent's queue (core/queue) over
// the auto-managed ones. Torrents notify it through its inbox (added, paused, state changed,
// removed, in order); it reads their status snapshots and reaches them only by posting.
type scheduler struct {
	s       *Session
	mailbox *inbox.Inbox
	// the rest is owned by the scheduler goroutine
	policy   *sched.Scheduler
	queue    *queue.Queue
	planner  queue.Planner
	cadence  queue.Cadence
	qs       queue.Settings
	entries  map[sched.ID]*schedEntry
	peak     int // len(entries) at its largest since it last shrank (see shrink.Delete)
	auto     int // auto-managed torrents
	snapshot []queue.Torrent
}

// schedEntry is the scheduler's record of one torrent.
type schedEntry struct {
	t           *Torrent
	autoManaged bool
	paused      bool // as the torrent last reported it, or as the queue last set it
	state       State
	activity    queue.Activity
	times       queue.Times // for seed_rank, kept while the session runs
}

func newScheduler(s *Session) *scheduler {
	sc := &scheduler{
		s:       s,
		mailbox: inbox.New(),
		policy:  sched.New(sched.DefaultSettings()),
		entries: map[sched.ID]*schedEntry{},
	}
	sc.queue = queue.New(func(id queue.ID, p queue.Position) {
		if e := sc.entries[sched.ID(id)]; e != nil {
			e.t.queuePos.Store(int64(p))
		}
	})
	sc.qs = s.conf().Queue
	return sc
}

// start runs the scheduler goroutine until the session closes (supervised: a panic restarts it).
func (sc *scheduler) start() {
	sc.s.superviseSession("session scheduler", sc.s.ctx.Done(), sc.run)
}

// post queues f on the scheduler goroutine without blocking.
func (sc *scheduler) post(f func()) { sc.mailbox.Post(f) }

// do runs f on the scheduler goroutine and waits for it (or for the session to close).
func (sc *scheduler) do(f func() error) error {
	errc := make(chan error, 1)
	sc.post(func() {
		var err error
		if p := guard.Run("scheduler method", func() { err = f() }); p != nil {
			sc.s.sessionPanic(p)
			err = p
		}
		errc <- err
	})
	select {
	case err := <-errc:
		return err
	case <-sc.s.ctx.Done():
		return ErrClosed
	}
}

func (sc *scheduler) run() {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	var batch []func()
	for {
		sc.arm(timer, time.Now())
		select {
		case <-sc.mailbox.Wake():
			batch = sc.mailbox.Take(batch)
			for _, f := range batch {
				if p := guard.Run("session scheduler", f); p != nil {
					sc.s.sessionPanic(p)
				}
			}
			clear(batch)
		case now := <-timer.C:
			sc.tick(now)
		case <-sc.s.ctx.Done():
			return
		}
	}
}

// arm sets the timer for the next thing due; with nothing due it stops (the goroutine sleeps).
func (sc *scheduler) arm(timer *time.Timer, now time.Time) {
	next, ok := sc.policy.NextWake(now)
	if sc.auto > 0 {
		if at := sc.cadence.Next(&sc.qs); !ok || at.Before(next) {
			next, ok = at, true
		}
	}
	if !ok {
		timer.Stop()
		return
	}
	timer.Reset(max(next.Sub(now), 0))
}

func (sc *scheduler) tick(now time.Time) {
	plan := sc.policy.Tick(now)
	for _, id := range plan.Torrents {
		e := sc.entries[id]
		if e == nil {
			continue
		}
		e.t.postTick(now)
		if e.autoManaged && sc.qs.DontCountSlowTorrents {
			st := e.t.snapshot.Load()
			if e.activity.Tick(now, finishedState(e.state), st.DownloadRate, st.UploadRate, &sc.qs) {
				sc.cadence.Trigger()
			}
		}
	}
	if sc.auto > 0 && sc.cadence.Due(now, &sc.qs) {
		sc.pass(now)
	}
}

// pass is one run of libtorrent's auto-manager over the auto-managed torrents.
func (sc *scheduler) pass(now time.Time) {
	sc.cadence.Ran(now)
	ts := sc.snapshot[:0]
	for id, e := range sc.entries {
		if !e.autoManaged {
			continue
		}
		st := e.t.snapshot.Load()
		qt := queue.Torrent{ID: queue.ID(id), AutoManaged: true, Paused: e.paused, Errored: e.state == StateError,
			State: queueStates[e.state], Position: sc.queue.Position(queue.ID(id)), Inactive: e.activity.Inactive(),
			Announce: queue.AnnounceAll, TotalUploaded: st.TotalUpload, TotalDownloaded: st.TotalDownload,
			TotalSize: st.TotalSize, ScrapeComplete: queue.Unknown, ScrapeIncomplete: queue.Unknown,
			PeerListPeers: st.NumPeers, PeerListSeeds: st.NumSeeds}
		e.times.Fill(&qt)
		ts = append(ts, qt)
	}
	sc.snapshot = ts
	d := sc.planner.Plan(now, ts, &sc.qs)
	if sc.s.hooks.queuePass != nil {
		sc.s.hooks.queuePass(&d, ts)
	}
	for _, a := range d.Actions {
		e := sc.entries[sched.ID(a.ID)]
		if e == nil {
			continue
		}
		switch a.Kind {
		case queue.ActionResume:
			sc.setPaused(e, false, a.Reason.String(), now)
		case queue.ActionPause:
			sc.setPaused(e, true, a.Reason.String(), now)
		}
	}
}

// setPaused pauses or resumes a torrent for the queue; its alert carries the queue's reason.
func (sc *scheduler) setPaused(e *schedEntry, paused bool, reason string, now time.Time) {
	sc.pausedChanged(e, paused, now)
	t := e.t
	t.post(func() { t.setPausedFor(paused, reason) })
}

// pausedChanged records a paused or resumed torrent (due-set, slow flag, seed times).
func (sc *scheduler) pausedChanged(e *schedEntry, paused bool, now time.Time) {
	if e.paused == paused {
		return
	}
	e.paused = paused
	id := e.t.schedID
	if paused {
		sc.policy.Sleep(id)
		e.activity.Paused()
		e.times.Paused(now, finishedState(e.state))
	} else {
		sc.policy.Active(id)
		e.times.Resumed(now, finishedState(e.state))
	}
	sc.cadence.Trigger()
}

// added registers a torrent and waits, so its queue position is set when AddTorrent returns.
func (sc *scheduler) added(t *Torrent, state State, paused, autoManaged bool) {
	sc.do(func() error {
		now := time.Now()
		e := &schedEntry{t: t, paused: true, autoManaged: autoManaged, state: state, times: queue.Times{Started: now}}
		sc.entries[t.schedID] = e
		if autoManaged {
			sc.auto++
		}
		if !finishedState(e.state) {
			sc.queue.Enqueue(queue.ID(t.schedID))
		}
		sc.pausedChanged(e, paused, now)
		sc.cadence.Trigger()
		return nil
	})
}

// removed forgets a torrent and waits, so the ones behind it have moved up on return.
func (sc *scheduler) removed(t *Torrent) {
	sc.do(func() error {
		e := sc.entries[t.schedID]
		if e == nil {
			return nil
		}
		if e.autoManaged {
			sc.auto--
		}
		sc.entries = shrink.Delete(sc.entries, &sc.peak, t.schedID)
		sc.policy.Remove(t.schedID)
		sc.queue.Remove(queue.ID(t.schedID))
		sc.cadence.Trigger()
		return nil
	})
}

func (sc *scheduler) paused(t *Torrent, paused bool) {
	sc.post(func() {
		if e := sc.entries[t.schedID]; e != nil {
			sc.pausedChanged(e, paused, time.Now())
		}
	})
}

func (sc *scheduler) stateChanged(t *Torrent, prev, next State) {
	sc.post(func() {
		e := sc.entries[t.schedID]
		if e == nil {
			return
		}
		now := time.Now()
		e.state = next
		id := queue.ID(t.schedID)
		switch {
		case finishedState(next) && !finishedState(prev):
			sc.queue.Remove(id)
			e.times.Finished(now)
		case !finishedState(next) && next != StateError:
			if finishedState(prev) {
				e.times.Unfinished(now, !e.paused)
			}
			sc.queue.Enqueue(id)
		}
		if e.autoManaged && prev == StateCheckingFiles && !e.paused && next != StateError &&
			queue.PauseAfterCheck(true, len(sc.entries), &sc.qs) {
			// As libtorrent after a check: queued until the next pass decides.
			sc.setPaused(e, true, "auto-managed: checked, queued until the next queue pass", now)
		}
		sc.cadence.Trigger()
	})
}

// settingsChanged reloads the queueing settings and asks for a pass.
func (sc *scheduler) settingsChanged() {
	qs := sc.s.conf().Queue
	sc.post(func() {
		slow := qs.DontCountSlowTorrents && !sc.qs.DontCountSlowTorrents
		sc.qs = qs
		if slow {
			for _, e := range sc.entries {
				if e.autoManaged && !e.paused {
					st := e.t.snapshot.Load()
					e.activity.SettingsChanged(finishedState(e.state), st.DownloadRate, st.UploadRate, &sc.qs)
				}
			}
		}
		sc.cadence.Trigger()
	})
}

func finishedState(s State) bool { return s == StateFinished || s == StateSeeding }

// queueStates maps a state to core/queue's (an error is Torrent.Errored there).
var queueStates = [...]queue.State{StateCheckingFiles: queue.StateCheckingFiles, StateDownloadingMetadata: queue.StateDownloadingMetadata,
	StateDownloading: queue.StateDownloading, StateFinished: queue.StateFinished, StateSeeding: queue.StateSeeding, StateError: queue.StateDownloading}

// SetAutoManaged puts the torrent under the queue (libtorrent's auto_managed), which starts and
// pauses it within active_downloads, active_seeds, ...; off, it stays as it is.
func (t *Torrent) SetAutoManaged(on bool) error {
	if t.stopped.Load() {
		return ErrTorrentRemoved
	}
	sc := t.s.sched
	return sc.do(func() error {
		e := sc.entries[t.schedID]
		if e == nil {
			return ErrTorrentRemoved
		}
		if e.autoManaged != on {
			e.autoManaged = on
			t.autoManaged.Store(on)
			if on {
				sc.auto++
			} else {
				sc.auto--
			}
			sc.cadence.Trigger()
		}
		return nil
	})
}

// AutoManaged reports whether the queue manages the torrent.
func (t *Torrent) AutoManaged() bool { return t.autoManaged.Load() }

// QueuePosition is the place in the download queue, 0 first; -1 when finished or seeding.
func (t *Torrent) QueuePosition() int { return int(t.queuePos.Load()) }

// QueuePositionSet moves the torrent to place p (past the end: last; negative:
// ErrInvalidArgument); a torrent not in the queue is left alone, as in libtorrent.
func (t *Torrent) QueuePositionSet(p int) error {
	if p < 0 {
		return fmt.Errorf("%w: queue position %d is negative", ErrInvalidArgument, p)
	}
	return t.queueMove(func(q *queue.Queue, id queue.ID) error { return q.Set(id, queue.Position(p)) })
}

// QueuePositionUp, Down, Top and Bottom move the torrent one place toward the front, one toward
// the back, to the front and to the back (libtorrent's queue_position_up, ...).
func (t *Torrent) QueuePositionUp() error     { return t.queueMove((*queue.Queue).Up) }
func (t *Torrent) QueuePositionDown() error   { return t.queueMove((*queue.Queue).Down) }
func (t *Torrent) QueuePositionTop() error    { return t.queueMove((*queue.Queue).Top) }
func (t *Torrent) QueuePositionBottom() error { return t.queueMove((*queue.Queue).Bottom) }

func (t *Torrent) queueMove(move func(*queue.Queue, queue.ID) error) error {
	if t.stopped.Load() {
		return ErrTorrentRemoved
	}
	sc := t.s.sched
	return sc.do(func() error {
		if sc.entries[t.schedID] == nil {
			return ErrTorrentRemoved
		}
		before := sc.queue.Position(queue.ID(t.schedID))
		if before == queue.NoPosition {
			return nil // finished torrents are not in the queue; libtorrent ignores the call
		}
		if err := move(sc.queue, queue.ID(t.schedID)); err != nil {
			return fmt.Errorf("%w: %v", ErrInvalidArgument, err)
		}
		if sc.queue.Position(queue.ID(t.schedID)) != before {
			sc.cadence.Trigger()
		}
		return nil
	})
}

// nextSchedID names torrents to the scheduler; never reused.
var nextSchedID atomic.Uint64
