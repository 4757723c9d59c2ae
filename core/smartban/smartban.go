package smartban

import (
	"container/list"
	"fmt"
	"net/netip"
	"slices"
)

// Source names who sent a block: a peer by its IP address, whatever port it connects from, or
// a web seed by its URL.
type Source struct {
	Addr netip.Addr // a peer (IPv4-mapped IPv6 addresses unmapped)
	URL  string     // a web seed
}

// Peer is the source of a peer at addr (any port).
func Peer(addr netip.Addr) Source { return Source{Addr: addr.Unmap()} }

// WebSeed is the source of the web seed at url.
func WebSeed(url string) Source { return Source{URL: url} }

// IsWebSeed reports whether s is a web seed rather than a peer.
func (s Source) IsWebSeed() bool { return s.URL != "" }

func (s Source) String() string {
	if s.URL != "" {
		return s.URL
	}
	return s.Addr.String()
}

// Digest is the SHA-1 of one block (disk.BlockDigest).
type Digest = [20]byte

// Conviction is a source proven to have sent bad data.
type Conviction struct {
	Source Source
	Piece  int
	Block  int    // the first bad block found; -1 when it sent the whole failed piece
	Reason string // why, for an alert: "sent block 3 of piece 7, which differs from the verified copy"
}

// Verdict is what a piece's hash check taught about its senders.
type Verdict struct {
	Convicted []Conviction // ban them
	Suspects  []Source     // newly suspected: from now on they fill pieces alone
	Cleared   []Source     // suspects no longer
}

// Options bound a Tracker's memory; zero values take the defaults.
type Options struct {
	// MaxDigestBlocks bounds the block digests kept for failed pieces (24 bytes each with their
	// sender); the oldest failed attempt is dropped first. Default 1<<18: 6 MiB, enough for
	// 4 GiB of failed pieces.
	MaxDigestBlocks int
	// MaxSources bounds the sources with a standing (suspects, senders of kept attempts), and
	// separately those whose verified blocks are counted. Default 1<<16.
	MaxSources int
}

const (
	defaultMaxDigestBlocks = 1 << 18
	defaultMaxSources      = 1 << 16
)

// Tracker is one torrent's smart-ban state. See the package doc.
type Tracker struct {
	opts     Options
	pending  map[int]*senders     // pieces in progress: who sent each block
	failed   map[int][]*attempt   // failed attempts of pieces not yet verified
	order    list.List            // the same attempts, oldest first (eviction)
	held     int                  // blocks of digests in failed
	standing map[Source]*standing // suspects and senders of kept attempts
	verified map[Source]int       // blocks of verified pieces each source sent
}

// senders says who sent each block of one attempt at a piece.
type senders struct {
	sources []Source
	block   []int32 // index in sources; -1: no block recorded
	last    int32   // the index used last (blocks tend to come in runs from one source)
}

type attempt struct {
	piece int
	*senders
	digests []Digest
	elem    *list.Element // in Tracker.order; nil once unlinked
}

type standing struct {
	unresolved int  // kept failed attempts it sent blocks of
	suspect    bool // fills pieces alone until cleared
}

// New returns an empty Tracker.
func New(opts Options) *Tracker {
	if opts.MaxDigestBlocks <= 0 {
		opts.MaxDigestBlocks = defaultMaxDigestBlocks
	}
	if opts.MaxSources <= 0 {
		opts.MaxSources = defaultMaxSources
	}
	return &Tracker{opts: opts} // maps are made on first use: most torrents never need them
}

// BlockReceived records that src sent block (index within the piece) of piece, which has
// numBlocks blocks. A later block at the same place replaces the record.
func (t *Tracker) BlockReceived(piece, block, numBlocks int, src Source) {
	if block < 0 || block >= numBlocks {
		return
	}
	s := t.pending[piece]
	if s == nil || len(s.block) != numBlocks {
		s = &senders{block: make([]int32, numBlocks)}
		for i := range s.block {
			s.block[i] = -1
		}
		if t.pending == nil {
			t.pending = map[int]*senders{}
		}
		t.pending[piece] = s
	}
	s.block[block] = s.index(src)
}

func (s *senders) index(src Source) int32 {
	if int(s.last) < len(s.sources) && s.sources[s.last] == src {
		return s.last
	}
	i := slices.Index(s.sources, src)
	if i < 0 {
		i = len(s.sources)
		s.sources = append(s.sources, src)
	}
	s.last = int32(i)
	return s.last
}

