package webseed

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/libbt/libbt/core/metainfo"
	"github.com/stretchr/testify/require"
)

func fetch(t *testing.T, c *Client, off, n int64) ([]byte, error) {
	t.Helper()
	var buf bytes.Buffer
	err := c.Fetch(context.Background(), off, n, &buf)
	return buf.Bytes(), err
}

func TestFetchJoinsRangesAcrossFilesOfAMultiFileTorrent(t *testing.T) {
	info, data := multiTorrent()
	all := stream(data)
	fs := newFileServer(t, info, data)
	c, err := New(GetRight, fs.URL+"/seed", metainfo.InfoHash{}, info, Options{UserAgent: "libbt-test"})
	require.NoError(t, err)
	defer c.Close()

	got, err := fetch(t, c, 0, info.TotalLength)
	require.NoError(t, err)
	require.Equal(t, all, got)
	// Every piece alone, and odd ranges straddling files and the pad file.
	for p := int64(0); p*info.PieceLength < info.TotalLength; p++ {
		off := p * info.PieceLength
		n := min(info.PieceLength, info.TotalLength-off)
		got, err := fetch(t, c, off, n)
		require.NoError(t, err)
		require.Equal(t, all[off:off+n], got, "piece %d", p)
	}
	got, err = fetch(t, c, 39_990, 2_000)
	require.NoError(t, err)
	require.Equal(t, all[39_990:41_990], got)

	require.Contains(t, fs.requestedPaths(), "/seed/my torrent/sub dir/ünï?#%.bin")
	for _, p := range fs.requestedPaths() {
		require.NotContains(t, p, ".pad", "padding files are never requested")
		require.NotContains(t, p, "empty", "empty files are never requested")
	}
	require.Equal(t, "libbt-test", fs.requests[0].Header.Get("User-Agent"))
}

func TestFetchSingleFileTorrentByURLOrDirectory(t *testing.T) {
	info, data := testTorrent("one.bin", false, 32<<10, testFile{path: []string{"one.bin"}, size: 100_000})
	fs := newFileServer(t, info, data)
	for _, base := range []string{fs.URL + "/seed/one.bin", fs.URL + "/seed/"} {
		c, err := New(GetRight, base, metainfo.InfoHash{}, info, Options{})
		require.NoError(t, err)
		got, err := fetch(t, c, 12_345, 54_321)
		require.NoError(t, err)
		require.Equal(t, data[0][12_345:12_345+54_321], got)
		c.Close()
	}
	r := fs.requests[0]
	require.Equal(t, "bytes=12345-66665", r.Header.Get("Range"))
}

func TestFetchKeepsConnectionsAliveAcrossConcurrentFetches(t *testing.T) {
	info, data := testTorrent("big.bin", false, 16<<10, testFile{path: []string{"big.bin"}, size: 1 << 20})
	fs := newFileServer(t, info, data)
	c, err := New(GetRight, fs.URL+"/seed/", metainfo.InfoHash{}, info, Options{Connections: 3})
	require.NoError(t, err)
	defer c.Close()
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				off := int64((w*20+i)*16<<10) % info.TotalLength
				var buf bytes.Buffer
				if err := c.Fetch(context.Background(), off, 16<<10, &buf); err != nil {
					errs <- err
					return
				}
				if !bytes.Equal(buf.Bytes(), data[0][off:off+16<<10]) {
					errs <- fmt.Errorf("wrong bytes at %d", off)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.Equal(t, 60, fs.numRequests())
	// Keep-alive: 60 requests over a handful of connections (a connection goes back to the idle
	// pool just after its body ends, so a worker may now and then dial a new one).
	require.LessOrEqual(t, fs.numConns(), 6)
}

func TestFetchAcceptsAWholeFileFromAServerWithoutRangeSupport(t *testing.T) {
	info, data := multiTorrent()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(data[0]) // ignores Range, status 200
	}))
	defer srv.Close()
	c, err := New(GetRight, srv.URL, metainfo.InfoHash{}, info, Options{})
	require.NoError(t, err)
	got, err := fetch(t, c, 0, 40_000)
	require.NoError(t, err)
	require.Equal(t, data[0], got)

	_, err = fetch(t, c, 100, 1000)
	require.ErrorIs(t, err, ErrBadRange)
	require.Contains(t, err.Error(), "status 200")
}

// badServer answers every request with handler; the client asks for bytes
// 100-1099 of a.bin (40000 bytes).
func fetchFrom(t *testing.T, handler http.HandlerFunc, opts Options) error {
	t.Helper()
	info, _ := multiTorrent()
	srv := httptest.NewServer(handler)
	defer srv.Close()
	c, err := New(GetRight, srv.URL, metainfo.InfoHash{}, info, opts)
	require.NoError(t, err)
	defer c.Close()
	_, err = fetch(t, c, 100, 1000)
	require.Error(t, err)
	var we *Error
	require.ErrorAs(t, err, &we, "%v", err)
	require.Contains(t, err.Error(), srv.URL)
	return err
}

