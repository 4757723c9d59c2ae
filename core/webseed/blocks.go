package webseed

import (
	"context"
	"errors"
	"io"
)

// ErrOverrun is a response that carried more data than the blocks asked for.
var ErrOverrun = errors.New("web seed: more data than the job's blocks")

// Blocks cuts the byte stream of one fetch job (Client.Fetch's sink) into its blocks, in
// stream order, and hands them to the owner in batches. It implements io.ReaderFrom so an HTTP
// body is read straight into the owner's block buffers. It runs on the job's goroutine; the
// owner's functions must be safe there.
type Blocks struct {
	Ctx        context.Context // the job's: when it ends, the stream stops
	Lengths    []int           // the blocks' sizes, in stream order
	BatchBytes int             // hand blocks over in batches of about this many bytes
	// GetBuf returns a buffer for a block of n bytes; PutBuf takes back one not handed over.
	GetBuf func(n int) []byte
	PutBuf func([]byte)
	// RateWait waits until n bytes may be read under the download rate limit (until done).
	RateWait func(n int, done <-chan struct{})
	// Congested reports disk back-pressure; the stream then hands over what it has and waits
	// for Uncongested (or the job's end) before reading more.
	Congested   func() bool
	Uncongested func() <-chan struct{}
	// Deliver takes a batch of filled blocks, bufs[0] being block first (it must not block).
	Deliver func(first int, bufs [][]byte)

	next       int    // index in Lengths of the block being filled
	cur        []byte // that block's buffer
	fill       int
	batch      [][]byte
	batchFirst int
	batchBytes int
}

// ensure has a buffer ready for the next block, after waiting for the rate limit and the disk.
func (s *Blocks) ensure() error {
	if s.cur != nil {
		return nil
	}
	if s.next >= len(s.Lengths) {
		return ErrOverrun
	}
	n := s.Lengths[s.next]
	done := s.Ctx.Done()
	s.RateWait(n, done)
	if s.Congested() {
		// Back-pressure, as for peers: let the disk drain before reading more.
		s.Flush()
		select {
		case <-s.Uncongested():
		case <-done:
		}
	}
	if err := s.Ctx.Err(); err != nil {
		return err
	}
	s.cur, s.fill = s.GetBuf(n), 0
	return nil
}

func (s *Blocks) complete() {
	if s.fill < len(s.cur) {
		return
	}
	if len(s.batch) == 0 {
		s.batchFirst = s.next
	}
	s.batch = append(s.batch, s.cur)
	s.batchBytes += len(s.cur)
	s.cur = nil
	s.next++
	if s.batchBytes >= s.BatchBytes {
		s.Flush()
	}
}

// Flush hands over the blocks filled so far.
func (s *Blocks) Flush() {
	if len(s.batch) == 0 {
		return
	}
	first, bufs := s.batchFirst, s.batch
	s.batch, s.batchBytes = nil, 0
	s.Deliver(first, bufs)
}

// Close hands over the filled blocks and gives back the buffer of a block left partly filled.
func (s *Blocks) Close() {
	s.Flush()
	if s.cur != nil {
		s.PutBuf(s.cur)
		s.cur = nil
	}
}

func (s *Blocks) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		if err := s.ensure(); err != nil {
			return n, err
		}
		k := copy(s.cur[s.fill:], p)
		s.fill += k
		n += k
		p = p[k:]
		s.complete()
	}
	return n, nil
}

func (s *Blocks) ReadFrom(r io.Reader) (int64, error) {
	var total int64
	for {
		var k int
		var err error
		if s.cur == nil && s.next >= len(s.Lengths) {
			var probe [1]byte
			if k, err = r.Read(probe[:]); k > 0 {
				return total, ErrOverrun
			}
		} else {
			if err := s.ensure(); err != nil {
				return total, err
			}
			k, err = r.Read(s.cur[s.fill:])
			s.fill += k
			total += int64(k)
			s.complete()
		}
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}
