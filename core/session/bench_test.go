package session

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/libbt/libbt/core/metainfo"
	"github.com/stretchr/testify/require"
)

const benchSize = 256 << 20

// benchTorrent writes a 256 MiB file (distinct 1 MiB pieces) and makes its torrent.
func benchTorrent(b *testing.B) (root string, mi *metainfo.MetaInfo) {
	root = b.TempDir()
	dir := filepath.Join(root, "content")
	require.NoError(b, os.MkdirAll(dir, 0o755))
	f, err := os.Create(filepath.Join(dir, "big"))
	require.NoError(b, err)
	chunk := make([]byte, 1<<20)
	for i := 0; i < benchSize/len(chunk); i++ {
		for j := range chunk {
			chunk[j] = byte(i*7 + j)
		}
		f.Write(chunk)
	}
	f.Close()
	_, mi, err = metainfo.Create(metainfo.CreateOptions{Path: dir, PieceLength: 1 << 20})
	require.NoError(b, err)
	return root, mi
}

// benchTransfer moves the torrent from a seeding session to a downloading one over loopback
// TCP, both made with settings, and reports MB/s.
func benchTransfer(b *testing.B, root string, mi *metainfo.MetaInfo, settings func(*Settings)) {
	for i := 0; i < b.N; i++ {
		st := NewSettings()
		require.NoError(b, st.SetString("listen_interfaces", "127.0.0.1:0"))
		if settings != nil {
			settings(st)
		}
		seeder, err := New(st)
		require.NoError(b, err)
		leecher, err := New(st)
		require.NoError(b, err)
		s, err := seeder.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: root})
		require.NoError(b, err)
		for s.Status().State != StateSeeding {
			time.Sleep(10 * time.Millisecond)
		}
		start := time.Now()
		l, err := leecher.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: b.TempDir()})
		require.NoError(b, err)
		require.NoError(b, l.ConnectPeer(netip.MustParseAddrPort(fmt.Sprintf("127.0.0.1:%d", seeder.ListenPort()))))
		for l.Status().State != StateSeeding {
			time.Sleep(5 * time.Millisecond)
		}
		b.ReportMetric(float64(benchSize)/1e6/time.Since(start).Seconds(), "MB/s")
		seeder.Close()
		leecher.Close()
	}
}

// BenchmarkLoopbackTransfer moves a 256 MiB torrent between two sessions in one process over
// loopback TCP and reports MB/s. The cross-engine comparison lives in `make bench`.
func BenchmarkLoopbackTransfer(b *testing.B) {
	root, mi := benchTorrent(b)
	benchTransfer(b, root, mi, nil)
}
