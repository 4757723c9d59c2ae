package main

// Tests of capi's pure-Go translation helpers (cgo is not allowed in _test.go files; the ABI
// itself is tested from C in tests/capi, and from the bindings).

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/libbt/libbt/core/guard"
	"github.com/libbt/libbt/core/limits"
	"github.com/libbt/libbt/core/session"
	"github.com/libbt/libbt/disk"
)

func TestTrackerTiersGroupsByTierKeepingOrder(t *testing.T) {
	got, err := trackerTiers([]string{"a", "b", "c", "d"}, []int{2, 0, 2, 0})
	require.NoError(t, err)
	require.Equal(t, [][]string{{"b", "d"}, {"a", "c"}}, got)
}

func TestTrackerTiersWithoutTiersGivesOneTierEach(t *testing.T) {
	got, err := trackerTiers([]string{"a", "b"}, nil)
	require.NoError(t, err)
	require.Equal(t, [][]string{{"a"}, {"b"}}, got)
	got, err = trackerTiers(nil, nil)
	require.NoError(t, err)
	require.Nil(t, got)
}

func TestTrackerTiersRejectsNegativeTier(t *testing.T) {
	_, err := trackerTiers([]string{"a"}, []int{-1})
	require.Error(t, err)
}

func TestVersionNumberMatchesHeaderFormula(t *testing.T) {
	require.Equal(t, 100, versionNumber("0.1.0"))
	require.Equal(t, 10203, versionNumber("1.2.3"))
	require.Equal(t, 20000, versionNumber("2"))
}

func TestParseHexIDWantsFortyHexDigits(t *testing.T) {
	ih, ok := parseHexID("0123456789abcdefABCDEF0123456789abcdef01")
	require.True(t, ok)
	require.Equal(t, byte(0x01), ih[0])
	for _, bad := range []string{"", "00", "0123456789abcdef0123456789abcdef0123456g", "0123456789abcdef0123456789abcdef012345678"} {
		_, ok := parseHexID(bad)
		require.False(t, ok, bad)
	}
}

func TestErrorCodeMapsEngineErrors(t *testing.T) {
	cases := []struct {
		err  error
		want int
	}{
		{errBadHandle("x"), -2},
		{errParse{errors.New("bad bencode")}, -3},
		{fmt.Errorf("%w: %q", session.ErrUnknownSetting, "x"), -7},
		{fmt.Errorf("%w: x", session.ErrSettingType), -8},
		{fmt.Errorf("wrap: %w", session.ErrInvalidArgument), -1},
		{session.ErrDuplicateTorrent, -5},
		{session.ErrNoMetadata, -9},
		{session.ErrClosed, -2},
		{session.ErrTorrentRemoved, -2},
		{fmt.Errorf("%w: cannot listen", session.ErrNetwork), -12},
		{&disk.FileError{Path: "/x", Op: "open", Err: fs.ErrPermission}, -6},
		{&fs.PathError{Op: "open", Path: "/x", Err: errors.New("boom")}, -6},
		{os.ErrDeadlineExceeded, -10},
		{&net.OpError{Op: "dial", Err: errors.New("refused")}, -12},
		{errInvalid{errors.New("piece length 3 is not a power of two")}, -1},
		{errInvalid{&fs.PathError{Op: "stat", Path: "/x", Err: fs.ErrNotExist}}, -6},
		{errors.New("something the engine did not classify"), -99},
		{limits.Check("max_pieces", 11, 10), -14},
		{errParse{fmt.Errorf("metainfo: %w", limits.Check("max_decode_depth", 101, 100))}, -14},
	}
	for _, c := range cases {
		require.Equal(t, c.want, int(errorCode(c.err)), "%v", c.err)
	}
	require.Equal(t, 0, int(errorCode(nil)))
}

func TestAlertErrorCodeFallsBackByAlertKind(t *testing.T) {
	odd := errors.New("unclassified")
	require.Equal(t, -6, int(alertErrorCode(session.AlertFileError, odd)))
	require.Equal(t, -12, int(alertErrorCode(session.AlertTrackerError, odd)))
	require.Equal(t, -3, int(alertErrorCode(session.AlertMetadataFailed, odd)))
	require.Equal(t, -5, int(alertErrorCode(session.AlertTrackerError, session.ErrDuplicateTorrent)))
	require.Equal(t, -3, int(alertErrorCode(session.AlertFastResumeRejected, odd)))
	require.Equal(t, -14, int(alertErrorCode(session.AlertAddTorrentFailed, limits.Check("max_file_count", 2, 1))))
}

func TestRegistryRejectsWrongKindAndNeverReusesIDs(t *testing.T) {
	a := register(kindSettings, session.NewSettings())
	_, err := lookup(a, kindSession)
	require.ErrorContains(t, err, "is a settings, not a session")
	_, err = unregister(a, kindSettings)
	require.NoError(t, err)
	_, err = lookup(a, kindSettings)
	require.ErrorContains(t, err, "not live")
	_, err = unregister(a, kindSettings)
	require.Error(t, err)
	b := register(kindSettings, session.NewSettings())
	require.Greater(t, b, a)
	require.GreaterOrEqual(t, a, firstID)
	_, err = unregister(b, kindSettings)
	require.NoError(t, err)
}

func TestRegistryIsSafeForConcurrentUse(t *testing.T) {
	var wg sync.WaitGroup
	ids := make(chan handleID, 800)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				id := register(kindSettings, session.NewSettings())
				if _, err := lookup(id, kindSettings); err != nil {
					panic(err)
				}
				ids <- id
			}
		}()
	}
	wg.Wait()
	close(ids)
	seen := map[handleID]bool{}
	for id := range ids {
		require.False(t, seen[id])
		seen[id] = true
		_, err := unregister(id, kindSettings)
		require.NoError(t, err)
	}
}

func TestIDPointerRoundTrip(t *testing.T) {
	for _, id := range []handleID{firstID, firstID + 12345, 1 << 40} {
		require.Equal(t, id, ptrID(idPtr(id)))
	}
}

func TestRecoveredPanicMapsOntoInternalEvenInATorrentErrorAlert(t *testing.T) {
	p := guard.Run("torrent tick", func() {
		var files []int
		_ = files[3] // an index out of range: a runtime.Error the panic wraps
	})
	require.NotNil(t, p)
	require.Equal(t, -99, int(errorCode(p)))
	require.Equal(t, -99, int(alertErrorCode(session.AlertTorrentError, p)),
		"torrent_error falls back on BT_E_STATE for unclassified errors, but not for a bug")
	require.Equal(t, -99, int(alertErrorCode(session.AlertSessionError, fmt.Errorf("dht: %w", p))))
	require.Equal(t, -9, int(alertErrorCode(session.AlertTorrentError, errors.New("unclassified"))))
}