// source is who sent block bi, if known.
func (s *senders) source(bi int) (Source, bool) {
	if bi >= len(s.block) || s.block[bi] < 0 {
		return Source{}, false
	}
	return s.sources[s.block[bi]], true
}

// users lists the sources that sent at least one block, and whether some block has no
// recorded sender.
func (s *senders) users() (used []Source, unknown bool) {
	seen := make([]bool, len(s.sources))
	for _, i := range s.block {
		if i < 0 {
			unknown = true
		} else if !seen[i] {
			seen[i] = true
			used = append(used, s.sources[i])
		}
	}
	return used, unknown
}

// Senders lists who sent blocks of piece so far (nil when nothing is recorded).
func (t *Tracker) Senders(piece int) []Source {
	if s := t.pending[piece]; s != nil {
		used, _ := s.users()
		return used
	}
	return nil
}

// WantsDigests reports whether piece failed before and its good copy's block digests should
// be passed to PiecePassed.
func (t *Tracker) WantsDigests(piece int) bool { return len(t.failed[piece]) > 0 }

// Suspect reports whether src sent blocks of a failed piece and has not been cleared since.
func (t *Tracker) Suspect(src Source) bool {
	st := t.standing[src]
	return st != nil && st.suspect
}

// Failures is how many kept failed attempts src sent blocks of: a liar spoils every piece it
// touches, an honest peer only those it shared with a liar.
func (t *Tracker) Failures(src Source) int {
	if st := t.standing[src]; st != nil {
		return st.unresolved
	}
	return 0
}

// Verified is how many blocks of verified pieces src has sent: how far it has earned trust.
func (t *Tracker) Verified(src Source) int { return t.verified[src] }

// Forget drops src's standing (it was banned; a later record of it starts afresh).
func (t *Tracker) Forget(src Source) {
	delete(t.standing, src)
	delete(t.verified, src)
}

// Withdraw forgets the blocks src sent of pieces in progress, except pieces keep says to keep
// (being hashed), and returns them by piece: src was convicted, so they are fetched again from
// others rather than spoiling the pieces they are in.
func (t *Tracker) Withdraw(src Source, keep func(piece int) bool) map[int][]int {
	out := map[int][]int{}
	for piece, s := range t.pending {
		i := slices.Index(s.sources, src)
		if i < 0 || keep(piece) {
			continue
		}
		for bi, who := range s.block {
			if who == int32(i) {
				s.block[bi] = -1
				out[piece] = append(out[piece], bi)
			}
		}
	}
	return out
}

// Reset forgets the pieces in progress and the failed attempts (the picker started over, or
// the torrent has every piece). Suspects stay suspects.
func (t *Tracker) Reset() {
	clear(t.pending)
	for t.order.Len() > 0 {
		t.evictOldest()
	}
}

// PieceFailed takes a failed hash check of piece; digests are its blocks' digests as received
// (nil if they could not be read). A source that sent the whole piece, or a block of it that
// differs from what it sent for an earlier failed attempt, is convicted; the other senders
// become suspects until the piece passes.
func (t *Tracker) PieceFailed(piece int, digests []Digest) Verdict {
	var v Verdict
	s := t.pending[piece]
	delete(t.pending, piece)
	if s == nil {
		return v
	}
	if len(digests) != len(s.block) {
		digests = nil
	}
	convicted := map[Source]bool{}
	convict := func(src Source, block int, reason string) {
		if !convicted[src] {
			convicted[src] = true
			v.Convicted = append(v.Convicted, Conviction{Source: src, Piece: piece, Block: block, Reason: reason})
		}
	}
	if digests != nil {
		for _, old := range t.failed[piece] {
			for bi, d := range digests {
				src, ok := s.source(bi)
				if prev, ok2 := old.source(bi); ok && ok2 && src == prev && d != old.digests[bi] {
					convict(src, bi, fmt.Sprintf("sent block %d of piece %d twice with different data", bi, piece))
				}
			}
		}
	}
	used, unknown := s.users()
	if len(used) == 1 && !unknown {
		convict(used[0], -1, fmt.Sprintf("sent all of piece %d, which failed the hash check", piece))
	}
	keep := digests != nil && len(used) > len(convicted)
	for _, src := range used {
		if convicted[src] {
			continue
		}
		st := t.stand(src)
		if st == nil {
			continue
		}
		if keep {
			st.unresolved++
		}
		if !st.suspect {
			st.suspect = true
			v.Suspects = append(v.Suspects, src)
		}
	}
	for src := range convicted {
		t.Forget(src)
	}
	if keep {
		a := &attempt{piece: piece, senders: s, digests: digests}
		if t.failed == nil {
			t.failed = map[int][]*attempt{}
		}
		t.failed[piece] = append(t.failed[piece], a)
		a.elem = t.order.PushBack(a)
		t.held += len(digests)
		for t.held > t.opts.MaxDigestBlocks && t.order.Len() > 1 {
			t.evictOldest()
		}
	}
	return v
}

