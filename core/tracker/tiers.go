package tracker

import (
	"math/rand/v2"
	"slices"
)

// Tiers is a BEP 12 announce-list: tiers of tracker URLs tried in order.
// It holds a cursor, the tracker to announce to next. It does no I/O and is
// owned by one goroutine.
type Tiers struct {
	tiers [][]string
	tier  int // cursor: tiers[tier][idx]
	idx   int
}

// NewTiers copies announceList, drops empty and duplicate URLs and empty
// tiers, and shuffles each tier once with r (nil means a random source).
func NewTiers(announceList [][]string, r *rand.Rand) *Tiers {
	shuffle := rand.Shuffle
	if r != nil {
		shuffle = r.Shuffle
	}
	seen := make(map[string]bool)
	t := &Tiers{}
	for _, tier := range announceList {
		var urls []string
		for _, u := range tier {
			if u == "" || seen[u] {
				continue
			}
			seen[u] = true
			urls = append(urls, u)
		}
		if len(urls) == 0 {
			continue
		}
		shuffle(len(urls), func(i, j int) { urls[i], urls[j] = urls[j], urls[i] })
		t.tiers = append(t.tiers, urls)
	}
	return t
}

// Current returns the URL to announce to next, or "" if there are none.
func (t *Tiers) Current() string {
	if len(t.tiers) == 0 {
		return ""
	}
	return t.tiers[t.tier][t.idx]
}

// Succeeded records a successful announce to url: it moves to the front of
// its tier (BEP 12) and becomes Current. Unknown URLs are ignored.
func (t *Tiers) Succeeded(url string) {
	ti, i, ok := t.find(url)
	if !ok {
		return
	}
	tier := t.tiers[ti]
	copy(tier[1:i+1], tier[:i])
	tier[0] = url
	t.tier, t.idx = ti, 0
}

// Failed records a failed announce to url. If url is Current the cursor
// advances to the next URL in the tier, then to the next tier; after the
// last URL of the last tier it wraps to the first and Failed returns true,
// meaning every tracker has failed once and the caller should back off.
// A url that is not Current (a stale report) changes nothing.
func (t *Tiers) Failed(url string) (wrapped bool) {
	if len(t.tiers) == 0 || url != t.Current() {
		return false
	}
	t.idx++
	if t.idx < len(t.tiers[t.tier]) {
		return false
	}
	t.idx = 0
	t.tier++
	if t.tier < len(t.tiers) {
		return false
	}
	t.tier = 0
	return true
}

// Reset moves the cursor back to the first URL of the first tier, e.g. when
// a torrent is restarted.
func (t *Tiers) Reset() { t.tier, t.idx = 0, 0 }

// Len returns the number of distinct URLs.
func (t *Tiers) Len() int {
	n := 0
	for _, tier := range t.tiers {
		n += len(tier)
	}
	return n
}

// List returns a copy of the tiers in their current order.
func (t *Tiers) List() [][]string {
	out := make([][]string, len(t.tiers))
	for i, tier := range t.tiers {
		out[i] = slices.Clone(tier)
	}
	return out
}

func (t *Tiers) find(url string) (tier, idx int, ok bool) {
	for ti, urls := range t.tiers {
		if i := slices.Index(urls, url); i >= 0 {
			return ti, i, true
		}
	}
	return 0, 0, false
}

// fromCursor returns every URL in BEP 12 order, starting at the cursor and
// wrapping around.
func (t *Tiers) fromCursor() []string {
	var flat []string
	start := 0
	for ti, tier := range t.tiers {
		if ti == t.tier {
			start = len(flat) + t.idx
		}
		flat = append(flat, tier...)
	}
	return append(flat[start:], flat[:start]...)
}
