// Package progress is what a torrent wants and has, counted in bytes: the piece priorities its
// file priorities give, and the byte totals behind its status (done, wanted, wanted and done),
// kept up to date piece by piece so a status snapshot costs O(1). A torrent needs these whether
// or not it has a picker: a paused torrent that never ran has none (core/session), and its
// status still says how much it has and wants.
//
// Pure: no goroutines, I/O, locks or clock; it runs on its caller's goroutine (the torrent's).
package progress

import (
	"github.com/libbt/libbt/core/bitfield"
	"github.com/libbt/libbt/core/metainfo"
)

// PiecePriorities maps file priorities (prio(i) for file i, 0 to 7) onto pieces: a piece gets
// the highest priority of the files it overlaps, so a piece shared with a wanted file is still
// fetched. Empty and pad files count for nothing.
func PiecePriorities(info *metainfo.Info, prio func(file int) int) []int {
	n := info.NumPieces()
	out := make([]int, n)
	for i, f := range info.Files {
		if f.Length == 0 || f.Pad {
			continue
		}
		first := int(f.Offset / info.PieceLength)
		last := int((f.Offset + f.Length - 1) / info.PieceLength)
		fp := prio(i)
		for p := first; p <= last && p < n; p++ {
			if fp > out[p] {
				out[p] = fp
			}
		}
	}
	return out
}

// Totals are a torrent's byte totals: what it has verified, what it wants (pieces of priority
// above 0) and the part of that it has.
type Totals struct {
	Done, Wanted, WantedDone int64
}

// Count computes the totals from the verified pieces and the piece priorities.
func Count(info *metainfo.Info, have bitfield.Bitfield, prio []int) Totals {
	var t Totals
	for p := range prio {
		t.add(info, p, have.Has(p), prio[p] > 0)
	}
	return t
}

// Verified counts piece p, just verified; wanted says whether its priority is above 0 (it is
// in Wanted already).
func (t *Totals) Verified(info *metainfo.Info, p int, wanted bool) {
	size := info.PieceSize(metainfo.PieceIndex(p))
	t.Done += size
	if wanted {
		t.WantedDone += size
	}
}

func (t *Totals) add(info *metainfo.Info, p int, have, wanted bool) {
	size := info.PieceSize(metainfo.PieceIndex(p))
	if have {
		t.Done += size
	}
	if wanted {
		t.Wanted += size
		if have {
			t.WantedDone += size
		}
	}
}

// Complete reports whether every wanted piece is verified (true when nothing is wanted).
func (t Totals) Complete() bool { return t.WantedDone == t.Wanted }
