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

// BenchmarkDiskSyscallsPerPiece moves a 256 MiB torrent (1 MiB pieces) between two sessions
// and reports, from the disk counters, the write system calls per piece on the downloader and
// the read system calls per piece on the seeder, plus MB/s.
func BenchmarkDiskSyscallsPerPiece(b *testing.B) {
	const size = 256 << 20
	const pieceLen = 1 << 20
	root := b.TempDir()
	dir := filepath.Join(root, "content")
	require.NoError(b, os.MkdirAll(dir, 0o755))
	f, err := os.Create(filepath.Join(dir, "big"))
	require.NoError(b, err)
	chunk := make([]byte, 1<<20)
	for i := range size / len(chunk) {
		for j := range chunk {
			chunk[j] = byte(i*13 + j)
		}
		_, err := f.Write(chunk)
		require.NoError(b, err)
	}
	require.NoError(b, f.Close())
	mi := createTorrent(&testing.T{}, dir, pieceLen)
	for b.Loop() {
		st := NewSettings()
		st.SetString("listen_interfaces", "127.0.0.1:0")
		seeder, err := New(st)
		require.NoError(b, err)
		leecher, err := New(st)
		require.NoError(b, err)
		s, err := seeder.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: root})
		require.NoError(b, err)
		waitState(&testing.T{}, s, time.Minute, StateSeeding)
		seedBefore := seeder.DiskStats()
		start := time.Now()
		l, err := leecher.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: b.TempDir()})
		require.NoError(b, err)
		l.ConnectPeer(netip.MustParseAddrPort(fmt.Sprintf("127.0.0.1:%d", seeder.ListenPort())))
		for l.Status().State != StateSeeding {
			time.Sleep(5 * time.Millisecond)
		}
		elapsed := time.Since(start)
		ls, ss := leecher.DiskStats(), seeder.DiskStats()
		pieces := float64(size / pieceLen)
		b.ReportMetric(float64(ls.WriteSyscalls)/pieces, "writes/piece")
		b.ReportMetric(float64(ss.ReadSyscalls-seedBefore.ReadSyscalls)/pieces, "reads/piece")
		b.ReportMetric(float64(size)/1e6/elapsed.Seconds(), "MB/s")
		b.Logf("leecher %+v", ls)
		b.Logf("seeder  %+v", ss)
		seeder.Close()
		leecher.Close()
	}
}

// TestDownloadWritesEachPieceOnceAndSeedsFromReadAhead checks the disk path end to end: the
// downloader writes every piece with one system call and never reads one back to verify it,
// and the seeder reads each piece with one system call (read-ahead) for a peer asking for its
// blocks in order.
func TestDownloadWritesEachPieceOnceAndSeedsFromReadAhead(t *testing.T) {
	root := t.TempDir()
	dir := makeFiles(t, root, map[string]int{"one.bin": 6 << 20})
	const pieceLen = 256 << 10
	mi := createTorrent(t, dir, pieceLen)
	seeder := newTestSession(t, "127.0.0.1:0")
	leecher := newTestSession(t, "127.0.0.1:0")
	s, err := seeder.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: root})
	require.NoError(t, err)
	waitState(t, s, 10*time.Second, StateSeeding)
	seedBefore := seeder.DiskStats()
	l, err := leecher.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: t.TempDir()})
	require.NoError(t, err)
	require.NoError(t, l.ConnectPeer(netip.MustParseAddrPort(fmt.Sprintf("127.0.0.1:%d", seeder.ListenPort()))))
	waitState(t, l, 30*time.Second, StateSeeding)

	pieces := float64(mi.Info.NumPieces())
	ls := leecher.DiskStats()
	require.EqualValues(t, mi.Info.NumPieces(), ls.PiecesFlushed)
	require.Zero(t, ls.HashReadBacks, "no piece was read back to be verified")
	require.LessOrEqual(t, float64(ls.WriteSyscalls)/pieces, 1.1)
	require.EqualValues(t, mi.Info.TotalLength, ls.WriteBytes)
	ss := seeder.DiskStats()
	require.LessOrEqual(t, float64(ss.ReadSyscalls-seedBefore.ReadSyscalls)/pieces, 1.1)
	require.Positive(t, ss.ReadHits)
}
