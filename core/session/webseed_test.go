package session

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/libbt/libbt/core/metainfo"
	"github.com/libbt/libbt/core/webseed"
	"github.com/stretchr/testify/require"
)

// webSeedServer serves dir over HTTP (net/http's file server: ranges, keep-alive), through
// an optional wrapper that may misbehave, and counts requests.
type webSeedServer struct {
	*httptest.Server
	requests atomic.Int64
}

func newWebSeedServer(t *testing.T, dir string, wrap func(http.Handler) http.Handler) *webSeedServer {
	ws := &webSeedServer{}
	var h http.Handler = http.FileServer(http.Dir(dir))
	if wrap != nil {
		h = wrap(h)
	}
	ws.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws.requests.Add(1)
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(ws.Close)
	return ws
}

func createTorrentWithSeeds(t *testing.T, path string, pieceLen int64, webSeeds ...string) *metainfo.MetaInfo {
	t.Helper()
	_, mi, err := metainfo.Create(metainfo.CreateOptions{Path: path, PieceLength: pieceLen, WebSeeds: webSeeds})
	require.NoError(t, err)
	require.Equal(t, webSeeds, mi.URLList)
	return mi
}

// waitAlert pops alerts until one of type typ whose message contains text arrives.
func waitAlert(t *testing.T, s *Session, typ AlertType, text string, timeout time.Duration) Alert {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var seen []string
	for time.Now().Before(deadline) {
		s.WaitForAlert(100 * time.Millisecond)
		for _, a := range s.PopAlerts() {
			if a.Type == typ && strings.Contains(a.Message, text) {
				return a
			}
			seen = append(seen, a.String())
		}
	}
	t.Fatalf("no %s alert containing %q; saw %d alerts, last: %v", typ, text, len(seen), seen[max(0, len(seen)-5):])
	return Alert{}
}

func withWebSeedRetry(t *testing.T, d time.Duration) {
	old := webSeedRetryInitial
	webSeedRetryInitial = d
	t.Cleanup(func() { webSeedRetryInitial = old })
}

func TestWebSeedAloneDownloadsAMultiFileTorrent(t *testing.T) {
	root := t.TempDir()
	dir := makeFiles(t, root, defaultSizes)
	srv := newWebSeedServer(t, root, nil)
	mi := createTorrentWithSeeds(t, dir, 32<<10, srv.URL+"/")

	s := newTestSession(t, "127.0.0.1:0")
	save := t.TempDir()
	tor, err := s.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: save})
	require.NoError(t, err)
	st := waitState(t, tor, 30*time.Second, StateSeeding)
	require.Equal(t, mi.Info.TotalLength, st.TotalDone)
	require.Zero(t, st.NumPeers)
	requireSameTree(t, dir, filepath.Join(save, "content"))

	seeds := tor.WebSeeds()
	require.Len(t, seeds, 1)
	require.Equal(t, srv.URL+"/", seeds[0].URL)
	require.Equal(t, webseed.GetRight, seeds[0].Kind)
	require.GreaterOrEqual(t, seeds[0].Downloaded, mi.Info.TotalLength)
	require.NoError(t, seeds[0].LastError)
	require.Zero(t, seeds[0].Failures)
	// A request per piece and file boundary would be NumPieces+files; runs of pieces usually take
	// fewer, but parallel jobs may split a run, so only bound it loosely (no timing here).
	require.LessOrEqual(t, srv.requests.Load(), int64(2*(mi.Info.NumPieces()+len(mi.Info.Files))))
	require.Empty(t, collectAlerts(s)[AlertWebSeedError])
}

func TestWebSeedAloneDownloadsASingleFileTorrent(t *testing.T) {
	root := t.TempDir()
	makeFiles(t, root, map[string]int{"one.bin": 1_000_003})
	file := filepath.Join(root, "content", "one.bin")
	srv := newWebSeedServer(t, filepath.Join(root, "content"), nil)
	for _, url := range []string{srv.URL + "/", srv.URL + "/one.bin"} {
		t.Run(url[len(srv.URL):], func(t *testing.T) {
			mi := createTorrentWithSeeds(t, file, 64<<10, url)
			s := newTestSession(t, "127.0.0.1:0")
			save := t.TempDir()
			tor, err := s.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: save})
			require.NoError(t, err)
			waitState(t, tor, 30*time.Second, StateSeeding)
			want, err := os.ReadFile(file)
			require.NoError(t, err)
			got, err := os.ReadFile(filepath.Join(save, "one.bin"))
			require.NoError(t, err)
			require.Equal(t, want, got)
		})
	}
}

