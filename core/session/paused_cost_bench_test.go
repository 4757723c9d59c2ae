package session_test

// What one paused torrent costs a session (issue 10: a paused torrent should need no
// goroutines, timers, buffers or sockets). The session scheduler's work shows up here:
//
//	go test -run='^$' -bench=PausedTorrentCost -benchtime=1x ./core/session/
//
// Metrics per paused torrent: goroutines, heap bytes (live after a GC), wakeups per second
// while idle (goroutines made runnable: tickers and timers firing; the runtime samples 1 in 8
// transitions, scaled back here, so small counts are approximate) and idle CPU. The log
// breaks the goroutines down by the function each one runs.

import (
	"bufio"
	"bytes"
	"crypto/sha1"
	"fmt"
	"math"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/libbt/libbt/core/session"
	"github.com/stretchr/testify/require"
)

const (
	pausedTorrents  = 2000
	pausedIdle      = 3 * time.Second
	pausedSize      = 16 << 20
	pausedPieceSize = 1 << 20
	// the runtime records the scheduling latency of 1 in gTrackingPeriod (8) transitions
	schedSampling = 8
)

// pausedTorrentData is a single-file .torrent of 16 MiB in 1 MiB pieces with made-up piece
// hashes: a paused torrent never reads its files.
func pausedTorrentData(i int) []byte {
	var pieces bytes.Buffer
	for k := 0; k < pausedSize/pausedPieceSize; k++ {
		h := sha1.Sum([]byte(fmt.Sprintf("paused-%d-%d", i, k)))
		pieces.Write(h[:])
	}
	name := fmt.Sprintf("t%05d.bin", i)
	return []byte(fmt.Sprintf("d4:infod6:lengthi%de4:name%d:%s12:piece lengthi%de6:pieces%d:%see",
		pausedSize, len(name), name, pausedPieceSize, pieces.Len(), pieces.String()))
}

func heapLive() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// wakeups is the number of times goroutines were made runnable since the program started
// (sampled by the runtime, scaled back).
func wakeups() float64 {
	s := []metrics.Sample{{Name: "/sched/latencies:seconds"}}
	metrics.Read(s)
	var n uint64
	for _, c := range s[0].Value.Float64Histogram().Counts {
		n += c
	}
	return float64(n) * schedSampling
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// goroutinesByEntry counts live goroutines by the function each was started to run (the
// deepest frame below the runtime, core/guard and testing) and the libbt function it is in now
// or was last seen calling ("entry > callee").
func goroutinesByEntry() map[string]int {
	var buf bytes.Buffer
	_ = pprof.Lookup("goroutine").WriteTo(&buf, 1)
	out := map[string]int{}
	sc := bufio.NewScanner(&buf)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	count := 0
	var frames []string // innermost first
	flush := func() {
		if count > 0 {
			key := "(runtime)"
			if n := len(frames); n > 0 {
				key = frames[n-1]
				if n > 1 {
					key += " > " + frames[n-2]
				}
			}
			out[key] += count
		}
		count, frames = 0, nil
	}
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.Contains(line, " @ 0x"):
			flush()
			count, _ = strconv.Atoi(strings.Fields(line)[0])
		case strings.HasPrefix(line, "#\t0x"):
			f := strings.Fields(line)
			if len(f) < 3 {
				continue
			}
			fn, _, _ := strings.Cut(f[2], "+0x")
			if !strings.HasPrefix(fn, "github.com/libbt/libbt/") || strings.Contains(fn, "/core/guard.") {
				continue
			}
			frames = append(frames, strings.TrimPrefix(fn, "github.com/libbt/libbt/"))
		}
	}
	flush()
	return out
}

// heapBySite sums the live heap bytes of the memory profile by the innermost libbt function
// on each allocation's stack (core/bencode and core/metainfo count as the libbt function that
// called them, so that "parsed the .torrent" and "kept it" stay apart only when they differ).
func heapBySite() map[string]int64 {
	var buf bytes.Buffer
	_ = pprof.Lookup("heap").WriteTo(&buf, 1)
	out := map[string]int64{}
	sc := bufio.NewScanner(&buf)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var bytesLive int64
	site := ""
	flush := func() {
		if bytesLive > 0 {
			if site == "" {
				site = "(outside libbt)"
			}
			out[site] += bytesLive
		}
		bytesLive, site = 0, ""
	}
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.Contains(line, " @ 0x") && strings.Contains(line, "["):
			flush()
			// "inuse_objects: inuse_bytes [alloc_objects: alloc_bytes] @ ..."
			f := strings.Fields(line)
			if len(f) >= 2 {
				bytesLive, _ = strconv.ParseInt(f[1], 10, 64)
			}
		case strings.HasPrefix(line, "#\t0x") && site == "":
			f := strings.Fields(line)
			if len(f) < 3 {
				continue
			}
			fn, _, _ := strings.Cut(f[2], "+0x")
			if strings.HasPrefix(fn, "github.com/libbt/libbt/") && !strings.Contains(fn, "_test.") {
				site = strings.TrimPrefix(fn, "github.com/libbt/libbt/")
			}
		case line == "":
		case strings.HasPrefix(line, "# runtime.MemStats"):
			flush()
			return out
		}
	}
	flush()
	return out
}

