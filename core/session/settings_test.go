package session

import (
	"testing"
	"time"

	"github.com/libbt/libbt/core/settings"
	"github.com/stretchr/testify/require"
)

func TestDefaultAlertMaskIsErrorStatusTrackerStorage(t *testing.T) {
	require.Equal(t, CategoryError|CategoryStatus|CategoryTracker|CategoryStorage, Category(settings.DefaultAlertMask))
}

// Applied settings reach the engine through the resolved slots, not only the pack by name.
func TestApplySettingsPublishesResolvedSlots(t *testing.T) {
	s := newTestSession(t, "127.0.0.1:0")
	require.Equal(t, 200, s.conf().ConnectionsLimit)
	p := NewSettings()
	require.NoError(t, p.SetInt("connections_limit", 17))
	require.NoError(t, p.SetInt("piece_timeout", 7))
	require.NoError(t, s.ApplySettings(p))
	require.Equal(t, 17, s.conf().ConnectionsLimit)
	require.Equal(t, int64(17), s.Settings().Int("connections_limit"))
	require.Equal(t, 7*1e9, float64(s.wireSettings().pieceTimeout))
	require.ErrorIs(t, s.ApplySettings(nil), ErrInvalidArgument)
}

func TestDHTCallsWhileTheDHTIsOff(t *testing.T) {
	s := newTestSession(t, "127.0.0.1:0")
	require.False(t, s.DHTRunning())
	_, err := s.DHTStats()
	require.ErrorIs(t, err, ErrDHTOff)
	require.Equal(t, ErrorState, Classify(err))
	it, err := NewDHTImmutableItem([]byte("i1e"))
	require.NoError(t, err)
	_, err = s.DHTPut(t.Context(), it)
	require.ErrorIs(t, err, ErrDHTOff)
	_, err = NewDHTImmutableItem(make([]byte, 2000))
	require.Equal(t, ErrorInvalidArgument, Classify(err))
	_, pub, err := NewDHTMutableItem(make([]byte, 32), []byte("i1e"), nil, 1)
	require.NoError(t, err)
	require.Len(t, pub, 32)
}

// A tick posted from outside (as a session scheduler will) runs on the torrent goroutine with
// the time it was given, under the same guard as the torrent's own ticker.
func TestPostedTickRunsOnTheTorrentGoroutine(t *testing.T) {
	ticks := make(chan *Torrent, 16)
	s := newHookedSession(t, testHooks{tick: func(tor *Torrent) { ticks <- tor }})
	root := t.TempDir()
	mi := createTorrent(t, makeFiles(t, root, map[string]int{"a": 20_000}), 16<<10)
	tor, err := s.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: root, Paused: true})
	require.NoError(t, err)
	for len(ticks) > 0 {
		<-ticks
	}
	at := time.Now().Add(time.Hour)
	ran := make(chan time.Time, 1)
	tor.postTick(at)
	tor.post(func() { ran <- at })
	require.Equal(t, at, <-ran)
	select { // the posted tick ran before the closure posted after it
	case got := <-ticks:
		require.Equal(t, tor, got)
	default:
		t.Fatal("the posted tick did not run")
	}
}
