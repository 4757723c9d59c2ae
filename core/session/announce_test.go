package session

import (
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// rawTracker is an HTTP tracker on loopback that answers every announce with body (or, for
// an empty body, drops the connection) and counts the announces.
func rawTracker(t *testing.T, body string) (url string, announces *atomic.Int32) {
	t.Helper()
	announces = new(atomic.Int32)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		announces.Add(1)
		if body == "" {
			panic(http.ErrAbortHandler) // the connection is closed without a reply
		}
		w.Write([]byte(body))
	}), ErrorLog: nil}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String() + "/announce", announces
}

// countAnnounces runs one session with a torrent per tracker body, each announcing to its own
// tracker answering that body, for window, and returns how many announces each tracker saw.
func countAnnounces(t *testing.T, bodies map[string]string, window time.Duration) map[string]int {
	s := newTestSession(t, "127.0.0.1:0")
	counters := map[string]*atomic.Int32{}
	size := 1000
	for name, body := range bodies {
		url, announces := rawTracker(t, body)
		counters[name] = announces
		root := t.TempDir()
		dir := makeFiles(t, root, map[string]int{"a": size}) // a size each: an info-hash each
		size++
		_, err := s.AddTorrent(AddTorrentParams{MetaInfo: createTorrent(t, dir, 32<<10, url), SavePath: root})
		require.NoError(t, err)
	}
	time.Sleep(window)
	counts := map[string]int{}
	for name, c := range counters {
		counts[name] = int(c.Load())
	}
	return counts
}

// Issue 9's announce storm: a tracker saying interval=1 (and min interval=1) got an announce a
// second. libtorrent's min_announce_interval (5 minutes) now bounds it: one announce ("started")
// in the window.
func TestTrackerAskingForOneSecondIntervalsIsAnnouncedToOnce(t *testing.T) {
	t.Parallel()
	counts := countAnnounces(t, map[string]string{
		"interval":              "d8:intervali1e5:peers0:e",
		"interval_and_min":      "d8:intervali1e12:min intervali1e5:peers0:e",
		"zero_interval_and_min": "d8:intervali0e12:min intervali0e5:peers0:e",
	}, 6*time.Second)
	require.Equal(t, map[string]int{"interval": 1, "interval_and_min": 1, "zero_interval_and_min": 1}, counts)
}

// A failing tracker is retried with libtorrent's back-off (17.5 s after the first failure); a
// tracker that refuses, even asking for a quick retry, not before min_announce_interval. The
// window is past the old fixed 15 s retry.
func TestFailingTrackerIsRetriedWithBackoff(t *testing.T) {
	t.Parallel()
	counts := countAnnounces(t, map[string]string{
		"refusal":              "d14:failure reason4:nopee",
		"refusal_asking_retry": "d14:failure reason4:nope8:intervali1e12:min intervali1e8:retry ini0ee",
		"connection_dropped":   "",
		"malformed_reply":      "d8:intervali1e5:peersi7ee",
	}, 18*time.Second)
	require.Equal(t, 1, counts["refusal"], counts)
	require.Equal(t, 1, counts["refusal_asking_retry"], counts)
	// 0 s and 17.5 s: the second may fall either side of the window's end under load.
	require.Contains(t, []int{1, 2}, counts["connection_dropped"], counts)
	require.Contains(t, []int{1, 2}, counts["malformed_reply"], counts)
}
