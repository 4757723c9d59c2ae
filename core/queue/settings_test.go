package queue

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestDefaultSettingsAreLibtorrents(t *testing.T) {
	// settings_pack.cpp, libtorrent 2.0.
	require.Equal(t, Settings{
		ActiveDownloads: 3, ActiveSeeds: 5, ActiveChecking: 1, ActiveLimit: 500,
		ActiveDHTLimit: 88, ActiveTrackerLimit: 1600, ActiveLSDLimit: 60,
		DontCountSlowTorrents: true, InactiveDownRate: 2048, InactiveUpRate: 2048,
		AutoManageStartup: 60 * time.Second, AutoManagePreferSeeds: false,
		AutoManageInterval: 30 * time.Second,
		ShareRatioLimit:    200, SeedTimeRatioLimit: 700, SeedTimeLimit: 24 * time.Hour,
		IncomingStartsQueuedTorrents: false,
	}, DefaultSettings())
}

func TestTableNamesAreUniqueAndDefaultsInRange(t *testing.T) {
	seen := map[string]bool{}
	for _, d := range Table {
		require.False(t, seen[d.Name], d.Name)
		seen[d.Name] = true
		require.NoError(t, d.Check(d.Default), d.Name)
		require.Error(t, d.Check(d.Min-1), d.Name)
		require.Error(t, d.Check(d.Max+1), d.Name)
		require.NotEmpty(t, d.Doc, d.Name)
	}
}

func TestLoadReadsEverySettingByName(t *testing.T) {
	ints := map[string]int64{"active_downloads": -1, "active_limit": 7, "auto_manage_startup": 5, "seed_time_limit": 60}
	bools := map[string]bool{"auto_manage_prefer_seeds": true, "dont_count_slow_torrents": false}
	s := Load(func(n string) int64 {
		if v, ok := ints[n]; ok {
			return v
		}
		for _, d := range Table {
			if d.Name == n {
				return d.Default
			}
		}
		t.Fatalf("unknown int setting %q", n)
		return 0
	}, func(n string) bool {
		if v, ok := bools[n]; ok {
			return v
		}
		for _, d := range Table {
			if d.Name == n {
				return d.Default != 0
			}
		}
		t.Fatalf("unknown bool setting %q", n)
		return false
	})
	want := DefaultSettings()
	want.ActiveDownloads, want.ActiveLimit = -1, 7
	want.AutoManageStartup, want.SeedTimeLimit = 5*time.Second, time.Minute
	want.AutoManagePreferSeeds, want.DontCountSlowTorrents = true, false
	require.Equal(t, want, s)
}

// The table against the real libtorrent's default_settings(): same names, same defaults.
func TestTableMatchesLibtorrentDefaults(t *testing.T) {
	if testing.Short() {
		t.Skip("libtorrent interop: skipped with -short")
	}
	out, err := exec.Command("/usr/bin/python3", "-c",
		"import json, libtorrent as lt; print(json.dumps(lt.default_settings()))").CombinedOutput()
	require.NoError(t, err, "needs python3-libtorrent (make deps): %s", out)
	var lt map[string]any
	require.NoError(t, json.Unmarshal(out, &lt))
	for _, d := range Table {
		v, ok := lt[d.Name]
		require.True(t, ok, "libtorrent has no setting %q", d.Name)
		switch v := v.(type) {
		case bool:
			require.True(t, d.Bool, d.Name)
			require.Equal(t, v, d.Default != 0, d.Name)
		case float64:
			require.False(t, d.Bool, d.Name)
			require.Equal(t, int64(v), d.Default, d.Name)
		default:
			t.Fatalf("%s: libtorrent's default %v is neither int nor bool", d.Name, v)
		}
	}
	// Every libtorrent queueing knob is here.
	for name := range lt {
		if strings.HasPrefix(name, "active_") && name != "active_loaded_limit" {
			found := false
			for _, d := range Table {
				found = found || d.Name == name
			}
			require.True(t, found, "libtorrent's %s is missing from the table", name)
		}
	}
}

// torrent::set_state: stop_when_ready fires on leaving a checking state for a transfer state.
func TestStopWhenReadyFiresLeavingChecking(t *testing.T) {
	require.True(t, StopWhenReady(true, StateCheckingFiles, StateDownloading))
	require.True(t, StopWhenReady(true, StateCheckingResumeData, StateSeeding))
	require.False(t, StopWhenReady(false, StateCheckingFiles, StateDownloading))
	require.False(t, StopWhenReady(true, StateDownloading, StateFinished))
	require.False(t, StopWhenReady(true, StateDownloading, StateCheckingFiles))
}

// torrent::on_piece_hashed, after the last piece: paused when the session has more torrents
// than min(active_downloads, active_seeds, active_limit).
func TestPauseAfterCheck(t *testing.T) {
	s := DefaultSettings() // min is 3
	require.False(t, PauseAfterCheck(true, 3, &s))
	require.True(t, PauseAfterCheck(true, 4, &s))
	require.False(t, PauseAfterCheck(false, 4, &s))
	s.ActiveDownloads, s.ActiveSeeds, s.ActiveLimit = -1, -1, -1
	require.False(t, PauseAfterCheck(true, 1_000_000, &s))
}

// peer_connection::attach_to_torrent.
func TestStartOnIncoming(t *testing.T) {
	s := DefaultSettings()
	require.False(t, StartOnIncoming(true, true, &s))
	s.IncomingStartsQueuedTorrents = true
	require.True(t, StartOnIncoming(true, true, &s))
	require.False(t, StartOnIncoming(true, false, &s), "paused by the user: stays paused")
	require.False(t, StartOnIncoming(false, true, &s))
}

// session_impl::trigger_auto_manage and the auto_manage_interval countdown.
func TestCadence(t *testing.T) {
	s := DefaultSettings()
	var c Cadence
	require.True(t, c.Due(t0, &s), "first pass at once")
	c.Ran(t0)
	require.False(t, c.Due(t0.Add(29*time.Second), &s))
	require.True(t, c.Due(t0.Add(30*time.Second), &s))
	c.Trigger()
	require.False(t, c.Due(t0.Add(500*time.Millisecond), &s), "at most one pass a second")
	require.True(t, c.Due(t0.Add(time.Second), &s))
	c.Ran(t0.Add(time.Second))
	require.False(t, c.Due(t0.Add(2*time.Second), &s), "trigger consumed")
}
