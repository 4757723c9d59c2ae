package inbox

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// onDemand is an on-demand inbox whose consumers are counted: started in all, running now.
type onDemand struct {
	*Inbox
	started, running atomic.Int64
	awake            atomic.Bool
	wg               sync.WaitGroup
}

func newOnDemand() *onDemand {
	o := &onDemand{}
	o.Inbox = NewOnDemand(func() {
		o.started.Add(1)
		o.running.Add(1)
		o.wg.Add(1)
		go func() {
			defer o.wg.Done()
			defer o.running.Add(-1)
			o.Drain(func(f func()) { f() }, o.awake.Load)
		}()
	})
	return o
}

func TestOnDemandPostsWaitForTheOwnersFirstStart(t *testing.T) {
	o := newOnDemand()
	ran := make(chan int, 2)
	o.Post(func() { ran <- 1 })
	o.Post(func() { ran <- 2 })
	require.Zero(t, o.started.Load(), "no consumer before the owner starts the first")
	o.start()
	require.Equal(t, 1, <-ran)
	require.Equal(t, 2, <-ran)
	o.wg.Wait()
	require.Zero(t, o.running.Load(), "the consumer rests once the queue is empty")
}

func TestOnDemandConsumerRestsAndPostStartsAnother(t *testing.T) {
	o := newOnDemand()
	o.start()
	o.wg.Wait()
	require.Zero(t, o.running.Load())
	for i := range 3 {
		done := make(chan struct{})
		require.True(t, o.Post(func() { close(done) }))
		<-done
		o.wg.Wait()
		require.EqualValues(t, i+2, o.started.Load(), "each post to a resting inbox starts one consumer")
		require.Zero(t, o.running.Load())
	}
}

func TestOnDemandConsumerStaysWhileAwake(t *testing.T) {
	o := newOnDemand()
	o.awake.Store(true)
	o.start()
	for range 10 {
		done := make(chan struct{})
		o.Post(func() { close(done) })
		<-done
	}
	require.EqualValues(t, 1, o.started.Load(), "one consumer serves every post while awake")
	require.EqualValues(t, 1, o.running.Load())
	// Going to sleep from inside a closure: the consumer rests after it.
	o.Post(func() { o.awake.Store(false) })
	o.wg.Wait()
	require.Zero(t, o.running.Load())
}

func TestOnDemandKeepsOrderAcrossRestsWithManyProducers(t *testing.T) {
	o := newOnDemand()
	o.start()
	const producers, each = 8, 3000
	var mu sync.Mutex
	last := make([]int, producers)
	for i := range last {
		last[i] = -1
	}
	var active atomic.Int64 // consumers inside a closure at once: never more than one
	var ran atomic.Int64
	const rounds = 5
	for r := range rounds {
		var wg sync.WaitGroup
		for p := range producers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for k := r * each / rounds; k < (r+1)*each/rounds; k++ {
					o.Post(func() {
						require.EqualValues(t, 1, active.Add(1), "two consumers at once")
						mu.Lock()
						require.Equal(t, last[p]+1, k, "producer %d out of order", p)
						last[p] = k
						mu.Unlock()
						if k%100 == 0 {
							o.awake.Store(k%200 == 0) // rest and wake as a torrent pauses and resumes
						}
						active.Add(-1)
						ran.Add(1)
					})
				}
			}()
		}
		wg.Wait()
		o.Post(func() { o.awake.Store(false) })
		require.Eventually(t, func() bool { return ran.Load() == int64((r+1)*producers*each/rounds) }, 30*time.Second, time.Millisecond)
		o.wg.Wait() // the consumer rests between rounds
		require.Zero(t, o.running.Load())
	}
	require.GreaterOrEqual(t, o.started.Load(), int64(rounds), "a consumer per round at least")
}

func TestOnDemandCloseEndsTheConsumerAndDropsTheRest(t *testing.T) {
	o := newOnDemand()
	o.awake.Store(true)
	o.start()
	ran := 0
	release := make(chan struct{})
	o.Post(func() { ran++; <-release; o.Close() })
	o.Post(func() { ran++ })
	close(release)
	o.wg.Wait()
	require.Equal(t, 1, ran, "closures queued behind Close are dropped")
	require.False(t, o.Post(func() {}))
	require.EqualValues(t, 1, o.started.Load())

	// Close from another goroutine wakes a consumer waiting for work.
	o2 := newOnDemand()
	o2.awake.Store(true)
	o2.start()
	time.Sleep(10 * time.Millisecond)
	o2.Close()
	o2.wg.Wait()
	require.Zero(t, o2.running.Load())
}

func TestOnDemandPanicInStepLetsAPostStartAnother(t *testing.T) {
	o := newOnDemand()
	var wg sync.WaitGroup
	o.Inbox = NewOnDemand(func() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { _ = recover() }()
			o.Drain(func(f func()) { f() }, func() bool { return false })
		}()
	})
	o.start()
	o.Post(func() { panic("bug") })
	wg.Wait()
	done := make(chan struct{})
	require.True(t, o.Post(func() { close(done) }))
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("no consumer after a panic")
	}
	wg.Wait()
}
