package session

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/libbt/libbt/core/webseed/webseedtest"
	"github.com/stretchr/testify/require"
)

// BenchmarkWebSeedDownload downloads a 256 MiB single-file torrent from a web seed alone (nginx
// when installed, else net/http's file server) and reports MB/s.
func BenchmarkWebSeedDownload(b *testing.B) {
	root := b.TempDir()
	dir := filepath.Join(root, "content")
	require.NoError(b, os.MkdirAll(dir, 0o755))
	const size = 256 << 20
	f, err := os.Create(filepath.Join(dir, "big"))
	require.NoError(b, err)
	chunk := make([]byte, 1<<20)
	for i := 0; i < size/len(chunk); i++ {
		for j := range chunk {
			chunk[j] = byte(i*7 + j*13)
		}
		f.Write(chunk)
	}
	f.Close()

	var base string
	if _, err := os.Stat(webseedtest.NginxPath); err == nil {
		base = webseedtest.StartNginx(b, dir, webseedtest.Config{}) + "/"
		b.Log("web seed: nginx")
	} else {
		srv := httptest.NewServer(http.FileServer(http.Dir(dir)))
		b.Cleanup(srv.Close)
		base = srv.URL + "/"
		b.Log("web seed: net/http")
	}
	mi := createTorrentWithSeeds(&testing.T{}, filepath.Join(dir, "big"), 1<<20, base)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		st := NewSettings()
		st.SetString("listen_interfaces", "127.0.0.1:0")
		s, err := New(st)
		require.NoError(b, err)
		save := b.TempDir()
		start := time.Now()
		tor, err := s.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: save})
		require.NoError(b, err)
		for tor.Status().State != StateSeeding {
			if st := tor.Status(); st.State == StateError {
				b.Fatalf("torrent error: %v", st.Err)
			}
			time.Sleep(5 * time.Millisecond)
		}
		b.ReportMetric(float64(size)/1e6/time.Since(start).Seconds(), "MB/s")
		s.Close()
	}
}
