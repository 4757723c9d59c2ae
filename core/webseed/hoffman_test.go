package webseed

import (
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

// hoffmanServer is a BEP 17 seed script: ?info_hash=&piece=&ranges=.
func hoffmanServer(t *testing.T, ih metainfo.InfoHash, info *metainfo.Info, all []byte) (*httptest.Server, *[]string) {
	var mu sync.Mutex
	var queries []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		mu.Lock()
		queries = append(queries, r.URL.RawQuery)
		mu.Unlock()
		if q.Get("info_hash") != string(ih[:]) {
			http.Error(w, "unknown torrent", http.StatusNotFound)
			return
		}
		piece, err := strconv.Atoi(q.Get("piece"))
		if err != nil || piece < 0 || piece >= info.NumPieces() {
			http.Error(w, "bad piece", http.StatusBadRequest)
			return
		}
		start := int64(piece) * info.PieceLength
		data := all[start : start+info.PieceSize(metainfo.PieceIndex(piece))]
		var out []byte
		if rs := q.Get("ranges"); rs != "" {
			for _, rg := range strings.Split(rs, ",") {
				a, b, _ := strings.Cut(rg, "-")
				x, _ := strconv.Atoi(a)
				y, _ := strconv.Atoi(b)
				out = append(out, data[x:y+1]...)
			}
		} else {
			out = data
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(out)
	}))
	t.Cleanup(srv.Close)
	return srv, &queries
}

func TestHoffmanSeedFetchesPiecesAndPartsOfPieces(t *testing.T) {
	info, data := multiTorrent()
	all := stream(data)
	ih := metainfo.InfoHash{1, 2, 3, '&', '='}
	srv, queries := hoffmanServer(t, ih, info, all)
	c, err := New(Hoffman, srv.URL+"/seed.php", ih, info, Options{})
	require.NoError(t, err)
	require.Equal(t, Hoffman, c.Kind())

	got, err := fetch(t, c, 0, info.TotalLength)
	require.NoError(t, err)
	require.Equal(t, all, got)
	require.Len(t, *queries, info.NumPieces(), "one request per piece")
	require.NotContains(t, (*queries)[0], "ranges", "whole pieces are asked for without ranges")

	got, err = fetch(t, c, 16<<10+100, 20_000) // the tail of piece 1 and the head of piece 2
	require.NoError(t, err)
	require.Equal(t, all[16<<10+100:16<<10+100+20_000], got)
	q := (*queries)[len(*queries)-2:]
	require.Contains(t, q[0], "piece=1&ranges=100-16383")
	require.Contains(t, q[1], "piece=2&ranges=0-3715")
}

func TestHoffmanSeed503CarriesTheRetryDelayInTheBody(t *testing.T) {
	info, _ := multiTorrent()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("45\n"))
	}))
	defer srv.Close()
	c, err := New(Hoffman, srv.URL, metainfo.InfoHash{}, info, Options{})
	require.NoError(t, err)
	_, err = fetch(t, c, 0, 100)
	require.ErrorIs(t, err, ErrStatus)
	var we *Error
	require.ErrorAs(t, err, &we)
	require.Equal(t, 503, we.Status)
	require.Equal(t, 45*time.Second, we.RetryAfter)
}

func TestHoffmanSeedWrongLengthAndUnknownTorrentAreErrors(t *testing.T) {
	info, data := multiTorrent()
	ih := metainfo.InfoHash{9}
	srv, _ := hoffmanServer(t, ih, info, stream(data))
	c, err := New(Hoffman, srv.URL, metainfo.InfoHash{8}, info, Options{})
	require.NoError(t, err)
	_, err = fetch(t, c, 0, 100)
	require.ErrorIs(t, err, ErrStatus)
	require.Contains(t, err.Error(), "404")

	short := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(make([]byte, 99)) }))
	defer short.Close()
	c, err = New(Hoffman, short.URL, ih, info, Options{})
	require.NoError(t, err)
	_, err = fetch(t, c, 0, 100)
	require.ErrorIs(t, err, ErrBadLength)
	require.Contains(t, err.Error(), "Content-Length 99 for 100 bytes")
}