// PiecePassed takes a passed hash check of piece; digests are its blocks' digests (asked for
// when WantsDigests said so, else nil). The senders of blocks of earlier failed attempts that
// differ from the good copy are convicted; senders whose blocks all matched, and a suspect that
// sent this whole piece alone, are cleared once nothing else holds them.
func (t *Tracker) PiecePassed(piece int, digests []Digest) Verdict {
	var v Verdict
	s := t.pending[piece]
	delete(t.pending, piece)
	attempts := t.failed[piece]
	delete(t.failed, piece)
	convicted := map[Source]bool{}
	var involved []Source
	for _, a := range attempts {
		t.unlink(a)
		compare := len(digests) == len(a.digests)
		for bi := range a.block {
			src, ok := a.source(bi)
			if !ok || !compare || a.digests[bi] == digests[bi] || convicted[src] {
				continue
			}
			convicted[src] = true
			v.Convicted = append(v.Convicted, Conviction{Source: src, Piece: piece, Block: bi,
				Reason: fmt.Sprintf("sent block %d of piece %d, which differs from the verified copy", bi, piece)})
		}
		used, _ := a.users()
		for _, src := range used {
			if st := t.standing[src]; st != nil {
				st.unresolved--
			}
			if compare && !slices.Contains(involved, src) {
				involved = append(involved, src)
			}
		}
	}
	clearIt := func(src Source) {
		st := t.standing[src]
		if st != nil && st.suspect && !convicted[src] {
			st.suspect = false
			v.Cleared = append(v.Cleared, src)
		}
	}
	for _, src := range involved {
		if st := t.standing[src]; st != nil && st.unresolved == 0 {
			clearIt(src)
		}
	}
	if s != nil {
		if used, unknown := s.users(); len(used) == 1 && !unknown {
			clearIt(used[0]) // it filled a piece alone and the piece is good
		}
		for _, i := range s.block {
			if i < 0 {
				continue
			}
			src := s.sources[i]
			if _, ok := t.verified[src]; ok || len(t.verified) < t.opts.MaxSources {
				if t.verified == nil {
					t.verified = map[Source]int{}
				}
				t.verified[src]++
			}
		}
	}
	for src := range convicted {
		t.Forget(src)
	}
	for src, st := range t.standing {
		if !st.suspect && st.unresolved <= 0 {
			delete(t.standing, src)
		}
	}
	return v
}

// stand returns src's standing, creating it; nil when MaxSources sources already have one
// that cannot be dropped.
func (t *Tracker) stand(src Source) *standing {
	if st := t.standing[src]; st != nil {
		return st
	}
	if len(t.standing) >= t.opts.MaxSources {
		for k, st := range t.standing {
			if st.unresolved <= 0 {
				delete(t.standing, k)
				break
			}
		}
		if len(t.standing) >= t.opts.MaxSources {
			return nil
		}
	}
	st := &standing{}
	if t.standing == nil {
		t.standing = map[Source]*standing{}
	}
	t.standing[src] = st
	return st
}

// evictOldest drops the oldest kept failed attempt: its senders' part in it is forgotten
// (suspects stay suspects until cleared otherwise).
func (t *Tracker) evictOldest() {
	a := t.order.Front().Value.(*attempt)
	kept := t.failed[a.piece]
	if i := slices.Index(kept, a); i >= 0 {
		kept = slices.Delete(kept, i, i+1)
	}
	if len(kept) == 0 {
		delete(t.failed, a.piece)
	} else {
		t.failed[a.piece] = kept
	}
	t.unlink(a)
	used, _ := a.users()
	for _, src := range used {
		if st := t.standing[src]; st != nil {
			st.unresolved--
		}
	}
}

// unlink takes a out of the eviction order and the digest count.
func (t *Tracker) unlink(a *attempt) {
	if a.elem != nil {
		t.order.Remove(a.elem)
		a.elem = nil
		t.held -= len(a.digests)
	}
}