func TestFetchReportsEveryKindOfBadAnswer(t *testing.T) {
	body := bytes.Repeat([]byte{'x'}, 1000)
	partial := func(cr string, n int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Range", cr)
			w.Header().Set("Content-Length", strconv.Itoa(n))
			w.WriteHeader(http.StatusPartialContent)
			w.Write(body[:min(n, len(body))])
		}
	}
	cases := []struct {
		name    string
		handler http.HandlerFunc
		kind    error
		status  int
		text    string
	}{
		{"404", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }, ErrStatus, 404, "404 Not Found"},
		{"404 HTML page", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(404)
			fmt.Fprint(w, "<html><body>Not here</body></html>")
		}, ErrStatus, 404, "HTML page"},
		{"500", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) }, ErrStatus, 500, "500 Internal Server Error"},
		{"403", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(403) }, ErrStatus, 403, "403"},
		{"HTML page with 200", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, "<html><body>Please log in</body></html>")
		}, ErrBadRange, 200, "HTML page"},
		{"wrong range", partial("bytes 0-999/40000", 1000), ErrBadRange, 206, "asked for bytes 100-1099, got 0-999"},
		{"server file has another size", partial("bytes 100-1099/50000", 1000), ErrBadRange, 206, "50000 bytes"},
		{"no Content-Range", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(206)
			w.Write(body)
		}, ErrBadRange, 206, "Content-Range"},
		{"garbage Content-Range", partial("bytes lots/40000", 1000), ErrBadRange, 206, "Content-Range"},
		{"multipart answer", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "multipart/byteranges; boundary=x")
			w.WriteHeader(206)
			w.Write(body)
		}, ErrBadRange, 206, "multipart"},
		{"wrong Content-Length", partial("bytes 100-1099/40000", 999), ErrBadLength, 206, "Content-Length 999"},
		{"body cut short", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Range", "bytes 100-1099/40000")
			w.WriteHeader(206)
			w.(http.Flusher).Flush() // chunked: no Content-Length
			w.Write(body[:600])
		}, ErrBadLength, 206, "after 600 of 1000"},
		{"connection closed mid-body", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Range", "bytes 100-1099/40000")
			w.Header().Set("Content-Length", "1000")
			w.WriteHeader(206)
			w.Write(body[:600])
		}, ErrBadLength, 206, "after 600 of 1000"},
		{"body too long", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Range", "bytes 100-1099/40000")
			w.WriteHeader(206)
			w.(http.Flusher).Flush()
			w.Write(body)
			w.Write([]byte("trailing junk"))
		}, ErrBadLength, 206, "longer"},
		{"redirect loop", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, r.URL.Path+"x", http.StatusFound)
		}, ErrRedirects, 0, "more than 5"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := fetchFrom(t, tc.handler, Options{})
			require.ErrorIs(t, err, tc.kind, "%v", err)
			var we *Error
			require.ErrorAs(t, err, &we)
			require.Equal(t, tc.status, we.Status)
			require.Contains(t, err.Error(), tc.text)
		})
	}
}

func TestFetchTakesTheServersRetryHintFrom503(t *testing.T) {
	err := fetchFrom(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "120")
		w.WriteHeader(503)
	}, Options{})
	var we *Error
	require.ErrorAs(t, err, &we)
	require.Equal(t, 120*time.Second, we.RetryAfter)
	require.Contains(t, err.Error(), "retry after 2m0s")
}

func TestFetchFollowsABoundedNumberOfRedirects(t *testing.T) {
	info, data := multiTorrent()
	fs := newFileServer(t, info, data)
	hops := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hops++
		if hops%3 != 0 {
			http.Redirect(w, r, "/hop"+strconv.Itoa(hops)+r.URL.Path, http.StatusTemporaryRedirect)
			return
		}
		http.Redirect(w, r, fs.URL+"/seed/my%20torrent/a.bin", http.StatusMovedPermanently)
	}))
	defer srv.Close()
	c, err := New(GetRight, srv.URL+"/x", metainfo.InfoHash{}, info, Options{})
	require.NoError(t, err)
	got, err := fetch(t, c, 100, 1000)
	require.NoError(t, err)
	require.Equal(t, data[0][100:1100], got)
	require.Equal(t, "bytes=100-1099", fs.requests[0].Header.Get("Range"), "the range survives redirects")
}

