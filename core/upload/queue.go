package upload

import (
	"sync"
	"sync/atomic"

	"github.com/libbt/libbt/core/limits"
	"github.com/libbt/libbt/core/picker"
)

// LimitRequestQueue names the bound on a peer's queued requests (libtorrent's setting).
const LimitRequestQueue = "max_allowed_in_request_queue"

// minReadCharge is what a read counts against the watermark at least: a peer asking for 1-byte
// blocks gets no more reads in flight than one asking for whole blocks.
const minReadCharge = picker.BlockSize

type read struct {
	b      picker.Block
	wanted bool // false once cancelled: the data is dropped when the read completes
}

// Queue is one peer's queue of block requests and its disk reads in flight. See the package doc.
type Queue struct {
	mu      sync.Mutex
	queued  []picker.Block // queued[head:] wait for a read, oldest first
	head    int
	reads   []read // in flight; short: at most watermark/minReadCharge + 1
	reading int64  // bytes charged for reads in flight

	// total, if set, is a counter shared by many queues (a session's): it follows the bytes
	// charged for reads in flight.
	total *atomic.Int64
}

// New returns an empty queue; total may be nil.
func New(total *atomic.Int64) *Queue { return &Queue{total: total} }

// Push queues a request. A queue already holding max requests refuses it with a *limits.Error
// (LimitRequestQueue); the caller rejects or drops the request.
func (q *Queue) Push(b picker.Block, max int) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if n := len(q.queued) - q.head; n >= max {
		return &limits.Error{Limit: LimitRequestQueue, Value: int64(n) + 1, Max: int64(max)}
	}
	if q.head > 0 && q.head >= len(q.queued)/2 {
		// Reuse the consumed front rather than growing the array forever.
		n := copy(q.queued, q.queued[q.head:])
		q.queued = q.queued[:n]
		q.head = 0
	}
	q.queued = append(q.queued, b)
	return nil
}

// Queued returns the number of requests waiting for a read.
func (q *Queue) Queued() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.queued) - q.head
}

// Reading returns the bytes charged for reads in flight.
func (q *Queue) Reading() int64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.reading
}

// Next appends to out the requests to read now, oldest first, and counts them as reading: as
// many as keep buffered (the bytes already in the peer's send buffer) plus the reads in flight
// under watermark. At least one read may start when nothing is buffered or reading.
func (q *Queue) Next(buffered, watermark int64, out []picker.Block) []picker.Block {
	q.mu.Lock()
	defer q.mu.Unlock()
	for q.head < len(q.queued) && buffered+q.reading < watermark {
		b := q.queued[q.head]
		q.head++
		q.reads = append(q.reads, read{b: b, wanted: true})
		q.charge(charge(b))
		out = append(out, b)
	}
	if q.head == len(q.queued) {
		q.queued, q.head = q.queued[:0], 0
	}
	return out
}

// ReadDone ends the read of b started by Next and reports whether its data is still wanted
// (false if it was cancelled or cleared meanwhile, or never started).
func (q *Queue) ReadDone(b picker.Block) (wanted bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for i, r := range q.reads {
		if r.b == b {
			q.reads = append(q.reads[:i], q.reads[i+1:]...)
			q.charge(-charge(b))
			return r.wanted
		}
	}
	return false
}

// Cancel withdraws every request for b, queued or being read, and reports whether there was
// one (BEP 6 answers a cancelled request with a reject).
func (q *Queue) Cancel(b picker.Block) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	found := false
	live := q.queued[q.head:]
	n := 0
	for _, x := range live {
		if x == b {
			found = true
			continue
		}
		live[n] = x
		n++
	}
	q.queued = q.queued[:q.head+n]
	for i := range q.reads {
		if q.reads[i].b == b && q.reads[i].wanted {
			q.reads[i].wanted = false
			found = true
		}
	}
	return found
}

// Clear withdraws every request (a choke, a closed connection) and appends them to out, queued
// ones first; reads in flight finish unwanted.
func (q *Queue) Clear(out []picker.Block) []picker.Block {
	q.mu.Lock()
	defer q.mu.Unlock()
	out = append(out, q.queued[q.head:]...)
	q.queued, q.head = q.queued[:0], 0
	for i := range q.reads {
		if q.reads[i].wanted {
			q.reads[i].wanted = false
			out = append(out, q.reads[i].b)
		}
	}
	return out
}

func (q *Queue) charge(n int64) {
	q.reading += n
	if q.total != nil {
		q.total.Add(n)
	}
}

func charge(b picker.Block) int64 { return int64(max(b.Length, minReadCharge)) }

// Watermark is libtorrent's send-buffer target for a peer: its upload rate (bytes/s) times
// factor percent, kept within [low, high].
func Watermark(rate, factor, low, high int64) int64 {
	return min(max(rate*factor/100, low), high)
}
