package queue

import (
	"slices"
	"time"
)

var t0 = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// download is an auto-managed, queued (paused) download at pos.
func download(id ID, pos Position) Torrent {
	return Torrent{ID: id, AutoManaged: true, Paused: true, State: StateDownloading, Position: pos,
		ScrapeComplete: Unknown, ScrapeIncomplete: Unknown, TotalSize: 1 << 20}
}

// seed is an auto-managed, queued seed with no scrape data (rank: no seeds, 0 downloaders).
func seed(id ID) Torrent {
	return Torrent{ID: id, AutoManaged: true, Paused: true, State: StateSeeding, Position: NoPosition,
		ScrapeComplete: Unknown, ScrapeIncomplete: Unknown, TotalSize: 1 << 20}
}

// checking is an auto-managed, queued torrent waiting for a full check at pos.
func checking(id ID, pos Position) Torrent {
	t := download(id, pos)
	t.State = StateCheckingFiles
	return t
}

func running(t Torrent) Torrent {
	t.Paused = false
	t.Announce = AnnounceAll
	t.Started = t0
	return t
}

func slow(t Torrent) Torrent {
	t = running(t)
	t.Inactive = true
	return t
}

func settings(edit func(*Settings)) Settings {
	s := DefaultSettings()
	s.DontCountSlowTorrents = false
	if edit != nil {
		edit(&s)
	}
	return s
}

// runningAfter applies a decision to the snapshot's paused flags and returns the IDs running.
func runningAfter(ts []Torrent, d Decision) []ID {
	paused := map[ID]bool{}
	for _, t := range ts {
		paused[t.ID] = t.Paused
	}
	for _, a := range d.Actions {
		switch a.Kind {
		case ActionResume:
			paused[a.ID] = false
		case ActionPause:
			paused[a.ID] = true
		}
	}
	var ids []ID
	for _, t := range ts {
		if !paused[t.ID] {
			ids = append(ids, t.ID)
		}
	}
	slices.Sort(ids)
	return ids
}

func actionsOf(d Decision, kind ActionKind) []ID {
	var ids []ID
	for _, a := range d.Actions {
		if a.Kind == kind {
			ids = append(ids, a.ID)
		}
	}
	slices.Sort(ids)
	return ids
}
