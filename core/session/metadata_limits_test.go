package session

import (
	"crypto/sha1"
	"errors"
	"fmt"
	"net"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/libbt/libbt/core/limits"
	"github.com/libbt/libbt/core/metainfo"
	"github.com/stretchr/testify/require"
)

// millionFilesInfo is issue 9's info dictionary with 1,000,000 one-byte files (about 27 MB,
// under max_metadata_size).
func millionFilesInfo() []byte {
	const files = 1_000_000
	b := make([]byte, 0, 28<<20)
	b = append(b, "d5:filesl"...)
	for i := range files {
		name := strconv.FormatInt(int64(i), 36)
		b = fmt.Appendf(b, "d6:lengthi1e4:pathl%d:%see", len(name), name)
	}
	pieces := (files + 16383) / 16384
	b = fmt.Appendf(b, "e4:name1:x12:piece lengthi16384e6:pieces%d:", pieces*20)
	b = append(b, make([]byte, pieces*20)...)
	return append(b, 'e')
}

// The million-file info behind a magnet link is refused by the load limits, with a named limit
// and bounded memory, after the exchange fetched it (issue 9: it reached 824 MiB).
func TestMetadataOfAMillionFilesIsRefusedWithANamedLimit(t *testing.T) {
	info := millionFilesInfo()
	require.Less(t, len(info), 30<<20)
	mi := &metainfo.MetaInfo{InfoBytes: info, InfoHash: sha1.Sum(info)}
	mi.Info.Name = "x"
	peer := fakePeerAt(t, "127.0.0.2", "-FAKE00-million", mi, metadataPeer(len(info), func(c net.Conn, piece int) bool {
		sendMetadataPiece(c, info, piece, false)
		return true
	}))

	var peak atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			peak.Store(max(peak.Load(), ms.HeapInuse))
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	var base runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&base)

	s, tor := startMagnet(t, mi)
	require.NoError(t, tor.ConnectPeer(peer))
	var a Alert
	require.Eventually(t, func() bool {
		for _, x := range s.PopAlerts() {
			if x.Type == AlertMetadataFailed || x.Type == AlertMetadataReceived {
				a = x
				return true
			}
		}
		return false
	}, 120*time.Second, 20*time.Millisecond)
	close(stop)
	<-sampled
	t.Logf("%s (%v); heap in use grew by at most %d MiB", a.Message, a.Err, (int64(peak.Load())-int64(base.HeapInuse))>>20)
	require.Equal(t, AlertMetadataFailed, a.Type)
	require.True(t, errors.Is(a.Err, limits.ErrLimit), "a named limit: %v", a.Err)
	require.Less(t, int64(peak.Load())-int64(base.HeapInuse), int64(256<<20))
	waitState(t, tor, 10*time.Second, StateError)
}
