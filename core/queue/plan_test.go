package queue

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Each case mirrors libtorrent 2.0's session_impl::recalculate_auto_managed_torrents and
// auto_manage_torrents / auto_manage_checking_torrents; the comment names the rule.
func TestPlanRunsTheTorrentsLibtorrentRuns(t *testing.T) {
	cases := []struct {
		name     string
		settings func(*Settings)
		torrents []Torrent
		running  []ID // running after the pass
	}{
		{
			// recalculate_auto_managed_torrents sorts downloads by sequence_number (queue
			// position), not by snapshot order.
			name:     "downloads start in queue order up to active_downloads",
			settings: func(s *Settings) { s.ActiveDownloads = 2 },
			torrents: []Torrent{download(1, 3), download(2, 0), download(3, 4), download(4, 1), download(5, 2)},
			running:  []ID{2, 4},
		},
		{
			name:     "a running download behind the limit is queued for one ahead of it",
			settings: func(s *Settings) { s.ActiveDownloads = 1 },
			torrents: []Torrent{running(download(1, 1)), download(2, 0)},
			running:  []ID{2},
		},
		{
			// get_int_setting: a negative limit is INT_MAX.
			name:     "-1 active_downloads is unlimited",
			settings: func(s *Settings) { s.ActiveDownloads = -1 },
			torrents: []Torrent{download(1, 0), download(2, 1), download(3, 2), download(4, 3), download(5, 4)},
			running:  []ID{1, 2, 3, 4, 5},
		},
		{
			name:     "0 active_downloads queues every download",
			settings: func(s *Settings) { s.ActiveDownloads = 0 },
			torrents: []Torrent{running(download(1, 0)), download(2, 1)},
			running:  nil,
		},
		{
			// auto_manage_torrents: hard_limit is shared by both lists; downloads go first.
			name:     "active_limit caps downloads plus seeds, downloads first",
			settings: func(s *Settings) { s.ActiveDownloads, s.ActiveSeeds, s.ActiveLimit = 3, 5, 4 },
			torrents: []Torrent{download(1, 0), download(2, 1), download(3, 2), download(4, 3), seed(10), seed(11), seed(12)},
			running:  []ID{1, 2, 3, 10},
		},
		{
			name: "auto_manage_prefer_seeds gives seeds the active_limit slots first",
			settings: func(s *Settings) {
				s.ActiveDownloads, s.ActiveSeeds, s.ActiveLimit, s.AutoManagePreferSeeds = 3, 5, 4, true
			},
			torrents: []Torrent{download(1, 0), download(2, 1), seed(10), seed(11), seed(12)},
			running:  []ID{1, 10, 11, 12},
		},
		{
			// hard_limit <= 0: every auto-managed torrent in the lists is paused.
			name:     "0 active_limit queues everything but checking",
			settings: func(s *Settings) { s.ActiveLimit = 0 },
			torrents: []Torrent{running(download(1, 0)), running(seed(10)), checking(20, 1)},
			running:  []ID{20},
		},
		{
			name:     "-1 active_limit leaves the type limits",
			settings: func(s *Settings) { s.ActiveDownloads, s.ActiveSeeds, s.ActiveLimit = 1, 1, -1 },
			torrents: []Torrent{download(1, 0), download(2, 1), seed(10), seed(11)},
			running:  []ID{1, 10},
		},
		{
			// auto_manage_checking_torrents: sorted by queue position, active_checking at once.
			name:     "active_checking torrents check, in queue order",
			settings: func(s *Settings) { s.ActiveChecking = 1 },
			torrents: []Torrent{checking(1, 1), checking(2, 0), running(checking(3, 2))},
			running:  []ID{2},
		},
		{
			// recalculate_auto_managed_torrents passes checking torrents their own limit,
			// not hard_limit.
			name:     "checking torrents are outside active_limit",
			settings: func(s *Settings) { s.ActiveChecking, s.ActiveLimit, s.ActiveDownloads = 2, 1, 1 },
			torrents: []Torrent{checking(1, 0), checking(2, 1), download(3, 2), download(4, 3)},
			running:  []ID{1, 2, 3},
		},
		{
			// torrent::update_state_list: has_error() takes a torrent out of every list, so
			// one that cannot be checked does not hold the checking slot.
			name:     "an errored torrent does not hold up the checking queue",
			settings: func(s *Settings) { s.ActiveChecking = 1 },
			torrents: []Torrent{func() Torrent { t := checking(1, 0); t.Errored = true; return t }(), checking(2, 1)},
			running:  []ID{2},
		},
		{
			name:     "an errored download takes no slot",
			settings: func(s *Settings) { s.ActiveDownloads = 1 },
			torrents: []Torrent{func() Torrent { t := download(1, 0); t.Errored = true; return t }(), download(2, 1)},
			running:  []ID{2},
		},
		{
			// update_state_list: only auto-managed torrents are in the lists.
			name:     "torrents that are not auto-managed are left alone and take no slot",
			settings: func(s *Settings) { s.ActiveDownloads = 1 },
			torrents: []Torrent{
				func() Torrent { t := running(download(1, 0)); t.AutoManaged = false; return t }(),
				func() Torrent { t := download(2, 1); t.AutoManaged = false; return t }(),
				download(3, 2)},
			running: []ID{1, 3},
		},
		{
			// update_state_list: checking_resume_data is in no list.
			name:     "a torrent checking resume data is left alone",
			settings: func(s *Settings) { s.ActiveDownloads = 0 },
			torrents: []Torrent{func() Torrent { t := running(download(1, 0)); t.State = StateCheckingResumeData; return t }()},
			running:  []ID{1},
		},
		{
			// update_state_list: downloading_metadata is a download.
			name:     "a magnet fetching metadata is a download",
			settings: func(s *Settings) { s.ActiveDownloads = 1 },
			torrents: []Torrent{func() Torrent { t := download(1, 1); t.State = StateDownloadingMetadata; return t }(), download(2, 0)},
			running:  []ID{2},
		},
		{
			// update_state_list: is_finished() puts finished torrents with the seeds.
			name:     "a finished torrent counts against active_seeds",
			settings: func(s *Settings) { s.ActiveDownloads, s.ActiveSeeds = 5, 0 },
			torrents: []Torrent{func() Torrent { t := running(seed(1)); t.State = StateFinished; return t }()},
			running:  nil,
		},
		{
			// auto_manage_torrents: an inactive torrent takes only a hard_limit slot.
			name:     "dont_count_slow_torrents keeps slow downloads running outside active_downloads",
			settings: func(s *Settings) { s.DontCountSlowTorrents, s.ActiveDownloads = true, 1 },
			torrents: []Torrent{slow(download(1, 0)), slow(download(2, 1)), download(3, 2), download(4, 3)},
			running:  []ID{1, 2, 3},
		},
		{
			name:     "slow torrents still count against active_limit",
			settings: func(s *Settings) { s.DontCountSlowTorrents, s.ActiveDownloads, s.ActiveLimit = true, 2, 2 },
			torrents: []Torrent{slow(download(1, 0)), slow(download(2, 1)), download(3, 2)},
			running:  []ID{1, 2},
		},
		{
			name:     "slow torrents past active_limit are queued",
			settings: func(s *Settings) { s.DontCountSlowTorrents, s.ActiveDownloads, s.ActiveLimit = true, 5, 1 },
			torrents: []Torrent{slow(download(1, 0)), slow(download(2, 1))},
			running:  []ID{1},
		},
		{
			// torrent::is_inactive returns false unless dont_count_slow_torrents.
			name:     "without dont_count_slow_torrents slow torrents count",
			settings: func(s *Settings) { s.DontCountSlowTorrents, s.ActiveDownloads = false, 1 },
			torrents: []Torrent{slow(download(1, 0)), slow(download(2, 1)), download(3, 2)},
			running:  []ID{1},
		},
		{
			name:     "slow seeds keep running outside active_seeds",
			settings: func(s *Settings) { s.DontCountSlowTorrents, s.ActiveSeeds = true, 1 },
			torrents: []Torrent{slow(seed(1)), seed(2), seed(3)},
			running:  []ID{1, 2},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := settings(c.settings)
			var pl Planner
			d := pl.Plan(t0, c.torrents, &s)
			require.Equal(t, c.running, runningAfter(c.torrents, d))
			// Applying the decision reaches a fixed point: a second pass changes nothing.
			again := apply(c.torrents, d)
			d2 := pl.Plan(t0, again, &s)
			require.Equal(t, c.running, runningAfter(again, d2))
			for _, a := range d2.Actions {
				require.Equal(t, ActionAnnounce, a.Kind, "second pass must not start or stop %d", a.ID)
			}
		})
	}
}

