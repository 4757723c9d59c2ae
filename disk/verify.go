package disk

import (
	"bytes"
	"context"
	"crypto/sha1"
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
// read in runs of whole pieces (one pread per file per run of up to 4 MiB,
// or per piece if pieces are larger) and hashed, spread over all disk
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
		d.goCallback(st, func() { done(nil, err) })
		return
	}
	d.startVerify(ctx, st, pieceLength, totalLength, hashes, n, nil, progress, done)
}

func (d *IO) startVerify(ctx context.Context, st *Storage, pieceLength, totalLength int64, hashes []byte, n int,
	resume *ResumeState, progress func(piece int, ok bool), done func(have []bool, err error)) {
	if progress == nil {
		progress = func(int, bool) {}
	}
	v := &verifier{
		d: d, ctx: ctx, st: st, pieceLength: pieceLength, hashes: hashes,
		progress: progress, done: done,
		have:   make([]bool, n),
		limit:  2 * d.workers,
		resume: resume,
	}
	// The start job stats the files. It is ordered like a read of the whole
	// torrent, so it sees every earlier write.
	j := &job{d: d, st: st, off: 0, end: max(totalLength, 1), prio: prioBackground}
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
	resume      *ResumeState // VerifyResume: what to trust

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
	// Verify starts from what is on disk: cached written blocks are written
	// first, and everything cached for st (read blocks, running hashes of
	// partial pieces) is forgotten, as a recheck usually follows a change
	// made behind our back.
	err := v.d.cache.flushStorage(v.st, true)
	var sizes []int64
	if err == nil {
		sizes, err = v.st.FileSizes()
	}
	var missing, trusted []int
	var consistent []bool
	if err == nil && v.resume != nil {
		consistent, err = v.resume.consistent(v.st)
	}
	if err == nil {
		for p := range v.have {
			off, n := v.pieceRange(p)
			present, trust := true, v.resume != nil && v.resume.Have[p]
			v.st.layout.span(off, n, func(s segment) error {
				if sizes[s.file] < s.fileOff+s.n {
					present = false
				}
				if consistent != nil && !consistent[s.file] {
					trust = false
				}
				return nil
			})
			switch {
			case !present || (v.resume != nil && !v.resume.Have[p]):
				missing = append(missing, p)
			case trust:
				trusted = append(trusted, p)
			default:
				v.todo = append(v.todo, p)
			}
		}
	}
	for _, p := range missing {
		v.progress(p, false)
	}
	for _, p := range trusted {
		v.record(p, true)
	}
	v.complete(err)
}

// verifyChunk is how many bytes of consecutive pieces one verify job reads
// at once when pieces are small (one pread per file per chunk).
const verifyChunk = 4 << 20

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
	var batches [][2]int // [first, last] piece of each new job
	if v.err == nil {
		per := int(max(1, verifyChunk/v.pieceLength))
		for v.inflight < v.limit && v.next < len(v.todo) {
			first := v.todo[v.next]
			last := first
			v.next++
			for v.next < len(v.todo) && v.todo[v.next] == last+1 && last+1-first < per {
				last++
				v.next++
			}
			batches = append(batches, [2]int{first, last})
			v.inflight++
		}
	}
	finish := v.inflight == 0 && !v.finished
	if finish {
		v.finished = true
	}
	have, ferr := v.have, v.err
	v.mu.Unlock()

	for _, b := range batches {
		v.submitPieces(b[0], b[1])
	}
	if finish {
		v.done(have, ferr)
	}
}

func (v *verifier) fail(err error) { v.complete(err) }

// submitPieces queues one job hashing the consecutive pieces first..last.
func (v *verifier) submitPieces(first, last int) {
	off, _ := v.pieceRange(first)
	lastOff, lastN := v.pieceRange(last)
	end := lastOff + lastN
	j := &job{d: v.d, st: v.st, off: off, end: end, prio: prioBackground}
	j.run = func(w *worker) {
		if err := v.ctx.Err(); err != nil {
			v.complete(err)
			return
		}
		var err error
		if first == last || end-off > maxChunk {
			for p := first; p <= last && err == nil; p++ {
				err = v.checkPiece(w, p)
			}
		} else {
			err = v.checkRun(w, first, last, off, end)
		}
		v.complete(err)
	}
	v.d.submit(j, v.fail)
}

// checkRun reads pieces first..last (bytes [off, end)) with one read per
// file and hashes each. If part of the range has gone missing since the
// stat, it falls back to piece by piece.
func (v *verifier) checkRun(w *worker, first, last int, off, end int64) error {
	n := end - off
	if int64(cap(w.scratch)) < n {
		w.scratch = make([]byte, n)
	}
	buf := w.scratch[:n]
	if _, err := v.st.readAt(buf, off, &v.d.ctr); err != nil {
		if errors.Is(err, ErrNotFound) {
			for p := first; p <= last; p++ {
				if err := v.checkPiece(w, p); err != nil {
					return err
				}
			}
			return nil
		}
		return err
	}
	for p := first; p <= last; p++ {
		po, pn := v.pieceRange(p)
		sum := sha1.Sum(buf[po-off : po-off+pn])
		v.record(p, bytes.Equal(sum[:], v.hashes[20*p:20*p+20]))
	}
	return nil
}

// checkPiece reads and hashes one piece; missing data means a bad piece.
func (v *verifier) checkPiece(w *worker, p int) error {
	off, n := v.pieceRange(p)
	sum, err := w.hashRange(v.st, off, n, &v.d.ctr)
	if errors.Is(err, ErrNotFound) {
		v.record(p, false) // shrank since the stat: simply missing
		return nil
	}
	if err != nil {
		return err
	}
	v.record(p, bytes.Equal(sum[:], v.hashes[20*p:20*p+20]))
	return nil
}

func (v *verifier) record(p int, ok bool) {
	if ok {
		v.mu.Lock()
		v.have[p] = true
		v.mu.Unlock()
	}
	v.progress(p, ok)
}
