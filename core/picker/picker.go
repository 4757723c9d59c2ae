package picker

import (
	"fmt"
	"math/rand/v2"

	"github.com/libbt/libbt/core/bitfield"
)

// BlockSize is the size of a request: 16 KiB. Only the last block of a
// piece may be shorter.
const BlockSize = 16384

// Priority bounds. A piece at PrioritySkip is never downloaded.
const (
	PrioritySkip    = 0
	PriorityDefault = 4
	PriorityMax     = 7
)

// PeerKey identifies one peer connection. The session picks the values; the
// picker only compares them. 0 is no peer.
type PeerKey uint64

// Block is one request: Length bytes at offset Begin of piece Piece.
type Block struct {
	Piece  int
	Begin  uint32
	Length uint32
}

const (
	flagHave    = 1 << iota // verified and stored
	flagPartial             // has a *partial entry (some block requested or received)
)

type pieceState struct {
	count int32 // peers with a bitfield/have that have this piece (seeds apart)
	pos   int32 // index in levels[prio].list, -1 when not a fresh candidate
	prio  uint8
	flags uint8
}

// Picker is the block picker of one torrent. See the package doc for the
// ordering rules and the concurrency model (one owning goroutine).
type Picker struct {
	numPieces   int
	pieceLength int64
	totalLength int64
	blocksPer   int // blocks in a full piece

	pieces []pieceState
	need   bitset                  // wanted (priority > 0) and not had
	levels [PriorityMax + 1]*level // index = priority, made on first use (level); levels[0] unused
	seeds  int                     // peers that have every piece

	partials  []*partial // in start order
	partialOf map[int]*partial
	pool      []*partial

	peers map[PeerKey]*peerState

	haveCount    int
	wantedCount  int // pieces with priority > 0
	wantedHave   int // wanted pieces we have
	wantedMissed int64

	sequential bool
	rng        *rand.Rand
	scratch    []candidate
}

// Option configures a Picker at construction.
type Option func(*Picker)

// WithRand makes the picker draw its random tie-breaks from r (for
// reproducible tests). The default is seeded from the runtime's source.
func WithRand(r *rand.Rand) Option { return func(p *Picker) { p.rng = r } }

// Validate reports whether the torrent geometry is consistent: the last
// piece must hold between 1 and pieceLength bytes.
func Validate(numPieces int, pieceLength, totalLength int64) error {
	switch {
	case numPieces <= 0 || numPieces > 1<<31-1:
		return fmt.Errorf("picker: piece count %d out of range", numPieces)
	case pieceLength <= 0 || pieceLength > 1<<31:
		return fmt.Errorf("picker: piece length %d out of range", pieceLength)
	case totalLength <= 0:
		return fmt.Errorf("picker: total length %d out of range", totalLength)
	}
	last := totalLength - int64(numPieces-1)*pieceLength
	if last <= 0 || last > pieceLength {
		return fmt.Errorf("picker: %d pieces of %d bytes cannot hold %d bytes", numPieces, pieceLength, totalLength)
	}
	return nil
}