// apply returns the snapshot after the session carried out d.
func apply(ts []Torrent, d Decision) []Torrent {
	out := append([]Torrent(nil), ts...)
	byID := map[ID]*Torrent{}
	for i := range out {
		byID[out[i].ID] = &out[i]
	}
	for _, a := range d.Actions {
		t := byID[a.ID]
		switch a.Kind {
		case ActionResume:
			t.Paused = false
			t.Announce = a.Announce
			t.Started = t0
		case ActionPause:
			t.Paused = true
			t.Inactive = false
			t.Announce = 0
		case ActionAnnounce:
			t.Announce = a.Announce
		}
	}
	return out
}

func TestPlanRaisesResumedAndPausedAlertsOnlyForTransitions(t *testing.T) {
	s := settings(func(s *Settings) { s.ActiveDownloads = 1 })
	ts := []Torrent{download(1, 0), running(download(2, 1)), download(3, 2)}
	var pl Planner
	d := pl.Plan(t0, ts, &s)
	require.Equal(t, []Alert{
		{ID: 1, Kind: AlertTorrentResumed, Reason: ReasonSlot},
		{ID: 2, Kind: AlertTorrentPaused, Reason: ReasonActiveDownloads},
	}, d.Alerts, "3 stays queued: no alert")
	require.Equal(t, []Action{
		{ID: 1, Kind: ActionResume, Announce: AnnounceAll, Reason: ReasonSlot},
		{ID: 2, Kind: ActionPause, Graceful: true, Reason: ReasonActiveDownloads},
	}, d.Actions)
	require.Equal(t, "auto-managed: queued, active_downloads reached", d.Alerts[1].Reason.String())
	require.Equal(t, 1, d.Downloading)
}

