package queue

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// simTorrent is one torrent of the simulated session: the snapshot the queue sees and what the
// simulation knows about its transfer.
type simTorrent struct {
	Torrent
	activity  Activity
	left      int64 // bytes still to download
	downRate  int64 // bytes/s while running and downloading
	upRate    int64 // bytes/s while running and finished
	checkLeft int   // seconds of hashing left
	hasData   bool  // the check finds every piece
	broken    bool  // the check fails (files unreadable): torrent error
}

// sim is a session driving the queue as the scheduler will: a 1 s tick, Activity for running
// torrents, a pass when Cadence says so, actions applied at once.
type sim struct {
	t        *testing.T
	rng      *rand.Rand
	now      time.Time
	s        Settings
	q        *Queue
	pl       Planner
	cad      Cadence
	ts       []simTorrent
	byID     map[ID]int
	passes   int
	resumed  int // torrent_resumed alerts raised by passes
	paused   int // torrent_paused alerts raised by passes
	rotated  int // seeds paused for active_seeds after meeting their limits
	finished int
	slowKept int // passes that kept a slow torrent running outside its type's limit
}

func newSim(t *testing.T, n int, s Settings) *sim {
	sm := &sim{t: t, rng: rand.New(rand.NewPCG(7, 11)), now: t0, s: s, byID: map[ID]int{}}
	sm.q = New(func(id ID, p Position) { sm.ts[sm.byID[id]].Position = p })
	sm.ts = make([]simTorrent, 0, n)
	for i := range n {
		id := ID(i + 1)
		size := int64(20_000 + sm.rng.IntN(200_000))
		st := simTorrent{Torrent: Torrent{
			ID: id, AutoManaged: true, Paused: true, State: StateDownloading, TotalSize: size,
			ScrapeComplete: sm.rng.IntN(20) - 1, ScrapeIncomplete: sm.rng.IntN(50) - 1,
			PeerListSeeds: sm.rng.IntN(3), PeerListPeers: 3 + sm.rng.IntN(5),
		}, left: size}
		switch r := sm.rng.IntN(100); {
		case r < 30: // added without resume data: a full check first
			st.State = StateCheckingFiles
			st.checkLeft = 1 + sm.rng.IntN(4)
			st.hasData = sm.rng.IntN(2) == 0
			st.broken = sm.rng.IntN(10) == 0
		case r < 35: // not auto-managed: the user runs it, or keeps it paused, by hand
			st.AutoManaged = false
			if sm.rng.IntN(2) == 0 {
				st.Paused = false
				st.Started = sm.now
			}
		}
		switch r := sm.rng.IntN(10); {
		case r == 0:
			st.downRate = 1000 // below inactive_down_rate: a slow download that still ends
		default:
			st.downRate = 20_000 + int64(sm.rng.IntN(80_000))
		}
		if sm.rng.IntN(5) > 0 {
			st.upRate = 5_000 + int64(sm.rng.IntN(50_000))
		} // else a seed nobody wants: slow
		sm.ts = append(sm.ts, st)
		sm.byID[id] = i
		sm.q.Enqueue(id)
	}
	return sm
}

func (sm *sim) resume(st *simTorrent) {
	st.Paused = false
	st.Started = sm.now
	if st.State.finished() {
		st.BecameFinished = sm.now
	}
}

func (sm *sim) pause(st *simTorrent) {
	st.Paused = true
	st.ActiveBefore += sm.now.Sub(st.Started)
	if st.State.finished() {
		st.FinishedBefore += sm.now.Sub(st.BecameFinished)
	}
	st.activity.Paused()
	st.Inactive = false
	st.Announce = 0
}

