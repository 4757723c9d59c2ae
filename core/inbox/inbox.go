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
// An inbox made by NewOnDemand has a consumer only while it has work: the Post that finds no
// consumer starts one (Drain, on a goroutine its owner starts), which returns once the queue is
// empty and its owner says it may rest (a paused torrent), so a resting actor costs no
// goroutine, stack or wake-up until something is posted to it.
//
// # Concurrency
//
// Post, Offer, Len and Close are safe from any goroutine. Wake, Take and Drain belong to the
// consumer.
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
	// (on demand: made when a consumer first waits, dropped when it rests)
	// On demand (NewOnDemand): start starts a consumer running Drain; consuming says one runs
	// (or is being started), so no other is.
	start     func()
	consuming bool
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

// NewOnDemand returns an empty, open inbox with no consumer yet: Posts queue until the owner
// calls start itself (once it is ready to be served); from then on, a Post that finds no
// consumer calls start, which must run Drain on a new goroutine and return at once.
func NewOnDemand(start func()) *Inbox {
	return &Inbox{start: start, consuming: true}
}

func (b *Inbox) put(f func(), max int) bool {
	b.mu.Lock()
	if b.closed || max >= 0 && len(b.queue) > max {
		b.mu.Unlock()
		return false
	}
	b.queue = append(b.queue, f)
	if b.start != nil && !b.consuming {
		b.consuming = true
		b.mu.Unlock()
		b.start() // the new consumer Takes before it waits: no wake-up needed
		return true
	}
	wake := b.wake
	b.mu.Unlock()
	select {
	case wake <- struct{}{}: // nil (an on-demand consumer that is not waiting): no-op
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

// Drain is the consumer of an on-demand inbox: it runs the closures with step, in posting order,
// and waits for more while awake() is true. It returns when the inbox is closed (closures not
// yet run are dropped) or when the queue is empty and awake() is false; the queue's array is
// then let go and the next Post starts a new consumer. awake and step run on Drain's goroutine.
func (b *Inbox) Drain(step func(func()), awake func() bool) {
	rested := false
	defer func() {
		if !rested { // closed, or step panicked through: let a later Post start a consumer
			b.mu.Lock()
			b.consuming = false
			b.mu.Unlock()
		}
	}()
	var batch []func()
	for {
		batch = b.Take(batch)
		for i, f := range batch {
			if b.isClosed() {
				clear(batch[i:])
				return
			}
			step(f)
		}
		if len(batch) > 0 {
			continue
		}
		if b.isClosed() {
			return
		}
		if !awake() {
			if rested = b.rest(); rested {
				return
			}
			continue
		}
		if wake := b.waitable(); wake != nil {
			<-wake
		}
	}
}

// waitable returns the channel the consumer waits on, made on first use, or nil if closures
// arrived meanwhile (the consumer Takes them instead of waiting).
func (b *Inbox) waitable() chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.queue) > 0 || b.closed {
		return nil
	}
	if b.wake == nil {
		b.wake = make(chan struct{}, 1)
	}
	return b.wake
}

// rest ends the consumer if nothing is queued, dropping the queue's array.
func (b *Inbox) rest() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.queue) > 0 {
		return false
	}
	b.queue = nil
	b.wake = nil // a resting inbox holds no channel either
	b.consuming = false
	return true
}

func (b *Inbox) isClosed() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.closed
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
	wake := b.wake
	b.mu.Unlock()
	select {
	case wake <- struct{}{}: // a consumer waiting in Drain returns
	default:
	}
}
