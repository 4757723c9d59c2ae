package create

import (
	"context"
	"crypto/sha1"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/libbt/libbt/core/guard"
)

// parallel runs work over [0, n) on `workers` goroutines, each owning a contiguous range,
// calling progress (if set) from the calling goroutine about ten times a second with the count
// work reports through done, and once at the end. The first error or ctx's cancellation sets
// stop, which work polls.
func parallel(ctx context.Context, n, workers int, progress func(int, int),
	work func(first, end int, done *atomic.Int64, stop *atomic.Bool) error) error {
	workers = max(1, min(workers, n))
	var done atomic.Int64
	var stop atomic.Bool
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		first, end := n*w/workers, n*(w+1)/workers
		wg.Add(1)
		guard.Go("hashing a new torrent", func() {
			defer wg.Done()
			if p := guard.Run("hashing a new torrent", func() {
				errs[w] = work(first, end, &done, &stop)
			}); p != nil {
				errs[w] = p
			}
			if errs[w] != nil {
				stop.Store(true)
			}
		}, nil)
	}
	finished := make(chan struct{})
	guard.Go("hashing a new torrent", func() { wg.Wait(); close(finished) }, nil)
	var tick <-chan time.Time
	if progress != nil {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		tick = t.C
	}
	cancelled := ctx.Done()
loop:
	for {
		select {
		case <-finished:
			break loop
		case <-tick:
			progress(int(done.Load()), n)
		case <-cancelled:
			stop.Store(true)
			cancelled = nil
		}
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("create: %w", err)
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if progress != nil {
		progress(n, n)
	}
	return nil
}

// hashPieces hashes the v1 pieces of files back to back, one piece buffer and one open file
// at a time per worker.
func hashPieces(ctx context.Context, files []createFile, total, pieceLength int64, workers int, progress func(int, int)) ([]byte, error) {
	n := int((total + pieceLength - 1) / pieceLength)
	pieces := make([]byte, 20*n)
	err := parallel(ctx, n, workers, progress, func(first, end int, done *atomic.Int64, stop *atomic.Bool) error {
		return hashRange(files, total, pieceLength, first, end, pieces, done, stop)
	})
	if err != nil {
		return nil, err
	}
	return pieces, nil
}

func hashRange(files []createFile, total, pieceLength int64, first, end int, pieces []byte, done *atomic.Int64, stop *atomic.Bool) error {
	buf := make([]byte, pieceLength)
	h := sha1.New()
	r := streamReader{files: files}
	defer r.close()
	for p := first; p < end && !stop.Load(); p++ {
		off := int64(p) * pieceLength
		size := min(pieceLength, total-off)
		if err := r.readAt(buf[:size], off); err != nil {
			return err
		}
		h.Reset()
		h.Write(buf[:size])
		h.Sum(pieces[p*20 : p*20])
		done.Add(1)
	}
	return nil
}

// streamReader reads the concatenated file stream, keeping one file open.
type streamReader struct {
	files []createFile
	cur   int
	f     *os.File
}

func (r *streamReader) close() {
	if r.f != nil {
		r.f.Close()
		r.f = nil
	}
}

func (r *streamReader) readAt(buf []byte, off int64) error {
	for len(buf) > 0 {
		// Files are visited in order; skip those that end before off.
		for r.cur < len(r.files) && r.files[r.cur].offset+r.files[r.cur].length <= off {
			r.cur++
			r.close()
		}
		if r.cur >= len(r.files) {
			return fmt.Errorf("create: read past end of data")
		}
		cf := r.files[r.cur]
		if r.f == nil {
			f, err := os.Open(cf.osPath)
			if err != nil {
				return fmt.Errorf("create: %w", err)
			}
			r.f = f
		}
		n := min(int64(len(buf)), cf.offset+cf.length-off)
		if _, err := r.f.ReadAt(buf[:n], off-cf.offset); err != nil {
			if err == io.EOF {
				return fmt.Errorf("create: %s shrank while hashing", cf.osPath)
			}
			return fmt.Errorf("create: %w", err)
		}
		buf, off = buf[n:], off+n
	}
	return nil
}
