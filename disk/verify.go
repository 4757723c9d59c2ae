package disk

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
)

// Verify checks which pieces of st are present and correct: on adding a
// torrent with existing data, and for a forced recheck. hashes holds the
// 20-byte SHA-1 of each piece, back to back.
//
// Pieces touching a file that is missing or shorter than the piece needs are
// reported missing from one stat per file, without reading. The others are
// read whole (one pread per file per piece) and hashed, spread over all disk
// goroutines, at background priority (peer reads go first).
//
// progress, if non-nil, is called exactly once per piece checked (ok =
// hash matched), on disk goroutines, possibly concurrently, in no
// particular order; it must not block. done is called once at the end
// with have[i] = piece i verified good. If ctx is cancelled or a read fails
// for a reason other than missing data, no further pieces are started and
// done gets the error along with the pieces confirmed so far.
//
// Writes to st submitted before Verify are seen by it. The session must not
// write to st while verifying (pause the torrent first).
func (d *IO) Verify(ctx context.Context, st *Storage, pieceLength, totalLength int64, hashes []byte,
	progress func(piece int, ok bool), done func(have []bool, err error)) {
	n, err := checkVerifyArgs(st, pieceLength, totalLength, hashes)
	if err != nil {
		go done(nil, err)
		return
	}
	if progress == nil {
		progress = func(int, bool) {}
	}
	v := &verifier{
		d: d, ctx: ctx, st: st, pieceLength: pieceLength, hashes: hashes,
		progress: progress, done: done,
		have:  make([]bool, n),
		limit: 2 * d.workers,
	}
	// The start job stats the files. It is ordered like a read of the whole
	// torrent, so it sees every earlier write.
	j := &job{st: st, off: 0, end: max(totalLength, 1), prio: prioBackground}
	j.run = func(*worker) { v.start() }
	v.mu.Lock()
	v.inflight = 1
	v.mu.Unlock()
	d.submit(j, v.fail)
}

func checkVerifyArgs(st *Storage, pieceLength, totalLength int64, hashes []byte) (int, error) {
	if totalLength != st.Length() {
		return 0, fmt.Errorf("disk: verify: total length %d, storage has %d", totalLength, st.Length())
	}
	if pieceLength <= 0 {
		return 0, fmt.Errorf("disk: verify: piece length %d", pieceLength)
	}
	n := (totalLength + pieceLength - 1) / pieceLength
	if int64(len(hashes)) != 20*n {
		return 0, fmt.Errorf("disk: verify: %d bytes of hashes for %d pieces", len(hashes), n)
	}
	return int(n), nil
}

type verifier struct {
	d           *IO
	ctx         context.Context
	st          *Storage
	pieceLength int64
	hashes      []byte
	progress    func(int, bool)
	done        func([]bool, error)
	limit       int

	mu       sync.Mutex
	have     []bool
	todo     []int // pieces to hash, ascending
	next     int   // index into todo
	inflight int   // submitted jobs not finished (start job included)
	err      error
	finished bool
}

func (v *verifier) pieceRange(p int) (off, n int64) {
	off = int64(p) * v.pieceLength
	return off, min(v.pieceLength, v.st.Length()-off)
}

// start runs on a disk goroutine: classify pieces by file sizes, report the
// missing ones and start hashing the rest.
func (v *verifier) start() {
	sizes, err := v.st.FileSizes()
	var missing []int
	if err == nil {
		for p := range v.have {
			off, n := v.pieceRange(p)
			present := true
			v.st.layout.span(off, n, func(s segment) error {
				if sizes[s.file] < s.fileOff+s.n {
					present = false
				}
				return nil
			})
			if present {
				v.todo = append(v.todo, p)
			} else {
				missing = append(missing, p)
			}
		}
	}
	for _, p := range missing {
		v.progress(p, false)
	}
	v.complete(err)
}

// complete records the end of one job and feeds more, or finishes.
func (v *verifier) complete(err error) {
	v.mu.Lock()
	v.inflight--
	if err != nil && v.err == nil {
		v.err = err
	}
	if v.err == nil {
		v.err = v.ctx.Err()
	}
	var batch []int
	if v.err == nil {
		for v.inflight < v.limit && v.next < len(v.todo) {
			batch = append(batch, v.todo[v.next])
			v.next++
			v.inflight++
		}
	}
	finish := v.inflight == 0 && !v.finished
	if finish {
		v.finished = true
	}
	have, ferr := v.have, v.err
	v.mu.Unlock()

	for _, p := range batch {
		v.submitPiece(p)
	}
	if finish {
		v.done(have, ferr)
	}
}

func (v *verifier) fail(err error) { v.complete(err) }

func (v *verifier) submitPiece(p int) {
	off, n := v.pieceRange(p)
	j := &job{st: v.st, off: off, end: off + n, prio: prioBackground}
	j.run = func(w *worker) {
		if err := v.ctx.Err(); err != nil {
			v.complete(err)
			return
		}
		sum, err := w.hashRange(v.st, off, n)
		if errors.Is(err, ErrNotFound) {
			err = nil // shrank since the stat: simply missing
		} else if err == nil && bytes.Equal(sum[:], v.hashes[20*p:20*p+20]) {
			v.mu.Lock()
			v.have[p] = true
			v.mu.Unlock()
			v.progress(p, true)
			v.complete(nil)
			return
		}
		if err == nil {
			v.progress(p, false)
		}
		v.complete(err)
	}
	v.d.submit(j, v.fail)
}