// step advances one second: transfers, checks, slow flags, user moves, and a pass when due.
func (sm *sim) step() {
	sm.now = sm.now.Add(time.Second)
	for i := range sm.ts {
		st := &sm.ts[i]
		if st.Paused || st.Errored {
			continue
		}
		down, up := int64(0), int64(0)
		switch {
		case st.State == StateCheckingFiles:
			if st.checkLeft--; st.checkLeft > 0 {
				continue
			}
			switch {
			case st.broken:
				st.Errored = true // has_error(): out of the lists, its slot is free
			case st.hasData:
				st.State = StateSeeding
				st.left = 0
				st.TotalDownloaded = 0
				st.BecameFinished = sm.now
				sm.q.Remove(st.ID)
			default:
				st.State = StateDownloading
			}
			if !st.broken && PauseAfterCheck(st.AutoManaged, len(sm.ts), &sm.s) {
				sm.pause(st)
			}
			sm.cad.Trigger()
			continue
		case st.State == StateDownloading:
			down = min(st.downRate, st.left)
			st.left -= down
			st.TotalDownloaded += down
			if st.left == 0 {
				st.State = StateSeeding // torrent::finished: out of the download queue
				st.BecameFinished = sm.now
				sm.q.Remove(st.ID)
				sm.finished++
				sm.cad.Trigger()
			}
		case st.State.finished():
			up = st.upRate
			st.TotalUploaded += up
		}
		if st.AutoManaged && st.activity.Tick(sm.now, st.State.finished(), down, up, &sm.s) {
			st.Inactive = st.activity.Inactive()
			sm.cad.Trigger()
		}
	}
	if sm.rng.IntN(40) == 0 && sm.q.Len() > 0 { // the user reorders the queue
		id, _ := sm.q.At(Position(sm.rng.IntN(sm.q.Len())))
		switch sm.rng.IntN(3) {
		case 0:
			require.NoError(sm.t, sm.q.Top(id))
		case 1:
			require.NoError(sm.t, sm.q.Bottom(id))
		default:
			require.NoError(sm.t, sm.q.Set(id, Position(sm.rng.IntN(sm.q.Len()+10))))
		}
		sm.cad.Trigger()
	}
	if sm.cad.Due(sm.now, &sm.s) {
		sm.pass()
	}
}

func (sm *sim) pass() {
	sm.cad.Ran(sm.now)
	sm.passes++
	snap := make([]Torrent, len(sm.ts))
	for i := range sm.ts {
		snap[i] = sm.ts[i].Torrent
	}
	d := sm.pl.Plan(sm.now, snap, &sm.s)
	if d.Slow > 0 {
		sm.slowKept++
	}
	// Alerts are the resume and pause actions, one for one.
	var alerts []Alert
	for _, a := range d.Actions {
		st := &sm.ts[sm.byID[a.ID]]
		require.True(sm.t, st.AutoManaged && !st.Errored, "pass touched %d", a.ID)
		switch a.Kind {
		case ActionResume:
			require.True(sm.t, st.Paused, "resumed %d, which runs", a.ID)
			sm.resume(st)
			st.Announce = a.Announce
			alerts = append(alerts, Alert{ID: a.ID, Kind: AlertTorrentResumed, Reason: a.Reason})
			sm.resumed++
		case ActionPause:
			require.False(sm.t, st.Paused, "paused %d, which is paused", a.ID)
			if st.State.finished() && SeedRank(&st.Torrent, sm.now, &sm.s)&RankSeedRatioNotMet == 0 {
				sm.rotated++
			}
			sm.pause(st)
			alerts = append(alerts, Alert{ID: a.ID, Kind: AlertTorrentPaused, Reason: a.Reason})
			sm.paused++
		case ActionAnnounce:
			require.False(sm.t, st.Paused)
			st.Announce = a.Announce
		}
	}
	require.Equal(sm.t, alerts, d.Alerts)
	sm.checkInvariants()
}

