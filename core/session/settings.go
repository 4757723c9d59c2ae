package session

import (
	"errors"
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/libbt/libbt/core/utmetadata"
)

// SettingType is the type of a setting's value.
type SettingType int

const (
	IntSetting SettingType = iota
	BoolSetting
	StringSetting
)

func (t SettingType) String() string {
	switch t {
	case IntSetting:
		return "int"
	case BoolSetting:
		return "bool"
	case StringSetting:
		return "string"
	}
	return "unknown"
}

var (
	// ErrUnknownSetting is returned for a setting name that does not exist.
	ErrUnknownSetting = errors.New("unknown setting")
	// ErrSettingType is returned when a value has the wrong type or is out of range.
	ErrSettingType = errors.New("invalid setting value")
)

type settingDef struct {
	typ   SettingType
	def   any
	check func(v any) error // optional validation
}

func intRange(lo, hi int64) func(any) error {
	return func(v any) error {
		n := v.(int64)
		if n < lo || n > hi {
			return fmt.Errorf("%d is outside [%d, %d]", n, lo, hi)
		}
		return nil
	}
}

func mustBeFalse(feature string) func(any) error {
	return func(v any) error {
		if v.(bool) {
			return fmt.Errorf("%s is not available in this build of libbt yet", feature)
		}
		return nil
	}
}