func TestPlanNamesTheLimitThatQueuedATorrent(t *testing.T) {
	cases := []struct {
		name     string
		settings func(*Settings)
		torrent  Torrent
		reason   Reason
	}{
		{"active_downloads", func(s *Settings) { s.ActiveDownloads = 0 }, running(download(1, 0)), ReasonActiveDownloads},
		{"active_seeds", func(s *Settings) { s.ActiveSeeds = 0 }, running(seed(1)), ReasonActiveSeeds},
		{"active_limit", func(s *Settings) { s.ActiveLimit = 0 }, running(download(1, 0)), ReasonActiveLimit},
		{"active_checking", func(s *Settings) { s.ActiveChecking = 0 }, running(checking(1, 0)), ReasonActiveChecking},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := settings(c.settings)
			var pl Planner
			d := pl.Plan(t0, []Torrent{c.torrent}, &s)
			require.Len(t, d.Alerts, 1)
			require.Equal(t, c.reason, d.Alerts[0].Reason)
			require.Equal(t, AlertTorrentPaused, d.Alerts[0].Kind)
		})
	}
}

// auto_manage_checking_torrents pauses with a plain pause() and resumes to check;
// auto_manage_torrents pauses with graceful_pause | clear_disk_cache.
func TestPlanPausesChecksAtOnceAndTransfersGracefully(t *testing.T) {
	s := settings(func(s *Settings) { s.ActiveChecking, s.ActiveDownloads = 1, 0 })
	ts := []Torrent{running(checking(1, 1)), checking(2, 0), running(download(3, 2))}
	var pl Planner
	d := pl.Plan(t0, ts, &s)
	require.Equal(t, []Action{
		{ID: 2, Kind: ActionResume, Check: true, Reason: ReasonSlot},
		{ID: 1, Kind: ActionPause, Graceful: false, Reason: ReasonActiveChecking},
		{ID: 3, Kind: ActionPause, Graceful: true, Reason: ReasonActiveDownloads},
	}, d.Actions)
	require.Equal(t, 1, d.Checking)
}