func TestFetchTimesOutOnAStalledServer(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	t.Run("before headers", func(t *testing.T) {
		start := time.Now()
		err := fetchFrom(t, func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}, Options{IdleTimeout: 200 * time.Millisecond})
		require.ErrorIs(t, err, ErrTimeout)
		require.Less(t, time.Since(start), 3*time.Second)
	})
	t.Run("in the body", func(t *testing.T) {
		err := fetchFrom(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Range", "bytes 100-1099/40000")
			w.Header().Set("Content-Length", "1000")
			w.WriteHeader(206)
			w.Write(make([]byte, 500))
			w.(http.Flusher).Flush()
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}, Options{IdleTimeout: 200 * time.Millisecond})
		require.ErrorIs(t, err, ErrTimeout)
		require.Contains(t, err.Error(), "nothing received for 200ms")
	})
}

func TestFetchReportsAConnectionFailure(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()
	info, _ := multiTorrent()
	c, err := New(GetRight, "http://"+addr+"/", metainfo.InfoHash{}, info, Options{})
	require.NoError(t, err)
	_, err = fetch(t, c, 0, 10)
	require.ErrorIs(t, err, ErrTransport)
	require.Contains(t, err.Error(), "refused")
}

type failingWriter struct{ err error }

func (f failingWriter) Write([]byte) (int, error) { return 0, f.err }

func TestFetchReturnsTheWritersErrorUnchanged(t *testing.T) {
	info, data := multiTorrent()
	fs := newFileServer(t, info, data)
	c, err := New(GetRight, fs.URL+"/seed", metainfo.InfoHash{}, info, Options{})
	require.NoError(t, err)
	mine := errors.New("job cancelled")
	err = c.Fetch(context.Background(), 0, 1000, failingWriter{mine})
	require.Same(t, mine, err)
}

func TestFetchRejectsRangesOutsideTheTorrent(t *testing.T) {
	info, _ := multiTorrent()
	c, err := New(GetRight, "http://127.0.0.1:1/", metainfo.InfoHash{}, info, Options{})
	require.NoError(t, err)
	for _, r := range [][2]int64{{-1, 10}, {0, 0}, {info.TotalLength - 5, 6}, {0, info.TotalLength + 1}} {
		_, err := fetch(t, c, r[0], r[1])
		require.ErrorContains(t, err, "outside the torrent")
	}
}

func TestNewRejectsBadURLsAndKinds(t *testing.T) {
	info, _ := multiTorrent()
	_, err := New(GetRight, "ftp://h/x", metainfo.InfoHash{}, info, Options{})
	require.ErrorContains(t, err, "scheme")
	_, err = New(Kind(9), "http://h/x", metainfo.InfoHash{}, info, Options{})
	require.ErrorContains(t, err, "kind")
}

func TestParseContentRange(t *testing.T) {
	for in, want := range map[string][4]int64{
		"bytes 0-99/100":   {0, 99, 100, 1},
		"bytes 5-5/*":      {5, 5, -1, 1},
		" bytes 1-2/3 ":    {1, 2, 3, 1},
		"bytes 9-1/100":    {0, 0, 0, 0},
		"bytes 0-99/99":    {0, 0, 0, 0},
		"bytes */100":      {0, 0, 0, 0},
		"items 0-1/2":      {0, 0, 0, 0},
		"bytes -1-5/9":     {0, 0, 0, 0},
		"bytes 0-5":        {0, 0, 0, 0},
		"bytes 0-x/9":      {0, 0, 0, 0},
		"":                 {0, 0, 0, 0},
		"bytes 1-2/3/4":    {0, 0, 0, 0},
		"bytes 0-99/1e3":   {0, 0, 0, 0},
		"bytes 10-19/1000": {10, 19, 1000, 1},
	} {
		a, b, size, ok := parseContentRange(in)
		got := [4]int64{a, b, size, 0}
		if ok {
			got[3] = 1
		}
		require.Equal(t, want, got, "%q", in)
	}
}

func TestRetryAfterParsesSecondsAndDates(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	require.Equal(t, 7*time.Second, retryAfter("7", now))
	require.Equal(t, 90*time.Second, retryAfter(now.Add(90*time.Second).Format(http.TimeFormat), now))
	require.Equal(t, time.Hour, retryAfter("999999999", now), "capped")
	for _, bad := range []string{"", "-3", "0", "soon", now.Add(-time.Hour).Format(http.TimeFormat)} {
		require.Zero(t, retryAfter(bad, now), bad)
	}
}

func TestErrorMessageNamesURLStatusAndDetail(t *testing.T) {
	e := &Error{URL: "http://h/x", Status: 404, Kind: ErrStatus, Detail: "404 Not Found"}
	require.Equal(t, "webseed: GET http://h/x: unexpected HTTP status: 404 Not Found", e.Error())
	require.True(t, strings.HasPrefix((&Error{URL: "u", Kind: ErrTransport, Err: errors.New("boom")}).Error(), "webseed: GET u: request failed: boom"))
}
