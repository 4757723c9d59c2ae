package session

import (
	"net/netip"

	"github.com/libbt/libbt/core/settings"
)

// The settings table, the Settings pack and their validation live in core/settings; these names
// keep the session's Go API as it was. The engine reads settings through s.conf(), a
// *settings.Resolved published whenever settings change, never by name.

// SettingType is the type of a setting's value.
type SettingType = settings.Type

const (
	IntSetting    = settings.Int
	BoolSetting   = settings.Bool
	StringSetting = settings.String
)

var (
	// ErrUnknownSetting is returned for a setting name that does not exist.
	ErrUnknownSetting = settings.ErrUnknown
	// ErrSettingType is returned when a value has the wrong type or is out of range.
	ErrSettingType = settings.ErrType
)

// Settings is a set of typed values by name. The zero value is empty; unset names take defaults.
// It is safe for concurrent use.
type Settings = settings.Pack

// NewSettings returns an empty settings pack.
func NewSettings() *Settings { return settings.NewPack() }

// SettingNames returns all setting names, sorted.
func SettingNames() []string { return settings.Names() }

// LookupSetting reports the type of a setting.
func LookupSetting(name string) (SettingType, bool) { return settings.Lookup(name) }

// Version is the engine version, kept equal to LIBBT_VERSION in include/libbt.h.
const Version = settings.Version

const (
	encForced   = settings.EncForced
	encEnabled  = settings.EncEnabled
	encDisabled = settings.EncDisabled

	diskEnableOSCache  = settings.DiskEnableOSCache
	diskDisableOSCache = settings.DiskDisableOSCache
	diskWriteThrough   = settings.DiskWriteThrough
)

func parseListenInterfaces(s string) ([]netip.AddrPort, error) {
	return settings.ParseListenInterfaces(s)
}

// conf returns the settings in force: resolved once when they were applied, read without a lock.
func (s *Session) conf() *settings.Resolved { return s.resolved.Load() }

// applySettingsPack merges p into the session's pack and publishes the resolved result.
func (s *Session) applySettingsPack(p *Settings) *settings.Resolved {
	s.applyMu.Lock()
	defer s.applyMu.Unlock()
	if p != nil {
		s.settings.Merge(p)
	}
	r := s.settings.Resolve()
	s.resolved.Store(r)
	return r
}
