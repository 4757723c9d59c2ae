package inflight

import "time"

// average is libtorrent's sliding_average: a mean and a mean absolute deviation whose weight
// on new samples falls to 1/window once window samples are in.
type average struct {
	mean, dev time.Duration
	n         int
}

const averageWindow = 20

func (a *average) add(x time.Duration) {
	if a.n < averageWindow {
		a.n++
	}
	delta := x - a.mean
	a.mean += delta / time.Duration(a.n)
	if a.n > 1 {
		if delta < 0 {
			delta = -delta
		}
		a.dev += (delta - a.dev) / time.Duration(a.n-1)
	}
}
