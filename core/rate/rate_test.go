package rate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestMeterReportsBytesPerSecondWeightedToTheNewestSlot(t *testing.T) {
	var m Meter
	now := time.Now()
	m.Add(1000)
	m.Tick(now) // first tick counts as one second
	require.Equal(t, int64((1000/5+1000)/2), m.Rate())
	m.Add(500)
	m.Tick(now.Add(500 * time.Millisecond)) // 500 bytes in half a second: 1000 B/s
	require.Equal(t, int64((2000/5+1000)/2), m.Rate())
	require.Equal(t, int64(1500), m.Total())
}

func TestLimiterPassesUnlimitedAndStopsWaitingOnStop(t *testing.T) {
	var l Limiter
	l.Wait(1<<30, nil) // unlimited: no wait
	l.SetLimit(1000)
	l.Wait(250, nil) // the first burst
	stop := make(chan struct{})
	close(stop)
	done := make(chan struct{})
	go func() { l.Wait(1<<20, stop); close(done) }() // about 17 minutes at 1000 B/s, unless stopped
	<-done
}