// checkInvariants judges the state right after a pass by the rules alone, without the
// planner: every limit holds, and the torrents running are the right ones.
func (sm *sim) checkInvariants() {
	t, s := sm.t, &sm.s
	var checking, downloads, seeds, total int
	minPausedPos, minPausedCheckPos := Position(1<<40), Position(1<<40)
	maxRunningPos, maxRunningCheckPos := NoPosition, NoPosition
	bestPausedRank, worstRunningRank := int64(-1), int64(1<<40)
	pausedDownloads, pausedSeeds, pausedChecks := 0, 0, 0
	positions := map[Position]bool{}
	queued := 0
	for i := range sm.ts {
		st := &sm.ts[i]
		if !st.State.finished() && st.State != StateCheckingResumeData {
			queued++
			require.False(t, positions[st.Position], "position %d twice", st.Position)
			positions[st.Position] = true
		} else {
			require.Equal(t, NoPosition, st.Position, "finished %d keeps a position", st.ID)
		}
		if !st.AutoManaged || st.Errored {
			continue
		}
		slowHere := s.DontCountSlowTorrents && st.Inactive && !st.Paused
		switch {
		case st.State == StateCheckingFiles:
			if st.Paused {
				pausedChecks++
				minPausedCheckPos = min(minPausedCheckPos, st.Position)
			} else {
				checking++
				maxRunningCheckPos = max(maxRunningCheckPos, st.Position)
			}
		case !st.State.finished():
			switch {
			case st.Paused:
				pausedDownloads++
				minPausedPos = min(minPausedPos, st.Position)
			case slowHere:
				total++
			default:
				total++
				downloads++
				maxRunningPos = max(maxRunningPos, st.Position)
			}
		default:
			rank := int64(SeedRank(&st.Torrent, sm.now, s))
			switch {
			case st.Paused:
				pausedSeeds++
				bestPausedRank = max(bestPausedRank, rank)
			case slowHere:
				total++
			default:
				total++
				seeds++
				worstRunningRank = min(worstRunningRank, rank)
			}
		}
	}
	// dense: the queued torrents hold exactly 0..n-1
	require.Equal(t, queued, sm.q.Len())
	for p := range Position(queued) {
		require.True(t, positions[p], "position %d missing of %d", p, queued)
	}
	// limits
	require.LessOrEqual(t, checking, unlimited(s.ActiveChecking), "active_checking")
	require.LessOrEqual(t, downloads, unlimited(s.ActiveDownloads), "active_downloads")
	require.LessOrEqual(t, seeds, unlimited(s.ActiveSeeds), "active_seeds")
	require.LessOrEqual(t, total, unlimited(s.ActiveLimit), "active_limit")
	// the right ones: no queued torrent ahead of a running one of its kind
	require.Less(t, maxRunningCheckPos, minPausedCheckPos, "a check ran ahead of one earlier in the queue")
	require.Less(t, maxRunningPos, minPausedPos, "a download ran ahead of one earlier in the queue")
	require.GreaterOrEqual(t, worstRunningRank, bestPausedRank, "a seed ran while a higher-ranked one waited")
	// and no slot left empty while a torrent of its kind waits
	if checking < unlimited(s.ActiveChecking) {
		require.Zero(t, pausedChecks, "a check waits with a checking slot free")
	}
	if total < unlimited(s.ActiveLimit) {
		if downloads < unlimited(s.ActiveDownloads) {
			require.Zero(t, pausedDownloads, "a download waits with a slot free")
		}
		if seeds < unlimited(s.ActiveSeeds) {
			require.Zero(t, pausedSeeds, "a seed waits with a slot free")
		}
	}
}

// 2,000 auto-managed torrents under small limits: checks, downloads finishing, slow torrents,
// seeds reaching their share ratio, the user moving torrents in the queue. After every pass the
// limits hold and the running torrents are the ones libtorrent's rules pick; in the end every
// download finished and every check that could run ran.
func TestSimulationOf2000TorrentsKeepsEveryRule(t *testing.T) {
	s := DefaultSettings()
	s.ActiveDownloads, s.ActiveSeeds, s.ActiveChecking, s.ActiveLimit = 6, 8, 2, 12
	s.AutoManageStartup = 5 * time.Second
	s.AutoManageInterval = 10 * time.Second
	sm := newSim(t, 2000, s)

	for step := 0; step < 100_000; step++ {
		sm.step()
		if sm.done() {
			break
		}
	}
	require.True(t, sm.done(), "after %s: %d finished", sm.now.Sub(t0), sm.finished)
	for i := range sm.ts {
		st := &sm.ts[i]
		if st.broken {
			require.True(t, st.Errored)
			continue
		}
		require.NotEqual(t, StateCheckingFiles, st.State, "torrent %d never checked", st.ID)
	}
	userPaused := 0
	for i := range sm.ts {
		if st := &sm.ts[i]; (!st.AutoManaged && st.Paused) || st.Errored {
			userPaused++
			require.GreaterOrEqual(t, st.Position, Position(0))
		}
	}
	require.Equal(t, userPaused, sm.q.Len(), "every download finished but those the user keeps paused and the errored")
	require.Greater(t, sm.resumed, 1500)
	require.Greater(t, sm.paused, 100)
	require.Greater(t, sm.rotated, 10, "seeds that met their limits gave way to others")
	require.Greater(t, sm.slowKept, 10, "slow torrents ran outside active_downloads/active_seeds")
	t.Logf("%s simulated, %d passes (%d with slow torrents kept), %d resumed, %d paused (%d seeds past their limits)",
		sm.now.Sub(t0), sm.passes, sm.slowKept, sm.resumed, sm.paused, sm.rotated)
}

// done: every auto-managed torrent that can finish has, and no check is left.
func (sm *sim) done() bool {
	for i := range sm.ts {
		st := &sm.ts[i]
		if st.Errored {
			continue
		}
		if st.State.finished() || (!st.AutoManaged && st.Paused) {
			continue
		}
		return false
	}
	return true
}
