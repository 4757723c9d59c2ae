package utmetadata

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/libbt/libbt/core/limits"
)

// PeerKey names one connection to the Fetch; the caller never reuses a key.
type PeerKey uint64

// Peer is who is behind a connection, for blame: liars are remembered by IP and by peer id.
type Peer struct {
	Addr netip.AddrPort
	ID   [20]byte
}

const (
	// DefaultMaxSize is libtorrent's max_metadata_size default (3 * 1024 * 10240 bytes).
	DefaultMaxSize = 3 * 1024 * 10240
	// RequestTimeout is how long a piece's request is the only one: libtorrent asks another
	// peer for the same piece after 3 seconds. The late answer is still taken.
	RequestTimeout = 3 * time.Second
	// RejectBackoff is how long a peer that rejected a request is not asked (libtorrent: a
	// minute; such a peer is usually another magnet download without the metadata yet).
	RejectBackoff = time.Minute
	// MaxRequestsPerPeer is the requests outstanding per peer, as libtorrent.
	MaxRequestsPerPeer = 2
	// forgetAfter frees the slot of a request that was never answered, so a peer that silently
	// dropped requests can be asked again when there is nobody else.
	forgetAfter = 30 * time.Second
	// maxLiars bounds the liars remembered: each one cost its sender a complete wrong copy or
	// a wrong piece in one.
	maxLiars = 4096
)

// Config configures a Fetch.
type Config struct {
	InfoHash [20]byte // the SHA-1 the info dictionary must hash to
	MaxSize  int      // max_metadata_size; 0 means DefaultMaxSize
}

// Result is what a received piece completed, if anything.
type Result struct {
	// Metadata is the verified info dictionary once every piece is in and the copy hashes to
	// the info-hash. The Fetch is then done and no longer holds it.
	Metadata []byte
	// Failed reports a complete copy that did not hash to the info-hash; it was discarded.
	Failed bool
	// Liars are the peers newly proven to have sent a wrong piece (or advertised a wrong size);
	// they are never asked again, by IP or by peer id.
	Liars []Peer
}

type request struct {
	piece    int
	at       time.Time
	epoch    uint64 // the copy it was made for
	timedOut bool
}

type peerState struct {
	key       PeerKey
	who       Peer
	size      int // metadata_size it reported; 0 if none
	reqs      []request
	stalled   bool      // a request timed out and the peer has not answered since
	restUntil time.Time // after a reject
	rejected  bool      // it rejected a request and sent no piece since: its size is void
	turns     int       // times chosen as the single source of a copy
}

type sender struct {
	key PeerKey
	who Peer
}

type pieceState struct {
	have    bool
	from    sender    // who sent it (have)
	askedBy PeerKey   // the latest request's peer
	askedAt time.Time // zero when no request is live
	asks    int
}

// Fetch assembles an info dictionary from ut_metadata pieces. See the package comment.
type Fetch struct {
	cfg     Config
	peers   map[PeerKey]*peerState
	liarIPs map[netip.Addr]bool
	liarIDs map[[20]byte]bool

	// The current copy.
	size     int    // agreed size; 0 before any peer reported one
	epoch    uint64 // bumped whenever the copy is discarded
	buf      []byte // size bytes once the first piece arrived (the only buffer)
	pieces   []pieceState
	received int

	single   bool       // a mixed copy failed: every copy now comes from one source
	source   *peerState // that source
	suspects []suspect  // the failed mixed copy's pieces (blame.go)
	done     bool
}

// New returns a Fetch for the info dictionary that hashes to cfg.InfoHash.
func New(cfg Config) *Fetch {
	if cfg.MaxSize <= 0 {
		cfg.MaxSize = DefaultMaxSize
	}
	return &Fetch{cfg: cfg, peers: map[PeerKey]*peerState{}, liarIPs: map[netip.Addr]bool{}, liarIDs: map[[20]byte]bool{}}
}

// Done reports whether the verified metadata has been handed out.
func (f *Fetch) Done() bool { return f.done }

// Size returns the size currently agreed (0 before any peer reported one).
func (f *Fetch) Size() int { return f.size }

// Have returns the number of pieces of the current copy received.
func (f *Fetch) Have() int { return f.received }

// IsLiar reports whether a peer with that address's IP or that peer id was proven a liar.
func (f *Fetch) IsLiar(who Peer) bool { return f.liarIPs[who.Addr.Addr()] || f.liarIDs[who.ID] }