// hoffmanHandler is a BEP 17 seed script over the torrent's byte stream.
func hoffmanHandler(mi *metainfo.MetaInfo, data []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		piece, err := strconv.Atoi(q.Get("piece"))
		if q.Get("info_hash") != string(mi.InfoHash[:]) || err != nil || piece < 0 || piece >= mi.Info.NumPieces() {
			http.Error(w, "no such piece", http.StatusNotFound)
			return
		}
		off := int64(piece) * mi.Info.PieceLength
		p := data[off : off+mi.Info.PieceSize(metainfo.PieceIndex(piece))]
		if rs := q.Get("ranges"); rs != "" {
			a, b, _ := strings.Cut(rs, "-")
			x, _ := strconv.Atoi(a)
			y, _ := strconv.Atoi(b)
			p = p[x : y+1]
		}
		w.Write(p)
	}
}

func TestHTTPSeedAloneDownloadsATorrentAddedAtRunTime(t *testing.T) {
	root := t.TempDir()
	makeFiles(t, root, map[string]int{"one.bin": 700_001})
	file := filepath.Join(root, "content", "one.bin")
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	mi := createTorrent(t, file, 32<<10)
	srv := httptest.NewServer(hoffmanHandler(mi, data))
	defer srv.Close()

	s := newTestSession(t, "127.0.0.1:0")
	save := t.TempDir()
	tor, err := s.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: save})
	require.NoError(t, err)
	require.ErrorIs(t, tor.AddHTTPSeed("gopher://x/"), ErrInvalidArgument)
	require.NoError(t, tor.AddHTTPSeed(srv.URL+"/seed.php"))
	waitState(t, tor, 30*time.Second, StateSeeding)
	got, err := os.ReadFile(filepath.Join(save, "one.bin"))
	require.NoError(t, err)
	require.Equal(t, data, got)
	seeds := tor.WebSeeds()
	require.Len(t, seeds, 1)
	require.Equal(t, webseed.Hoffman, seeds[0].Kind)
}

// seedingPeer starts a second session seeding mi from root and returns its address.
func seedingPeer(t *testing.T, mi *metainfo.MetaInfo, root string) netip.AddrPort {
	seeder := newTestSession(t, "127.0.0.1:0")
	st, err := seeder.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: root})
	require.NoError(t, err)
	waitState(t, st, 10*time.Second, StateSeeding)
	return netip.MustParseAddrPort("127.0.0.1:" + strconv.Itoa(seeder.ListenPort()))
}

// corrupting flips a byte in every 1000th byte position of every body it passes on.
type corruptingWriter struct {
	http.ResponseWriter
	n int
}

func (c *corruptingWriter) Write(p []byte) (int, error) {
	q := append([]byte(nil), p...)
	for i := range q {
		if (c.n+i)%1000 == 0 {
			q[i] ^= 0xff
		}
	}
	c.n += len(p)
	return c.ResponseWriter.Write(q)
}

func TestCorruptWebSeedIsCaughtDroppedAndAPeerFinishes(t *testing.T) {
	root := t.TempDir()
	dir := makeFiles(t, root, defaultSizes)
	srv := newWebSeedServer(t, root, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h.ServeHTTP(&corruptingWriter{ResponseWriter: w}, r)
		})
	})
	mi := createTorrentWithSeeds(t, dir, 32<<10, srv.URL+"/")

	s := newTestSession(t, "127.0.0.1:0")
	save := t.TempDir()
	tor, err := s.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: save})
	require.NoError(t, err)
	a := waitAlert(t, s, AlertWebSeedError, "failed the hash check", 20*time.Second)
	require.Equal(t, srv.URL+"/", a.URL)
	require.Error(t, a.Err)
	ws := tor.WebSeeds()[0]
	require.True(t, ws.Banned || ws.RetryIn > 0, "the web seed is dropped: %+v", ws)
	require.ErrorContains(t, ws.LastError, "failed the hash check")
	time.Sleep(300 * time.Millisecond) // requests already on the wire when it was dropped land
	requestsAtDrop := srv.requests.Load()

	require.NoError(t, tor.ConnectPeer(seedingPeer(t, mi, root)))
	waitState(t, tor, 30*time.Second, StateSeeding)
	requireSameTree(t, dir, filepath.Join(save, "content"))
	require.Equal(t, requestsAtDrop, srv.requests.Load(), "a dropped web seed is not asked again")
}

