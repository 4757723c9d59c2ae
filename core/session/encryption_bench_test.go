package session

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// BenchmarkEncryptedLoopbackTransfer moves a 256 MiB torrent between two sessions over loopback
// TCP as BenchmarkLoopbackTransfer does, once per encryption mode, and reports MB/s.
func BenchmarkEncryptedLoopbackTransfer(b *testing.B) {
	root := b.TempDir()
	dir := filepath.Join(root, "content")
	require.NoError(b, os.MkdirAll(dir, 0o755))
	const size = 256 << 20
	f, err := os.Create(filepath.Join(dir, "big"))
	require.NoError(b, err)
	chunk := make([]byte, 1<<20)
	for i := 0; i < size/len(chunk); i++ {
		for j := range chunk {
			chunk[j] = byte(i*7 + j)
		}
		f.Write(chunk)
	}
	f.Close()
	mi := createTorrent(&testing.T{}, dir, 1<<20)
	modes := []struct {
		name                string
		outPolicy, inPolicy int64
		level               int64
	}{
		{"plaintext", encDisabled, encDisabled, 3},
		{"mse-plaintext", encForced, encForced, 1},
		{"mse-rc4", encForced, encForced, 2},
	}
	for _, m := range modes {
		b.Run(m.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				st := NewSettings()
				st.SetString("listen_interfaces", "127.0.0.1:0")
				st.SetInt("out_enc_policy", m.outPolicy)
				st.SetInt("in_enc_policy", m.inPolicy)
				st.SetInt("allowed_enc_level", m.level)
				seeder, err := New(st)
				require.NoError(b, err)
				leecher, err := New(st)
				require.NoError(b, err)
				s, _ := seeder.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: root})
				for s.Status().State != StateSeeding {
					time.Sleep(10 * time.Millisecond)
				}
				save := b.TempDir()
				start := time.Now()
				l, _ := leecher.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: save})
				l.ConnectPeer(netip.MustParseAddrPort(fmt.Sprintf("127.0.0.1:%d", seeder.ListenPort())))
				for l.Status().State != StateSeeding {
					time.Sleep(5 * time.Millisecond)
				}
				b.ReportMetric(float64(size)/1e6/time.Since(start).Seconds(), "MB/s")
				seeder.Close()
				leecher.Close()
			}
		})
	}
}