// SetPeer records a peer that supports ut_metadata and the metadata_size it reported (0 for
// none: such a peer is not asked). A size over MaxSize is a *limits.Error naming
// max_metadata_size; the peer is then forgotten.
func (f *Fetch) SetPeer(k PeerKey, who Peer, size int) error {
	if f.done {
		return nil
	}
	if err := limits.Check("max_metadata_size", int64(size), int64(f.cfg.MaxSize)); err != nil {
		f.PeerGone(k)
		return err
	}
	p := f.peers[k]
	if p == nil {
		p = &peerState{key: k}
		f.peers[k] = p
	}
	p.who, p.size = who, max(size, 0)
	return nil
}

// PeerGone forgets a connection; the pieces it sent stay, with its blame.
func (f *Fetch) PeerGone(k PeerKey) {
	p := f.peers[k]
	if p == nil {
		return
	}
	for _, r := range p.reqs {
		f.unlive(r, k)
	}
	delete(f.peers, k)
	if f.source == p {
		f.source = nil
	}
}

// Requests returns the pieces to request from peer k now, and records them as asked. Call it
// when the peer appears, after each of its answers, and about once a second for every peer
// (timeouts are noticed here).
func (f *Fetch) Requests(k PeerKey, now time.Time) []int {
	p := f.peers[k]
	if f.done || p == nil {
		return nil
	}
	f.expire(now)
	f.setSize(f.agreedSize())
	if !f.eligible(p, now) {
		return nil
	}
	if f.single {
		f.elect(now)
		if f.source != p {
			return nil
		}
	} else if p.stalled && f.anyGoodBut(p, now) {
		return nil
	}
	var out []int
	for len(p.reqs) < MaxRequestsPerPeer {
		i := f.pick(p, now)
		if i < 0 {
			break
		}
		p.reqs = append(p.reqs, request{piece: i, at: now, epoch: f.epoch})
		ps := &f.pieces[i]
		ps.askedBy, ps.askedAt = k, now
		ps.asks++
		out = append(out, i)
	}
	return out
}

// Received takes a data message from peer k. Unsolicited pieces (never asked of k, or asked so
// long ago that the request was forgotten) and pieces of a discarded copy are ignored, as
// libtorrent does. A total_size other than the peer's metadata_size or a piece of the wrong
// length is an error (ErrBadMessage): the caller should disconnect the peer.
func (f *Fetch) Received(k PeerKey, m Message, now time.Time) (Result, error) {
	p := f.peers[k]
	if f.done || p == nil {
		return Result{}, nil
	}
	f.expire(now)
	r, ok := p.take(m.Piece)
	if !ok {
		return Result{}, nil
	}
	p.stalled, p.rejected = false, false
	if m.TotalSize != p.size {
		return Result{}, fmt.Errorf("%w: piece %d says total_size %d, the peer announced metadata_size %d",
			ErrBadMessage, m.Piece, m.TotalSize, p.size)
	}
	if r.epoch != f.epoch {
		return Result{}, nil
	}
	if want := f.pieceLen(m.Piece); len(m.Data) != want {
		return Result{}, fmt.Errorf("%w: piece %d has %d bytes, want %d", ErrBadMessage, m.Piece, len(m.Data), want)
	}
	ps := &f.pieces[m.Piece]
	if ps.askedBy == k {
		ps.askedAt = time.Time{}
	}
	if ps.have {
		return Result{}, nil // a duplicate after a timeout
	}
	if f.buf == nil {
		f.buf = make([]byte, f.size) // the one buffer, at most MaxSize bytes
	}
	copy(f.buf[m.Piece*PieceSize:], m.Data)
	ps.have, ps.from = true, sender{k, p.who}
	f.received++
	if f.received < len(f.pieces) {
		return Result{}, nil
	}
	return f.verify(), nil
}

// Rejected takes a reject from peer k: the piece may be asked of others at once, and k rests
// for RejectBackoff.
func (f *Fetch) Rejected(k PeerKey, piece int, now time.Time) {
	p := f.peers[k]
	if f.done || p == nil {
		return
	}
	r, ok := p.take(piece)
	if !ok {
		return
	}
	p.stalled, p.rejected = false, true
	p.restUntil = now.Add(RejectBackoff)
	f.unlive(r, k)
}

func (p *peerState) take(piece int) (request, bool) {
	for i, r := range p.reqs {
		if r.piece == piece {
			p.reqs = append(p.reqs[:i], p.reqs[i+1:]...)
			return r, true
		}
	}
	return request{}, false
}

