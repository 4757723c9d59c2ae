package inbox

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestPostNeverBlocksWhileTheConsumerIsBusy(t *testing.T) {
	b := New()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 100_000 { // far past any channel buffer the consumer might have had
			require.True(t, b.Post(func() { _ = i }))
		}
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("Post blocked with nobody consuming")
	}
	require.Equal(t, 100_000, b.Len())
}

func TestTakeReturnsClosuresInPostingOrder(t *testing.T) {
	b := New()
	var got []int
	for i := range 10 {
		b.Post(func() { got = append(got, i) })
	}
	<-b.Wake()
	batch := b.Take(nil)
	for _, f := range batch {
		f()
	}
	require.Equal(t, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, got)
	require.Empty(t, b.Take(batch))
}

func TestWakeSignalsEveryPostAfterATake(t *testing.T) {
	b := New()
	b.Post(func() {})
	<-b.Wake()
	batch := b.Take(nil)
	b.Post(func() {})
	select {
	case <-b.Wake():
	case <-time.After(5 * time.Second):
		t.Fatal("no wake-up for a post after Take")
	}
	require.Len(t, b.Take(batch), 1)
}

func TestOfferDropsPastItsLimit(t *testing.T) {
	b := New()
	for range 3 {
		require.True(t, b.Offer(func() {}, 2))
	}
	require.False(t, b.Offer(func() {}, 2))
	require.True(t, b.Post(func() {}), "Post has no limit")
	require.Equal(t, 4, b.Len())
}

func TestClosedInboxDropsPosts(t *testing.T) {
	b := New()
	b.Post(func() {})
	b.Close()
	require.False(t, b.Post(func() {}))
	require.False(t, b.Offer(func() {}, 10))
	require.Zero(t, b.Len())
}

func TestManyProducersOneConsumerLoseNothing(t *testing.T) {
	b := New()
	const producers, each = 8, 2000
	var wg sync.WaitGroup
	for range producers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				b.Post(func() {})
			}
		}()
	}
	ran := 0
	var batch []func()
	for ran < producers*each {
		select {
		case <-b.Wake():
		case <-time.After(30 * time.Second):
			t.Fatalf("stuck after %d closures", ran)
		}
		batch = b.Take(batch)
		for _, f := range batch {
			f()
			ran++
		}
	}
	wg.Wait()
	require.Equal(t, producers*each, ran)
}