// settingDefs lists every setting, named as in libtorrent where one exists.
var settingDefs = map[string]settingDef{
	"listen_interfaces":          {StringSetting, "0.0.0.0:6881,[::]:6881", checkListenInterfaces},
	"connections_limit":          {IntSetting, int64(200), intRange(1, 65535)},
	"unchoke_slots_limit":        {IntSetting, int64(8), intRange(-1, 10000)},
	"download_rate_limit":        {IntSetting, int64(0), intRange(0, 1<<40)},
	"upload_rate_limit":          {IntSetting, int64(0), intRange(0, 1<<40)},
	"alert_mask":                 {IntSetting, int64(CategoryError | CategoryStatus | CategoryTracker | CategoryStorage), intRange(0, 0x7fffffff)},
	"alert_queue_size":           {IntSetting, int64(2000), intRange(1, 1<<20)},
	"request_queue_time":         {IntSetting, int64(3), intRange(1, 60)},
	"max_out_request_queue":      {IntSetting, int64(1500), intRange(1, 100000)},
	"peer_timeout":               {IntSetting, int64(120), intRange(5, 3600)},
	"handshake_timeout":          {IntSetting, int64(10), intRange(1, 600)},
	"peer_connect_timeout":       {IntSetting, int64(15), intRange(1, 600)},
	"aio_threads":                {IntSetting, int64(4), intRange(1, 64)},
	"cache_size":                 {IntSetting, int64(4096), intRange(64, 1<<22)},                                         // 16 KiB blocks, as libtorrent: 64 MiB
	"disk_max_write_size":        {IntSetting, int64(0), intRange(0, 1<<30)},                                             // bytes per write call when flushing a piece; 0 = the whole piece in one pwritev
	"lock_disk_cache":            {BoolSetting, true, nil},                                                               // mlock the cache; falls back with a performance alert
	"disk_write_through":         {BoolSetting, false, nil},                                                              // fsync after every flush (durability over speed)
	"disk_io_write_mode":         {IntSetting, int64(diskDisableOSCache), intRange(diskEnableOSCache, diskWriteThrough)}, // 0 keep written data in the OS cache, 2 uncached writes, 3 uncached + fsync
	"file_pool_size":             {IntSetting, int64(40), intRange(1, 1<<20)},                                            // files kept open across all torrents, least recently used closed first
	"full_allocation":            {BoolSetting, false, nil},                                                              // allocate files in full when created (else sparse)
	"max_queued_disk_bytes":      {IntSetting, int64(16 << 20), intRange(1<<20, 1<<40)},
	"max_metadata_size":          {IntSetting, int64(utmetadata.DefaultMaxSize), intRange(1, 1<<30)}, // ut_metadata: the largest info dictionary fetched for a magnet link (libtorrent: 30 MiB)
	"user_agent":                 {StringSetting, "libbt/" + Version, nil},
	"peer_fingerprint":           {StringSetting, "-LB0010-", checkFingerprint},
	"enable_incoming_tcp":        {BoolSetting, true, nil},
	"enable_outgoing_tcp":        {BoolSetting, true, nil},
	"enable_dht":                 {BoolSetting, false, nil}, // BEP 5; off unless asked for
	"dht_bootstrap_nodes":        {StringSetting, "", nil},  // host:port,...; empty: contact nobody
	"dht_state_file":             {StringSetting, "", nil},  // node id and nodes, loaded at start, saved on close
	"dht_read_only":              {BoolSetting, false, nil}, // BEP 43
	"dht_enforce_node_id":        {BoolSetting, false, nil}, // BEP 42
	"enable_lsd":                 {BoolSetting, false, nil}, // BEP 14 multicast; off unless asked for
	"enable_upnp":                {BoolSetting, false, mustBeFalse("UPnP")},
	"enable_natpmp":              {BoolSetting, false, mustBeFalse("NAT-PMP")},
	"tracker_udp_timeout_ms":     {IntSetting, int64(15000), intRange(10, 120000)},
	"tracker_completion_timeout": {IntSetting, int64(30), intRange(1, 600)},
	"min_announce_interval":      {IntSetting, int64(5 * 60), intRange(1, 1<<31-1)},                 // s; floor on a tracker's interval (no announce storms)
	"tracker_backoff":            {IntSetting, int64(250), intRange(1, 100_000)},                    // %; retry delay 5 s + 5 s*x/100*fails², at most 1 h
	"out_enc_policy":             {IntSetting, int64(encEnabled), intRange(encForced, encDisabled)}, // 0 forced, 1 enabled, 2 disabled
	"in_enc_policy":              {IntSetting, int64(encEnabled), intRange(encForced, encDisabled)},
	"allowed_enc_level":          {IntSetting, int64(3), intRange(1, 3)}, // 1 plaintext, 2 rc4, 3 both
	"prefer_rc4":                 {BoolSetting, false, nil},
	// Load limits (libtorrent's load_torrent_limits), for .torrent files and bytes and for
	// info dicts from peers alike; load.go applies them.
	"max_buffer_size":         {IntSetting, int64(10_000_000), intRange(1<<10, 1<<31-1)}, // bytes of a .torrent
	"max_decode_depth":        {IntSetting, int64(100), intRange(2, 10_000)},             // nesting of lists and dicts
	"max_decode_tokens":       {IntSetting, int64(3_000_000), intRange(16, 1<<31-1)},     // bencode values, keys and ends
	"max_pieces":              {IntSetting, int64(0x200000), intRange(1, 1<<30-1)},
	"max_directory_depth":     {IntSetting, int64(100), intRange(1, 1<<31-1)}, // elements of one file's path
	"max_duplicate_filenames": {IntSetting, int64(500), intRange(1, 1<<31-1)}, // taken names tried while renaming clashes
}

// disk_io_write_mode values, as libtorrent's io_buffer_mode_t. libbt's default
// differs: written pieces do not stay in the OS page cache (uncached buffered
// writes, see disk.StorageOptions.DropOSCache), since libbt's own cache
// already holds what peers are about to ask for.
const (
	diskEnableOSCache  = 0 // ordinary buffered writes
	diskDisableOSCache = 2 // 1, libtorrent's deprecated "for aligned files", means the same
	diskWriteThrough   = 3 // uncached, and fsync after every flush like disk_write_through
)

// Version is the engine version, kept equal to LIBBT_VERSION in include/libbt.h.
const Version = "0.4.0"

func checkListenInterfaces(v any) error {
	_, err := parseListenInterfaces(v.(string))
	return err
}

func checkFingerprint(v any) error {
	if s := v.(string); len(s) > 20 {
		return fmt.Errorf("peer_fingerprint %q is longer than 20 bytes", s)
	}
	return nil
}