// unlive makes a piece askable again when r was its live request.
func (f *Fetch) unlive(r request, k PeerKey) {
	if r.epoch == f.epoch && r.piece < len(f.pieces) && f.pieces[r.piece].askedBy == k {
		f.pieces[r.piece].askedAt = time.Time{}
	}
}

// expire marks peers with a request older than RequestTimeout as stalled, and frees the slots
// of requests older than forgetAfter.
func (f *Fetch) expire(now time.Time) {
	for _, p := range f.peers {
		kept := p.reqs[:0]
		for _, r := range p.reqs {
			age := now.Sub(r.at)
			if age >= RequestTimeout && !r.timedOut {
				r.timedOut = true
				p.stalled = true
			}
			if age < forgetAfter {
				kept = append(kept, r)
			}
		}
		p.reqs = kept
	}
}

// agreedSize is the size most peers in good standing report (not liars, not stalled, no reject
// since their last piece); if there are none, the same counting stalled peers too. A tie keeps the current size,
// else takes the smaller. With no reports at all the current size stays, so a copy in progress
// survives its peers leaving.
func (f *Fetch) agreedSize() int {
	votes := map[int]int{}
	for _, p := range f.peers {
		if f.votes(p) && !p.stalled {
			votes[p.size]++
		}
	}
	if len(votes) == 0 {
		for _, p := range f.peers {
			if f.votes(p) {
				votes[p.size]++
			}
		}
	}
	best, bestVotes := f.size, votes[f.size]
	for size, n := range votes {
		switch {
		case n > bestVotes:
		case n < bestVotes, best == f.size && bestVotes > 0, size > best:
			continue // a tie keeps the current size, else goes to the smaller
		}
		best, bestVotes = size, n
	}
	return best
}

func (f *Fetch) votes(p *peerState) bool { return p.size > 0 && !p.rejected && !f.IsLiar(p.who) }

// setSize starts a new copy when the agreed size changed.
func (f *Fetch) setSize(size int) {
	if size == f.size {
		return
	}
	f.size = size
	f.newCopy()
}

// newCopy discards the current copy (keeping its size) and any requests made for it.
func (f *Fetch) newCopy() {
	f.epoch++
	f.buf = nil
	f.pieces = make([]pieceState, (f.size+PieceSize-1)/PieceSize)
	f.received = 0
}

func (f *Fetch) pieceLen(i int) int {
	if i == len(f.pieces)-1 {
		return f.size - i*PieceSize
	}
	return PieceSize
}

// eligible: the peer may be asked for the current copy.
func (f *Fetch) eligible(p *peerState, now time.Time) bool {
	return f.size > 0 && p.size == f.size && !f.IsLiar(p.who) && !now.Before(p.restUntil)
}

func (f *Fetch) anyGoodBut(p *peerState, now time.Time) bool {
	for _, q := range f.peers {
		if q != p && !q.stalled && f.eligible(q, now) {
			return true
		}
	}
	return false
}

// elect keeps the single source while it is eligible and not stalled (or stalled with nobody
// better), else picks another: not stalled first, then the fewest turns, then the oldest key.
// A new source starts a new copy, so that every copy has one sender.
func (f *Fetch) elect(now time.Time) {
	cur := f.source
	if cur != nil && f.eligible(cur, now) && !(cur.stalled && f.anyGoodBut(cur, now)) {
		return
	}
	var best *peerState
	for _, q := range f.peers {
		if !f.eligible(q, now) {
			continue
		}
		if best == nil || q.stalled != best.stalled && !q.stalled ||
			q.stalled == best.stalled && (q.turns < best.turns || q.turns == best.turns && q.key < best.key) {
			best = q
		}
	}
	if best == nil || best == cur {
		return
	}
	f.source = best
	best.turns++
	f.newCopy()
}

// pick returns the piece to ask of p next, or -1: a missing piece p is not already asked for
// and, while copies are mixed, that has no live request elsewhere; the least asked first.
func (f *Fetch) pick(p *peerState, now time.Time) int {
	best := -1
	for i := range f.pieces {
		ps := &f.pieces[i]
		if ps.have || p.holds(i, f.epoch) {
			continue
		}
		if !f.single && !ps.askedAt.IsZero() && now.Sub(ps.askedAt) < RequestTimeout {
			continue
		}
		if best < 0 || ps.asks < f.pieces[best].asks {
			best = i
		}
	}
	return best
}

func (p *peerState) holds(piece int, epoch uint64) bool {
	for _, r := range p.reqs {
		if r.piece == piece && r.epoch == epoch {
			return true
		}
	}
	return false
}