func BenchmarkPausedTorrentCost(b *testing.B) {
	data := make([][]byte, pausedTorrents)
	for i := range data {
		data[i] = pausedTorrentData(i)
	}
	var goroutines, heap, wake, cpu float64
	for it := 0; it < b.N; it++ {
		st := session.NewSettings()
		require.NoError(b, st.SetString("listen_interfaces", "127.0.0.1:0"))
		s, err := session.New(st)
		require.NoError(b, err)
		save := b.TempDir()
		time.Sleep(200 * time.Millisecond) // the session's own start-up is not the torrents' cost
		g0, byEntry0, h0 := runtime.NumGoroutine(), goroutinesByEntry(), heapLive()
		sites0 := map[string]int64{}
		if it == 0 {
			sites0 = heapBySite()
			runtime.MemProfileRate = 1 // every allocation of the adds, for the breakdown
		}
		for i := range data {
			_, err := s.AddTorrent(session.AddTorrentParams{TorrentData: data[i], SavePath: save, Paused: true})
			require.NoError(b, err)
		}
		if it == 0 {
			runtime.MemProfileRate = 512 * 1024 // the default again
		}
		require.Len(b, s.Torrents(), pausedTorrents)
		time.Sleep(500 * time.Millisecond) // let what adding started settle
		w0, c0 := wakeups(), cpuTime()
		time.Sleep(pausedIdle)
		w1, c1 := wakeups(), cpuTime()
		g1, byEntry1, h1 := runtime.NumGoroutine(), goroutinesByEntry(), heapLive()
		var heapLines []string
		if it == 0 {
			heapLive() // the memory profile shows the heap as of the last GC cycle but one
			sites := heapBySite()
			type site struct {
				fn string
				n  int64
			}
			var top []site
			for fn, n := range sites {
				if d := n - sites0[fn]; d > 0 {
					top = append(top, site{fn, d})
				}
			}
			sort.Slice(top, func(i, j int) bool { return top[i].n > top[j].n })
			for i, x := range top {
				if i == 6 { // go test prints 10 lines of a benchmark's log without -v
					break
				}
				heapLines = append(heapLines, fmt.Sprintf("%6.0f B  %s", float64(x.n)/float64(pausedTorrents), x.fn))
			}
		}
		for _, t := range s.Torrents() {
			require.True(b, t.Status().Paused)
		}
		n := float64(pausedTorrents)
		goroutines += float64(g1-g0) / n
		heap += float64(int64(h1)-int64(h0)) / n
		wake += (w1 - w0) / n / pausedIdle.Seconds()
		cpu += float64((c1 - c0).Microseconds()) / n / pausedIdle.Seconds()
		if it == 0 {
			var lines []string
			for fn, c := range byEntry1 {
				if d := c - byEntry0[fn]; d != 0 && math.Abs(float64(d)/n) >= 0.01 {
					lines = append(lines, fmt.Sprintf("%6.2f    %s", float64(d)/n, fn))
				}
			}
			sort.Strings(lines)
			b.Logf("per paused torrent (%d): goroutines by function:\n%s\nlive heap by the innermost libbt function that allocated it:\n%s",
				pausedTorrents, strings.Join(lines, "\n"), strings.Join(heapLines, "\n"))
		}
		require.NoError(b, s.Close())
	}
	n := float64(b.N)
	b.ReportMetric(goroutines/n, "goroutines/torrent")
	b.ReportMetric(heap/n, "heap-B/torrent")
	b.ReportMetric(wake/n, "wakeups/torrent/s")
	b.ReportMetric(cpu/n, "idle-CPU-µs/torrent/s")
	b.ReportMetric(0, "ns/op") // the loop's time is the sleeps: not a measurement
}