// New returns a picker for a torrent of numPieces pieces of pieceLength
// bytes (the last one shorter) totalling totalLength bytes. All pieces start
// missing at PriorityDefault. New panics if Validate fails: the metainfo
// package guarantees a consistent geometry.
func New(numPieces int, pieceLength, totalLength int64, opts ...Option) *Picker {
	if err := Validate(numPieces, pieceLength, totalLength); err != nil {
		panic(err)
	}
	p := &Picker{
		numPieces:   numPieces,
		pieceLength: pieceLength,
		totalLength: totalLength,
		blocksPer:   int((pieceLength + BlockSize - 1) / BlockSize),
		pieces:      make([]pieceState, numPieces),
		// partialOf and peers are made on first use: a paused torrent's picker has neither
	}
	for _, o := range opts {
		o(p)
	}
	if p.rng == nil {
		p.rng = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	p.need = newBitset(numPieces)
	lv := p.level(PriorityDefault)
	lv.list = make([]int32, numPieces)
	for i := range p.pieces {
		lv.list[i] = int32(i)
		lv.fresh.set(i)
		p.need.set(i)
	}
	p.rng.Shuffle(numPieces, func(i, j int) { lv.list[i], lv.list[j] = lv.list[j], lv.list[i] })
	for i, pc := range lv.list {
		p.pieces[pc] = pieceState{pos: int32(i), prio: PriorityDefault}
	}
	lv.bounds = []int32{int32(numPieces)}
	p.wantedCount = numPieces
	p.wantedMissed = totalLength
	return p
}

// NumPieces returns the number of pieces in the torrent.
func (p *Picker) NumPieces() int { return p.numPieces }

// PieceSize returns the length in bytes of piece (the last one may be shorter).
func (p *Picker) PieceSize(piece int) int64 {
	if piece == p.numPieces-1 {
		return p.totalLength - int64(p.numPieces-1)*p.pieceLength
	}
	return p.pieceLength
}

// BlocksInPiece returns how many blocks piece is split into.
func (p *Picker) BlocksInPiece(piece int) int {
	return int((p.PieceSize(piece) + BlockSize - 1) / BlockSize)
}

func (p *Picker) blockLen(piece, bi int) uint32 {
	size := p.PieceSize(piece)
	if rest := size - int64(bi)*BlockSize; rest < BlockSize {
		return uint32(rest)
	}
	return BlockSize
}

func (p *Picker) valid(piece int) bool { return piece >= 0 && piece < p.numPieces }

// SetSequential switches between rarest-first (false, the default) and
// piece-index order (true). Priorities and "finish partial pieces first"
// apply in both modes.
func (p *Picker) SetSequential(on bool) { p.sequential = on }

// Sequential reports whether sequential mode is on.
func (p *Picker) Sequential() bool { return p.sequential }

// Have reports whether piece is verified and stored.
func (p *Picker) Have(piece int) bool {
	return p.valid(piece) && p.pieces[piece].flags&flagHave != 0
}

// HaveCount returns the number of pieces we have.
func (p *Picker) HaveCount() int { return p.haveCount }

// WantedCount returns the number of pieces with priority above 0.
func (p *Picker) WantedCount() int { return p.wantedCount }

// Complete reports whether every wanted (priority > 0) piece is verified.
func (p *Picker) Complete() bool { return p.wantedHave == p.wantedCount }

// Interesting reports whether a peer with the pieces in has (nil: every
// piece) has a wanted piece we lack, i.e. whether we should be interested.
// It costs O(NumPieces/64).
func (p *Picker) Interesting(has *bitfield.Bitfield) bool {
	if has == nil {
		return p.wantedHave < p.wantedCount
	}
	found := false
	p.intersect(p.need, has, func(int) bool { found = true; return false })
	return found
}

// Left returns the bytes of wanted pieces we do not have yet.
func (p *Picker) Left() int64 { return p.wantedMissed }

// SetHave marks piece as verified and stored (e.g. from resume data or a
// recheck). Outstanding requests for it are dropped from the books.
func (p *Picker) SetHave(piece int) {
	if !p.valid(piece) || p.pieces[piece].flags&flagHave != 0 {
		return
	}
	ps := &p.pieces[piece]
	if ps.pos >= 0 {
		p.removeFresh(piece)
	}
	if ps.flags&flagPartial != 0 {
		p.dropPartial(p.partialOf[piece])
	}
	ps.flags |= flagHave
	p.need.clear(piece)
	p.haveCount++
	if ps.prio > 0 {
		p.wantedHave++
		p.wantedMissed -= p.PieceSize(piece)
	}
}

// PieceVerified records that piece passed its hash check: it becomes had.
func (p *Picker) PieceVerified(piece int) { p.SetHave(piece) }

// Priority returns the priority of piece (0-7), or 0 for an invalid index.
func (p *Picker) Priority(piece int) int {
	if !p.valid(piece) {
		return 0
	}
	return int(p.pieces[piece].prio)
}

// SetPiecePriority sets the priority of piece: 0 skips it, 1-7 from lowest to
// highest; prio is clamped to that range. Invalid piece indexes are ignored.
// Blocks already requested for a piece set to 0 stay outstanding.
func (p *Picker) SetPiecePriority(piece, prio int) {
	if !p.valid(piece) {
		return
	}
	prio = max(PrioritySkip, min(PriorityMax, prio))
	ps := &p.pieces[piece]
	old := int(ps.prio)
	if old == prio {
		return
	}
	if ps.pos >= 0 {
		p.removeFresh(piece)
	}
	ps.prio = uint8(prio)
	have := ps.flags&flagHave != 0
	switch {
	case old == 0 && prio > 0:
		p.wantedCount++
		if have {
			p.wantedHave++
		} else {
			p.wantedMissed += p.PieceSize(piece)
		}
	case old > 0 && prio == 0:
		p.wantedCount--
		if have {
			p.wantedHave--
		} else {
			p.wantedMissed -= p.PieceSize(piece)
		}
	}
	if prio > 0 && !have {
		p.need.set(piece)
	} else {
		p.need.clear(piece)
	}
	if prio > 0 && ps.flags&(flagHave|flagPartial) == 0 {
		p.insertFresh(piece)
	}
}