func TestFailingWebSeedIsBackedOffWithAnAlertAndAPeerFinishes(t *testing.T) {
	root := t.TempDir()
	dir := makeFiles(t, root, defaultSizes)
	srv := newWebSeedServer(t, root, func(http.Handler) http.Handler { return http.NotFoundHandler() })
	mi := createTorrentWithSeeds(t, dir, 32<<10, srv.URL+"/")

	s := newTestSession(t, "127.0.0.1:0")
	save := t.TempDir()
	tor, err := s.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: save})
	require.NoError(t, err)
	a := waitAlert(t, s, AlertWebSeedError, "404 Not Found", 20*time.Second)
	require.Contains(t, a.Message, "retrying in 30s")
	require.ErrorIs(t, a.Err, webseed.ErrStatus)
	ws := tor.WebSeeds()[0]
	require.Equal(t, 1, ws.Failures)
	require.Greater(t, ws.RetryIn, 25*time.Second)
	require.Zero(t, ws.Requests)

	require.NoError(t, tor.ConnectPeer(seedingPeer(t, mi, root)))
	waitState(t, tor, 30*time.Second, StateSeeding)
	requireSameTree(t, dir, filepath.Join(save, "content"))
}

func TestWebSeedIsRetriedAfterItsBackOff(t *testing.T) {
	withWebSeedRetry(t, time.Second)
	root := t.TempDir()
	dir := makeFiles(t, root, defaultSizes)
	var failing atomic.Bool
	failing.Store(true)
	srv := newWebSeedServer(t, root, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if failing.Load() {
				w.Header().Set("Retry-After", "1")
				http.Error(w, "busy", http.StatusServiceUnavailable)
				return
			}
			h.ServeHTTP(w, r)
		})
	})
	mi := createTorrentWithSeeds(t, dir, 32<<10, srv.URL+"/")
	s := newTestSession(t, "127.0.0.1:0")
	save := t.TempDir()
	tor, err := s.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: save})
	require.NoError(t, err)
	waitAlert(t, s, AlertWebSeedError, "503 Service Unavailable", 20*time.Second)
	waitAlert(t, s, AlertWebSeedError, "retrying in 2s", 20*time.Second) // doubled
	failing.Store(false)
	waitState(t, tor, 30*time.Second, StateSeeding)
	requireSameTree(t, dir, filepath.Join(save, "content"))
	ws := tor.WebSeeds()[0]
	require.Zero(t, ws.Failures, "a success clears the back-off")
	require.NoError(t, ws.LastError)
}

func TestWebSeedsWorkAlongsidePeers(t *testing.T) {
	root := t.TempDir()
	dir := makeFiles(t, root, map[string]int{"a.bin": 3_000_000, "b.bin": 1_500_000})
	srv := newWebSeedServer(t, root, nil)
	mi := createTorrentWithSeeds(t, dir, 32<<10, srv.URL+"/")
	peer := seedingPeer(t, mi, root)

	s := newTestSession(t, "127.0.0.1:0")
	save := t.TempDir()
	tor, err := s.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: save})
	require.NoError(t, err)
	require.NoError(t, tor.ConnectPeer(peer))
	st := waitState(t, tor, 30*time.Second, StateSeeding)
	requireSameTree(t, dir, filepath.Join(save, "content"))
	ws := tor.WebSeeds()[0]
	require.Positive(t, ws.Downloaded)
	require.GreaterOrEqual(t, st.TotalDownload, mi.Info.TotalLength)
	require.Empty(t, collectAlerts(s)[AlertWebSeedError])
}