// parseListenInterfaces parses "127.0.0.1:6881,[::1]:6881". An empty string means no listening.
func parseListenInterfaces(s string) ([]netip.AddrPort, error) {
	var out []netip.AddrPort
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		ap, err := netip.ParseAddrPort(part)
		if err != nil {
			return nil, fmt.Errorf("listen interface %q: want IP:PORT or [IPv6]:PORT", part)
		}
		out = append(out, ap)
	}
	return out, nil
}

// SettingNames returns all setting names, sorted.
func SettingNames() []string {
	names := make([]string, 0, len(settingDefs))
	for n := range settingDefs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// LookupSetting reports the type of a setting.
func LookupSetting(name string) (SettingType, bool) {
	d, ok := settingDefs[name]
	return d.typ, ok
}

// Settings is a set of typed values by name. The zero value is empty; unset names take defaults.
// It is safe for concurrent use.
type Settings struct {
	mu     sync.Mutex
	values map[string]any
}

// NewSettings returns an empty settings pack.
func NewSettings() *Settings { return &Settings{values: map[string]any{}} }

func (s *Settings) set(name string, typ SettingType, v any) error {
	d, ok := settingDefs[name]
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownSetting, name)
	}
	if d.typ != typ {
		return fmt.Errorf("%w: %q is a %s setting, not %s", ErrSettingType, name, d.typ, typ)
	}
	if d.check != nil {
		if err := d.check(v); err != nil {
			return fmt.Errorf("%w: %s: %v", ErrSettingType, name, err)
		}
	}
	s.mu.Lock()
	if s.values == nil {
		s.values = map[string]any{}
	}
	s.values[name] = v
	s.mu.Unlock()
	return nil
}

// SetInt sets an integer setting.
func (s *Settings) SetInt(name string, v int64) error { return s.set(name, IntSetting, v) }

// SetBool sets a boolean setting.
func (s *Settings) SetBool(name string, v bool) error { return s.set(name, BoolSetting, v) }

// SetString sets a string setting.
func (s *Settings) SetString(name string, v string) error { return s.set(name, StringSetting, v) }

// Set sets a setting from its text form ("true", "42", "x"), as a command line would.
func (s *Settings) Set(name, text string) error {
	d, ok := settingDefs[name]
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownSetting, name)
	}
	switch d.typ {
	case IntSetting:
		n, err := strconv.ParseInt(text, 10, 64)
		if err != nil {
			return fmt.Errorf("%w: %s: %q is not an integer", ErrSettingType, name, text)
		}
		return s.SetInt(name, n)
	case BoolSetting:
		b, err := strconv.ParseBool(text)
		if err != nil {
			return fmt.Errorf("%w: %s: %q is not a boolean", ErrSettingType, name, text)
		}
		return s.SetBool(name, b)
	}
	return s.SetString(name, text)
}

func (s *Settings) get(name string) any {
	s.mu.Lock()
	v, ok := s.values[name]
	s.mu.Unlock()
	if ok {
		return v
	}
	return settingDefs[name].def
}

// Int returns an integer setting (its default when unset). Unknown names return 0.
func (s *Settings) Int(name string) int64 {
	v, _ := s.get(name).(int64)
	return v
}

// Bool returns a boolean setting.
func (s *Settings) Bool(name string) bool {
	v, _ := s.get(name).(bool)
	return v
}

// String returns a string setting.
func (s *Settings) String(name string) string {
	v, _ := s.get(name).(string)
	return v
}

// Get returns a setting's value (int64, bool or string) and whether the name exists.
func (s *Settings) Get(name string) (any, bool) {
	if _, ok := settingDefs[name]; !ok {
		return nil, false
	}
	return s.get(name), true
}

// Clone returns an independent copy.
func (s *Settings) Clone() *Settings {
	c := NewSettings()
	if s == nil {
		return c
	}
	s.mu.Lock()
	for k, v := range s.values {
		c.values[k] = v
	}
	s.mu.Unlock()
	return c
}

// merge copies every value set in o into s.
func (s *Settings) merge(o *Settings) {
	o.mu.Lock()
	vals := make(map[string]any, len(o.values))
	for k, v := range o.values {
		vals[k] = v
	}
	o.mu.Unlock()
	s.mu.Lock()
	for k, v := range vals {
		s.values[k] = v
	}
	s.mu.Unlock()
}
