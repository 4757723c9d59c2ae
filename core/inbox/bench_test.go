package inbox

import "testing"

// BenchmarkInboxOneProducer is the cost per closure of Post plus its share of Take, one
// producer and the consumer on another goroutine, against a buffered channel of 256 (what the
// torrent's inbox was).
func BenchmarkInboxOneProducer(b *testing.B) {
	box := New()
	done := make(chan struct{})
	n := b.N
	go func() {
		defer close(done)
		var batch []func()
		for ran := 0; ran < n; {
			<-box.Wake()
			batch = box.Take(batch)
			for _, f := range batch {
				f()
				ran++
			}
		}
	}()
	f := func() {}
	for range n {
		box.Post(f)
	}
	<-done
}

func BenchmarkChannelOneProducer(b *testing.B) {
	ch := make(chan func(), 256)
	done := make(chan struct{})
	n := b.N
	go func() {
		defer close(done)
		for range n {
			(<-ch)()
		}
	}()
	f := func() {}
	for range n {
		ch <- f
	}
	<-done
}
