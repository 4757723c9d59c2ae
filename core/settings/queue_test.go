package settings

import (
	"testing"

	"github.com/libbt/libbt/core/queue"
	"github.com/stretchr/testify/require"
)

func TestQueueSettingsHaveLibtorrentsNamesDefaultsAndRanges(t *testing.T) {
	s := NewPack()
	require.Equal(t, queue.DefaultSettings(), queue.Load(s.Int, s.Bool))
	require.Equal(t, queue.DefaultSettings(), s.Resolve().Queue)
	require.Equal(t, int64(3), s.Int("active_downloads"))
	require.True(t, s.Bool("dont_count_slow_torrents"))

	require.NoError(t, s.SetInt("active_limit", -1), "-1 is unlimited")
	err := s.SetInt("active_downloads", -2)
	require.ErrorIs(t, err, ErrType)
	require.ErrorContains(t, err, "active_downloads")
	require.ErrorIs(t, s.SetInt("share_ratio_limit", -1), ErrType)
	require.ErrorIs(t, s.SetBool("active_seeds", true), ErrType)
	require.NoError(t, s.Set("auto_manage_prefer_seeds", "true"))
	require.Equal(t, int64(3), s.Int("active_downloads"), "a refused value changes nothing")
	require.Equal(t, -1, queue.Load(s.Int, s.Bool).ActiveLimit)
	require.True(t, queue.Load(s.Int, s.Bool).AutoManagePreferSeeds)
	require.Equal(t, -1, s.Resolve().Queue.ActiveLimit)
}
