package session

import (
	"net/netip"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/libbt/libbt/core/metainfo"
	"github.com/libbt/libbt/core/peerwire"
	"github.com/stretchr/testify/require"
)

// theBlock is the block the scripted seeders of these tests misbehave on.
var theBlock = peerwire.Message{ID: peerwire.Request, Index: 17, Begin: 3 * 16384, Length: 16384}

func isTheBlock(m *peerwire.Message) bool {
	return m.Index == theBlock.Index && m.Begin == theBlock.Begin && m.Length == theBlock.Length
}

// downloadFrom adds the torrent to a fresh leecher, connects it to the seeders and waits for
// the download, returning the leecher's alerts.
func downloadFrom(t *testing.T, mi *metainfo.MetaInfo, root string, seeders ...netip.AddrPort) map[AlertType][]Alert {
	t.Helper()
	leecher := newTestSession(t, "127.0.0.1:0")
	save := t.TempDir()
	lt, err := leecher.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: save})
	require.NoError(t, err)
	waitState(t, lt, 5*time.Second, StateDownloading)
	for _, s := range seeders {
		require.NoError(t, lt.ConnectPeer(s))
	}
	// Generous: the point is that it finishes at all (before request timeouts it never did
	// in the held-request case).
	waitState(t, lt, 90*time.Second, StateSeeding)
	requireSameTree(t, filepath.Join(root, "content"), filepath.Join(save, "content"))
	return collectAlerts(leecher)
}

func TestSilentlyDroppedRequestIsAskedAgainFromTheSamePeer(t *testing.T) {
	mi, content, root := oneFileTorrent(t, 2<<20, 64<<10)
	dropped := false
	seeder := scriptedSeeder(t, mi, content, "-FAKE00-dropper00001", func(m *peerwire.Message) reply {
		if m.ID == peerwire.Request && isTheBlock(m) && !dropped {
			dropped = true
			return ignore
		}
		return serve
	})
	alerts := downloadFrom(t, mi, root, seeder)
	timeouts := alerts[AlertBlockTimeout]
	require.NotEmpty(t, timeouts, "the dropped block is reported")
	require.Equal(t, int(theBlock.Index), timeouts[0].Piece)
	require.Equal(t, seeder.String(), timeouts[0].Endpoint)
}

// A seeder that sits on one request and, asked to cancel it, rejects it as BEP 6 says (what
// libtorrent does with a request still queued): that reject must not be taken for a refusal of
// the request that follows the cancel. Before request timeouts were libtorrent's, libbt took it
// so, discarded the block when it came, and never asked the only seeder for it again.
func TestHeldRequestIsCancelledAndAskedAgain(t *testing.T) {
	mi, content, root := oneFileTorrent(t, 2<<20, 64<<10)
	var mu sync.Mutex
	held, heldOnce, cancels := false, false, 0
	seeder := scriptedSeeder(t, mi, content, "-FAKE00-holder000001", func(m *peerwire.Message) reply {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case !isTheBlock(m):
			return serve
		case m.ID == peerwire.Request && !heldOnce:
			held, heldOnce = true, true
			return ignore
		case m.ID == peerwire.Cancel && held:
			held = false
			cancels++
			return reject
		}
		return serve
	})
	alerts := downloadFrom(t, mi, root, seeder)
	require.NotEmpty(t, alerts[AlertBlockTimeout])
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, 1, cancels, "the held request was cancelled before being asked again")
}

func TestBlockOneSeederNeverSendsComesFromTheOther(t *testing.T) {
	mi, content, root := oneFileTorrent(t, 2<<20, 64<<10)
	dropper := scriptedSeeder(t, mi, content, "-FAKE00-dropper00002", func(m *peerwire.Message) reply {
		if isTheBlock(m) {
			return ignore // never, however often asked
		}
		return serve
	})
	honest := scriptedSeeder(t, mi, content, "-FAKE00-honest000001", serveAll)
	downloadFrom(t, mi, root, dropper, honest)
}

func TestBlockOnlyADroppingSeederHasIsAskedAgainUntilItComes(t *testing.T) {
	mi, content, root := oneFileTorrent(t, 2<<20, 64<<10)
	asked := 0
	seeder := scriptedSeeder(t, mi, content, "-FAKE00-dropper00003", func(m *peerwire.Message) reply {
		if m.ID == peerwire.Request && isTheBlock(m) {
			if asked++; asked < 3 {
				return ignore // the first two requests are lost
			}
		}
		return serve
	})
	alerts := downloadFrom(t, mi, root, seeder)
	require.GreaterOrEqual(t, len(alerts[AlertBlockTimeout]), 2)
}

// In end-game a block is requested from two peers; when one delivers it, the other is sent a
// cancel so it does not send the block too. Ordered, not timed: seeder a holds the block until
// the leecher has asked b for it too, and b never sends it, so b is the one to be told.
func TestEndGameDuplicateIsCancelledWhenTheBlockArrives(t *testing.T) {
	mi, content, root := oneFileTorrent(t, 2<<20, 64<<10)
	bAsked := make(chan struct{})
	t.Cleanup(func() {
		select {
		case <-bAsked:
		default:
			close(bAsked) // lets a's held block go if the test failed before b was asked
		}
	})
	var mu sync.Mutex
	bWasAsked, bCancelled := false, false
	a := heldSeeder(t, mi, content, "-FAKE00-endgame00001", bAsked, func(m *peerwire.Message) reply {
		if isTheBlock(m) && m.ID == peerwire.Request {
			return serveOnRelease
		}
		return serve
	})
	b := scriptedSeeder(t, mi, content, "-FAKE00-endgame00002", func(m *peerwire.Message) reply {
		if !isTheBlock(m) {
			return serve
		}
		mu.Lock()
		defer mu.Unlock()
		if m.ID == peerwire.Cancel {
			bCancelled = true
		} else if !bWasAsked {
			bWasAsked = true
			close(bAsked)
		}
		return ignore
	})
	downloadFrom(t, mi, root, a, b)
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return bWasAsked && bCancelled
	}, 5*time.Second, 10*time.Millisecond, "the block was asked of both and the peer that did not deliver it is sent a cancel")
}