func TestPausedTorrentLeavesItsWebSeedAlone(t *testing.T) {
	root := t.TempDir()
	dir := makeFiles(t, root, defaultSizes)
	srv := newWebSeedServer(t, root, nil)
	mi := createTorrent(t, dir, 32<<10)
	s := newTestSession(t, "127.0.0.1:0")
	save := t.TempDir()
	tor, err := s.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: save, Paused: true})
	require.NoError(t, err)
	require.NoError(t, tor.AddWebSeed(srv.URL+"/"))
	require.NoError(t, tor.AddWebSeed(srv.URL+"/"), "adding it again is a no-op")
	require.Len(t, tor.WebSeeds(), 1)
	time.Sleep(1500 * time.Millisecond) // a tick or two
	require.Zero(t, srv.requests.Load())

	require.NoError(t, tor.Resume())
	waitState(t, tor, 30*time.Second, StateSeeding)
	requireSameTree(t, dir, filepath.Join(save, "content"))

	require.ErrorIs(t, tor.RemoveWebSeed("http://nowhere/"), ErrInvalidArgument)
	require.NoError(t, tor.RemoveWebSeed(srv.URL+"/"))
	require.Empty(t, tor.WebSeeds())
}

func TestInvalidWebSeedInTheTorrentIsReportedAndSkipped(t *testing.T) {
	root := t.TempDir()
	dir := makeFiles(t, root, defaultSizes)
	mi := createTorrent(t, dir, 32<<10)
	mi.URLList = []string{"ftp://example.invalid/x"}
	s := newTestSession(t, "127.0.0.1:0")
	tor, err := s.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: t.TempDir()})
	require.NoError(t, err)
	a := waitAlert(t, s, AlertWebSeedError, "skipped", 5*time.Second)
	require.Equal(t, "ftp://example.invalid/x", a.URL)
	require.Empty(t, tor.WebSeeds())
}

func TestBadWebSeedAnswersAreReportedAsAlerts(t *testing.T) {
	root := t.TempDir()
	dir := makeFiles(t, root, defaultSizes)
	cases := map[string]struct {
		handler http.HandlerFunc
		text    string
	}{
		"redirect loop": {func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, r.URL.Path+"x", http.StatusFound)
		}, "too many redirects"},
		"HTML error page": {func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<html><body>maintenance</body></html>"))
		}, "(an HTML page)"},
		"wrong range": {func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Range", "bytes 0-9/100000")
			w.WriteHeader(http.StatusPartialContent)
			w.Write(make([]byte, 10))
		}, "server answered with another range"},
		"wrong length": {func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Range", strings.Replace(r.Header.Get("Range"), "=", " ", 1)+"/*")
			w.WriteHeader(http.StatusPartialContent)
			w.(http.Flusher).Flush()
			w.Write([]byte{1})
		}, "body ended after 1 of"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(tc.handler)
			defer srv.Close()
			mi := createTorrentWithSeeds(t, dir, 32<<10, srv.URL+"/")
			s := newTestSession(t, "127.0.0.1:0")
			tor, err := s.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: t.TempDir()})
			require.NoError(t, err)
			a := waitAlert(t, s, AlertWebSeedError, tc.text, 10*time.Second)
			require.Contains(t, a.Message, "retrying in 30s")
			require.Equal(t, 1, tor.WebSeeds()[0].Failures)
			require.Zero(t, tor.Status().PiecesDone)
		})
	}
}

func TestFetchingWebSeedIsListedAmongPeers(t *testing.T) {
	root := t.TempDir()
	dir := makeFiles(t, root, map[string]int{"a": 1_000_000, "b": 10})
	srv := newWebSeedServer(t, root, nil)
	mi := createTorrentWithSeeds(t, dir, 32<<10, srv.URL+"/")
	s := newTestSession(t, "127.0.0.1:0", func(st *Settings) { require.NoError(t, st.SetInt("download_rate_limit", 200_000)) })
	tor, err := s.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: t.TempDir()})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		for _, p := range tor.Peers() {
			if p.Source == SourceWebSeed && p.URL == srv.URL+"/" && p.Seed {
				return true
			}
		}
		return false
	}, 10*time.Second, 20*time.Millisecond)
}
