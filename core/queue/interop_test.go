package queue

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/require"
)

type ltTorrent struct {
	Pos         int    `json:"pos"`
	State       string `json:"state"`
	Paused      bool   `json:"paused"`
	AutoManaged bool   `json:"auto_managed"`
	Error       bool   `json:"error"`
}

type ltPhase struct {
	Settings map[string]any `json:"settings,omitempty"`
	Moves    [][2]any       `json:"moves,omitempty"`
}

// The real libtorrent (2.0, python binding) runs a session through phases of settings changes
// and queue moves; after each, this package must agree with it: the same queue positions for
// the same moves, and the same downloads running (the planner from scratch picks libtorrent's
// set, and finds nothing to change in libtorrent's outcome).
func TestPlanAgreesWithLibtorrent(t *testing.T) {
	if testing.Short() {
		t.Skip("libtorrent interop: skipped with -short")
	}
	const downloads, seeds = 6, 2
	manual := []int{2} // a download the user keeps paused (not auto-managed)
	base := map[string]any{"active_downloads": 2, "active_seeds": 1, "active_limit": 10}
	phases := []ltPhase{
		{},
		{Moves: [][2]any{{"top", 5}}},
		{Settings: map[string]any{"active_limit": 2}},
		{Settings: map[string]any{"auto_manage_prefer_seeds": true}},
		{Settings: map[string]any{"active_downloads": -1, "active_limit": -1, "auto_manage_prefer_seeds": false}},
		{Moves: [][2]any{{"bottom", 0}, {"down", 1}, {"up", 4}, {"up", 3}}, Settings: map[string]any{"active_downloads": 3}},
		{Settings: map[string]any{"active_downloads": 0, "active_seeds": 2}},
	}
	scenario, err := json.Marshal(map[string]any{"downloads": downloads, "seeds": seeds, "manual": manual,
		"settings": base, "phases": phases})
	require.NoError(t, err)
	cmd := exec.Command("/usr/bin/python3", "testdata/ltqueue.py")
	cmd.Stdin = bytes.NewReader(scenario)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "needs python3-libtorrent (make deps): %s", stderr.String())

	// Our side: the same queue, the same moves.
	q := New(nil)
	for i := range downloads {
		q.Enqueue(ID(i))
	}
	s := settings(nil)
	s.ActiveChecking = 100
	applyLT := func(m map[string]any) {
		for name, v := range m {
			for _, d := range Table {
				if d.Name == name {
					switch v := v.(type) {
					case bool:
						d.apply(&s, map[bool]int64{false: 0, true: 1}[v])
					default:
						d.apply(&s, int64(v.(int)))
					}
				}
			}
		}
	}
	applyLT(base)

	lines := bufio.NewScanner(bytes.NewReader(out))
	for n, ph := range phases {
		require.True(t, lines.Scan(), "phase %d: no report from libtorrent", n)
		var lt []ltTorrent
		require.NoError(t, json.Unmarshal(lines.Bytes(), &lt))
		require.Len(t, lt, downloads+seeds)
		applyLT(ph.Settings)
		for _, mv := range ph.Moves {
			id := ID(mv[1].(int))
			switch mv[0] {
			case "top":
				require.NoError(t, q.Top(id))
			case "bottom":
				require.NoError(t, q.Bottom(id))
			case "up":
				require.NoError(t, q.Up(id))
			case "down":
				require.NoError(t, q.Down(id))
			}
		}

		snap := make([]Torrent, len(lt))
		scratch := make([]Torrent, len(lt)) // the same, every auto-managed torrent queued
		for i, x := range lt {
			require.False(t, x.Error, "phase %d: torrent %d has an error", n, i)
			st := StateDownloading
			if x.State == "seeding" {
				st = StateSeeding
			} else {
				require.Equal(t, "downloading", x.State, "phase %d: torrent %d", n, i)
			}
			require.Equal(t, q.Position(ID(i)), Position(x.Pos), "phase %d: queue position of torrent %d", n, i)
			snap[i] = Torrent{ID: ID(i), AutoManaged: x.AutoManaged, Paused: x.Paused, State: st,
				Position: Position(x.Pos), ScrapeComplete: Unknown, ScrapeIncomplete: Unknown, TotalSize: 32 << 10}
			if !x.Paused {
				snap[i].Started = t0
				snap[i].Announce = AnnounceAll
			}
			scratch[i] = snap[i]
			if x.AutoManaged {
				scratch[i].Paused = true
			}
		}
		var pl Planner
		d := pl.Plan(t0, snap, &s)
		for _, a := range d.Actions {
			require.Equal(t, ActionAnnounce, a.Kind, "phase %d: libtorrent's outcome is not ours: %+v in %+v", n, a, lt)
		}
		fresh := pl.Plan(t0, scratch, &s)
		runningDownloads := func(ts []Torrent, d Decision) []ID {
			var ids []ID
			for _, id := range runningAfter(ts, d) {
				if int(id) < downloads {
					ids = append(ids, id)
				}
			}
			return ids
		}
		require.Equal(t, runningDownloads(snap, Decision{}), runningDownloads(scratch, fresh),
			"phase %d: libtorrent runs other downloads than the planner picks", n)
		require.Equal(t, d.Seeding, fresh.Seeding, "phase %d: seeds running", n)
		t.Logf("phase %d: downloads running %v, seeds %d", n, runningDownloads(snap, Decision{}), d.Seeding)
	}
}
