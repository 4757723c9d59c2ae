package settings

import (
	"reflect"
	"testing"
	"time"

	"github.com/libbt/libbt/core/queue"
	"github.com/stretchr/testify/require"
)

func TestEverySettingHasATypedSlot(t *testing.T) {
	inQueue := map[string]bool{}
	for _, d := range queue.Table {
		inQueue[d.Name] = true
	}
	slotted := map[string]bool{}
	for _, sl := range slots {
		require.False(t, slotted[sl.name], "%s has two slots", sl.name)
		slotted[sl.name] = true
	}
	for _, name := range Names() {
		require.True(t, slotted[name] || inQueue[name], "setting %s has no field in Resolved", name)
		require.False(t, slotted[name] && inQueue[name], "setting %s is resolved twice", name)
	}
}

func TestResolveReadsDefaultsWithUnits(t *testing.T) {
	r := NewPack().Resolve()
	require.Equal(t, 200, r.ConnectionsLimit)
	require.Equal(t, 120*time.Second, r.PeerTimeout)
	require.Equal(t, 15*time.Second, r.TrackerUDPTimeout)
	require.Equal(t, "libbt/"+Version, r.UserAgent)
	require.True(t, r.LockDiskCache)
	require.Equal(t, int64(DiskDisableOSCache), r.DiskIOWriteMode)
	require.Equal(t, int64(DefaultAlertMask), r.AlertMask)
}

// Each slot follows its own setting: a pack with one value changed resolves to the defaults
// with exactly that field changed.
func TestResolveChangesOnlyTheSlotOfTheSettingSet(t *testing.T) {
	base := NewPack().Resolve()
	for _, sl := range slots {
		p := NewPack()
		var err error
		switch defs[sl.name].typ {
		case Int:
			v := p.Int(sl.name) + 1
			if defs[sl.name].check != nil && defs[sl.name].check(v) != nil {
				v = p.Int(sl.name) - 1
			}
			err = p.SetInt(sl.name, v)
		case Bool:
			if sl.name == "enable_upnp" || sl.name == "enable_natpmp" {
				continue // refused in this build: only false is accepted
			}
			err = p.SetBool(sl.name, !p.Bool(sl.name))
		case String:
			v := "127.0.0.1:1"
			if sl.name == "peer_fingerprint" {
				v = "-XX0000-"
			}
			err = p.SetString(sl.name, v)
		}
		require.NoError(t, err, sl.name)
		got := reflect.ValueOf(*p.Resolve())
		want := reflect.ValueOf(*base)
		for i := 0; i < got.NumField(); i++ {
			same := reflect.DeepEqual(got.Field(i).Interface(), want.Field(i).Interface())
			require.Equal(t, i != sl.field, same, "setting %s, field %s", sl.name, got.Type().Field(i).Name)
		}
	}
}

func TestRefusedValuesNameTheSetting(t *testing.T) {
	p := NewPack()
	require.ErrorIs(t, p.SetInt("connections_limit", 0), ErrType)
	require.ErrorIs(t, p.SetBool("connections_limit", true), ErrType)
	require.ErrorIs(t, p.SetInt("no_such_setting", 1), ErrUnknown)
	require.ErrorContains(t, p.SetString("listen_interfaces", "nonsense"), "listen_interfaces")
	require.ErrorIs(t, p.SetBool("enable_upnp", true), ErrType)
	require.Equal(t, 200, p.Resolve().ConnectionsLimit)
}