// auto_manage_torrents: set_announce_to_dht(--dht_limit >= 0) and likewise for trackers and
// LSD, in list order, downloads first; do_resume then sets all three on a torrent it starts.
func TestPlanSharesAnnounceLimitsInOrder(t *testing.T) {
	s := settings(func(s *Settings) {
		s.ActiveDownloads, s.ActiveSeeds = 2, 2
		s.ActiveDHTLimit, s.ActiveTrackerLimit, s.ActiveLSDLimit = 1, 3, 0
	})
	ts := []Torrent{running(download(1, 0)), running(download(2, 1)), running(seed(10)), seed(11)}
	var pl Planner
	d := pl.Plan(t0, ts, &s)
	require.Equal(t, []Action{
		{ID: 1, Kind: ActionAnnounce, Announce: AnnounceDHT | AnnounceTrackers, Reason: ReasonSlot},
		{ID: 2, Kind: ActionAnnounce, Announce: AnnounceTrackers, Reason: ReasonSlot},
		{ID: 10, Kind: ActionAnnounce, Announce: AnnounceTrackers, Reason: ReasonSlot},
		{ID: 11, Kind: ActionResume, Announce: AnnounceAll, Reason: ReasonSlot},
	}, d.Actions)

	// The next pass brings the started one within the limits.
	d = pl.Plan(t0, apply(ts, d), &s)
	require.Equal(t, []Action{{ID: 11, Kind: ActionAnnounce, Announce: 0, Reason: ReasonSlot}}, d.Actions)
}

// recalculate_auto_managed_torrents sorts seeds by seed_rank, highest first.
func TestPlanKeepsTheHighestRankedSeeds(t *testing.T) {
	s := settings(func(s *Settings) { s.ActiveSeeds = 2 })
	withPeers := func(id ID, complete, incomplete int) Torrent {
		t := seed(id)
		t.ScrapeComplete, t.ScrapeIncomplete = complete, incomplete
		return t
	}
	ts := []Torrent{
		withPeers(1, 10, 1),  // (1+1)*1000/10 = 200
		withPeers(2, 0, 3),   // no seeds, 3 downloaders: RankNoSeeds wins
		withPeers(3, 1, 9),   // 10*1000/1 = 10000
		withPeers(4, 100, 0), // 10
	}
	var pl Planner
	d := pl.Plan(t0, ts, &s)
	require.Equal(t, []ID{2, 3}, runningAfter(ts, d))
}

// A seed that met its limits loses RankSeedRatioNotMet and gives its slot to one that has not;
// with slots to spare nothing is paused for it (libtorrent 2.0 has no stop action for limits).
func TestPlanSeedLimitsOnlyLowerPriority(t *testing.T) {
	now := t0.Add(48 * time.Hour)
	downloaded := func(id ID, uploaded int64) Torrent {
		t := running(seed(id))
		t.Started = now.Add(-3 * time.Hour) // running 3 h: not recently started
		t.BecameFinished = now.Add(-2 * time.Hour)
		t.TotalDownloaded, t.TotalUploaded = 1<<20, uploaded
		t.ScrapeComplete, t.ScrapeIncomplete = 1, 0 // only us: no other seeds
		return t
	}
	met := downloaded(1, 2<<20) // share ratio 200 %: met
	notMet := downloaded(2, 0)
	notMet.Paused = true
	notMet.ActiveBefore, notMet.FinishedBefore = 3*time.Hour, 2*time.Hour

	var pl Planner
	one := settings(func(s *Settings) { s.ActiveSeeds = 1 })
	d := pl.Plan(now, []Torrent{met, notMet}, &one)
	require.Equal(t, []ID{2}, runningAfter([]Torrent{met, notMet}, d))

	two := settings(func(s *Settings) { s.ActiveSeeds = 2 })
	d = pl.Plan(now, []Torrent{met, notMet}, &two)
	require.Equal(t, []ID{1, 2}, runningAfter([]Torrent{met, notMet}, d))
}

func TestPlanWithNothingToChangeSaysNothing(t *testing.T) {
	s := settings(func(s *Settings) { s.ActiveDownloads, s.ActiveSeeds = 1, 1 })
	ts := []Torrent{running(download(1, 0)), download(2, 1), running(seed(10)), seed(11)}
	ts[2].ScrapeIncomplete = 5 // ranks above 11
	var pl Planner
	d := pl.Plan(t0, ts, &s)
	require.Empty(t, d.Actions)
	require.Empty(t, d.Alerts)
	require.Equal(t, 1, d.Downloading)
	require.Equal(t, 1, d.Seeding)
}

func TestPlanCountsSlowTorrentsApart(t *testing.T) {
	s := settings(func(s *Settings) { s.DontCountSlowTorrents, s.ActiveDownloads = true, 1 })
	ts := []Torrent{slow(download(1, 0)), download(2, 1)}
	var pl Planner
	d := pl.Plan(t0, ts, &s)
	require.Equal(t, 1, d.Slow)
	require.Equal(t, 1, d.Downloading)
}
