// Package inbox is the mailbox of an actor goroutine (a torrent's): closures posted from any
// goroutine and run in order by the one goroutine that owns the actor's state.
//
// Posting never blocks. A producer that waits on a busy actor stalls whatever else it serves
// (the session's shared disk workers, its listeners, the DHT), so the queue has no hard bound;
// memory is bounded by the producers instead, each of which must have a bound of its own on
// what it can have posted and not yet run (see the torrent's inbox in core/session for the list).
// Offer is for producers with no such bound (traffic from the network that repeats itself,
// such as LSD announces): it drops what would grow the queue past a limit.
//
// # Concurrency
//
// Post, Offer, Len and Close are safe from any goroutine. Wake and Take belong to the consumer.
package inbox

import "sync"

// shrinkAbove is the capacity past which a drained queue's array is dropped rather than kept,
// so a burst does not pin its peak memory for the actor's lifetime.
const shrinkAbove = 4096

// Inbox is an unbounded FIFO of closures with a wake-up signal for its consumer.
type Inbox struct {
	mu     sync.Mutex
	queue  []func()
	closed bool
	wake   chan struct{} // one token while queue is non-empty and the consumer has not been woken
}

// New returns an empty, open inbox.
func New() *Inbox {
	return &Inbox{wake: make(chan struct{}, 1)}
}

// Post queues f and wakes the consumer; it never blocks. It returns false, dropping f, once the
// inbox is closed.
func (b *Inbox) Post(f func()) bool {
	return b.put(f, -1)
}

// Offer is Post unless more than max closures are already waiting, in which case f is dropped
// and Offer returns false.
func (b *Inbox) Offer(f func(), max int) bool {
	return b.put(f, max)
}

func (b *Inbox) put(f func(), max int) bool {
	b.mu.Lock()
	if b.closed || max >= 0 && len(b.queue) > max {
		b.mu.Unlock()
		return false
	}
	b.queue = append(b.queue, f)
	b.mu.Unlock()
	select {
	case b.wake <- struct{}{}:
	default: // a wake-up is already pending
	}
	return true
}

// Wake receives when closures may be waiting: the consumer then calls Take.
func (b *Inbox) Wake() <-chan struct{} { return b.wake }

// Take returns every closure queued so far, in posting order. spare is the slice the previous
// Take returned, once its closures have run: the inbox reuses its array (after clearing it, so
// the closures can be collected) for the queue it fills next.
func (b *Inbox) Take(spare []func()) []func() {
	clear(spare)
	if cap(spare) > shrinkAbove {
		spare = nil
	}
	b.mu.Lock()
	out := b.queue
	b.queue = spare[:0]
	b.mu.Unlock()
	return out
}

// Len is the number of closures waiting.
func (b *Inbox) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.queue)
}

// Close drops the waiting closures and makes every later Post and Offer fail. The consumer
// calls it when it stops.
func (b *Inbox) Close() {
	b.mu.Lock()
	b.closed = true
	clear(b.queue)
	b.queue = nil
	b.mu.Unlock()
}
