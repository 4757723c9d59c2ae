// Package settings holds libbt's settings: the table of every setting (libtorrent's names,
// defaults and ranges), Pack, the set of values a user builds by name, and Resolved, the same
// values resolved once into typed fields.
//
// A Pack is what the public API takes (by name, checked against the table). The engine reads
// none of it by name on its paths: when a session starts or settings are applied it resolves the
// pack into a *Resolved (Pack.Resolve), publishes that pointer, and every reader loads the
// pointer and reads a field. A Resolved is never changed once published.
//
// The package owns no goroutines and does no I/O.
package settings

import (
	"errors"
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/libbt/libbt/core/queue"
	"github.com/libbt/libbt/core/utmetadata"
)

// Type is the type of a setting's value.
type Type int

const (
	Int Type = iota
	Bool
	String
)

func (t Type) String() string {
	switch t {
	case Int:
		return "int"
	case Bool:
		return "bool"
	case String:
		return "string"
	}
	return "unknown"
}

var (
	// ErrUnknown is returned for a setting name that does not exist.
	ErrUnknown = errors.New("unknown setting")
	// ErrType is returned when a value has the wrong type or is out of range.
	ErrType = errors.New("invalid setting value")
)

// Version is the engine version, kept equal to LIBBT_VERSION in include/libbt.h (the default
// user_agent carries it).
const Version = "0.4.0"

// out_enc_policy and in_enc_policy values, as libtorrent's enc_policy.
const (
	EncForced   = 0
	EncEnabled  = 1
	EncDisabled = 2
)

// disk_io_write_mode values, as libtorrent's io_buffer_mode_t. libbt's default
// differs: written pieces do not stay in the OS page cache (uncached buffered
// writes, see disk.StorageOptions.DropOSCache), since libbt's own cache
// already holds what peers are about to ask for.
const (
	DiskEnableOSCache  = 0 // ordinary buffered writes
	DiskDisableOSCache = 2 // 1, libtorrent's deprecated "for aligned files", means the same
	DiskWriteThrough   = 3 // uncached, and fsync after every flush like disk_write_through
)

// DefaultAlertMask is alert_mask's default: the error, status, tracker and storage categories
// (core/session's Category bits 0x1, 0x2, 0x8 and 0x10; a session test checks they agree).
const DefaultAlertMask = 0x1 | 0x2 | 0x8 | 0x10

type def struct {
	typ   Type
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

// defs lists every setting, named as in libtorrent where one exists.
var defs = map[string]def{
	"listen_interfaces":          {String, "0.0.0.0:6881,[::]:6881", checkListenInterfaces},
	"connections_limit":          {Int, int64(200), intRange(1, 65535)},
	"unchoke_slots_limit":        {Int, int64(8), intRange(-1, 10000)},
	"download_rate_limit":        {Int, int64(0), intRange(0, 1<<40)},
	"upload_rate_limit":          {Int, int64(0), intRange(0, 1<<40)},
	"alert_mask":                 {Int, int64(DefaultAlertMask), intRange(0, 0x7fffffff)},
	"alert_queue_size":           {Int, int64(2000), intRange(1, 1<<20)},
	"request_queue_time":         {Int, int64(3), intRange(1, 60)},
	"max_out_request_queue":      {Int, int64(1500), intRange(1, 100000)},
	"peer_timeout":               {Int, int64(120), intRange(5, 3600)},
	"handshake_timeout":          {Int, int64(10), intRange(1, 600)},
	"peer_connect_timeout":       {Int, int64(15), intRange(1, 600)},
	"aio_threads":                {Int, int64(4), intRange(1, 64)},
	"cache_size":                 {Int, int64(4096), intRange(64, 1<<22)},                                         // 16 KiB blocks, as libtorrent: 64 MiB
	"disk_max_write_size":        {Int, int64(0), intRange(0, 1<<30)},                                             // bytes per write call when flushing a piece; 0 = the whole piece in one pwritev
	"lock_disk_cache":            {Bool, true, nil},                                                               // mlock the cache; falls back with a performance alert
	"disk_write_through":         {Bool, false, nil},                                                              // fsync after every flush (durability over speed)
	"disk_io_write_mode":         {Int, int64(DiskDisableOSCache), intRange(DiskEnableOSCache, DiskWriteThrough)}, // 0 keep written data in the OS cache, 2 uncached writes, 3 uncached + fsync
	"file_pool_size":             {Int, int64(40), intRange(1, 1<<20)},                                            // files kept open across all torrents, least recently used closed first
	"full_allocation":            {Bool, false, nil},                                                              // allocate files in full when created (else sparse)
	"max_queued_disk_bytes":      {Int, int64(16 << 20), intRange(1<<20, 1<<40)},
	"max_metadata_size":          {Int, int64(utmetadata.DefaultMaxSize), intRange(1, 1<<30)}, // ut_metadata: the largest info dictionary fetched for a magnet link (libtorrent: 30 MiB)
	"user_agent":                 {String, "libbt/" + Version, nil},
	"peer_fingerprint":           {String, "-LB0010-", checkFingerprint},
	"enable_incoming_tcp":        {Bool, true, nil},
	"enable_outgoing_tcp":        {Bool, true, nil},
	"enable_dht":                 {Bool, false, nil}, // BEP 5; off unless asked for
	"dht_bootstrap_nodes":        {String, "", nil},  // host:port,...; empty: contact nobody
	"dht_state_file":             {String, "", nil},  // node id and nodes, loaded at start, saved on close
	"dht_read_only":              {Bool, false, nil}, // BEP 43
	"dht_enforce_node_id":        {Bool, false, nil}, // BEP 42
	"enable_lsd":                 {Bool, false, nil}, // BEP 14 multicast; off unless asked for
	"enable_upnp":                {Bool, false, mustBeFalse("UPnP")},
	"enable_natpmp":              {Bool, false, mustBeFalse("NAT-PMP")},
	"tracker_udp_timeout_ms":     {Int, int64(15000), intRange(10, 120000)},
	"tracker_completion_timeout": {Int, int64(30), intRange(1, 600)},
	"min_announce_interval":      {Int, int64(5 * 60), intRange(1, 1<<31-1)},                 // s; floor on a tracker's interval (no announce storms)
	"tracker_backoff":            {Int, int64(250), intRange(1, 100_000)},                    // %; retry delay 5 s + 5 s*x/100*fails², at most 1 h
	"out_enc_policy":             {Int, int64(EncEnabled), intRange(EncForced, EncDisabled)}, // 0 forced, 1 enabled, 2 disabled
	"in_enc_policy":              {Int, int64(EncEnabled), intRange(EncForced, EncDisabled)},
	"allowed_enc_level":          {Int, int64(3), intRange(1, 3)}, // 1 plaintext, 2 rc4, 3 both
	"prefer_rc4":                 {Bool, false, nil},
	// Load limits (libtorrent's load_torrent_limits), for .torrent files and bytes and for
	// info dicts from peers alike; core/session's load.go applies them.
	"max_buffer_size":         {Int, int64(10_000_000), intRange(1<<10, 1<<31-1)}, // bytes of a .torrent
	"max_decode_depth":        {Int, int64(100), intRange(2, 10_000)},             // nesting of lists and dicts
	"max_decode_tokens":       {Int, int64(3_000_000), intRange(16, 1<<31-1)},     // bencode values, keys and ends
	"max_pieces":              {Int, int64(0x200000), intRange(1, 1<<30-1)},
	"max_directory_depth":     {Int, int64(100), intRange(1, 1<<31-1)}, // elements of one file's path
	"max_duplicate_filenames": {Int, int64(500), intRange(1, 1<<31-1)}, // taken names tried while renaming clashes

	// The peer-wire settings: libtorrent's names and defaults (settings_pack.cpp).
	// Seconds without a block while requests are out before they time out.
	"piece_timeout": {Int, int64(20), intRange(1, 3600)},
	// Seconds: the upper bound of the per-peer adaptive request timeout (mean + 4 deviations of
	// the peer's request times, at least 2 s).
	"request_timeout": {Int, int64(60), intRange(2, 3600)},
	// Requests a peer may queue with us (16 bytes each); more are rejected (BEP 6) or dropped.
	"max_allowed_in_request_queue": {Int, int64(2000), intRange(1, 100000)},
	// A peer's send-buffer target is its upload rate times send_buffer_watermark_factor percent,
	// within [send_buffer_low_watermark, send_buffer_watermark] bytes; disk reads for the peer
	// wait while its send buffer plus reads in flight are above it.
	"send_buffer_low_watermark":    {Int, int64(10 << 10), intRange(1, 64<<20)},
	"send_buffer_watermark":        {Int, int64(500 << 10), intRange(16<<10, 64<<20)},
	"send_buffer_watermark_factor": {Int, int64(50), intRange(1, 10000)},
}

// The queueing settings (active_downloads, active_seeds, active_checking, active_limit,
// dont_count_slow_torrents, share_ratio_limit, ...) come from core/queue's table: libtorrent's
// names and defaults, ranges checked like every other setting.
func init() {
	for _, d := range queue.Table {
		if d.Bool {
			defs[d.Name] = def{Bool, d.Default != 0, nil}
		} else {
			defs[d.Name] = def{Int, d.Default, intRange(d.Min, d.Max)}
		}
	}
}

func checkListenInterfaces(v any) error {
	_, err := ParseListenInterfaces(v.(string))
	return err
}

func checkFingerprint(v any) error {
	if s := v.(string); len(s) > 20 {
		return fmt.Errorf("peer_fingerprint %q is longer than 20 bytes", s)
	}
	return nil
}

// ParseListenInterfaces parses "127.0.0.1:6881,[::1]:6881". An empty string means no listening.
func ParseListenInterfaces(s string) ([]netip.AddrPort, error) {
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

// Names returns all setting names, sorted.
func Names() []string {
	names := make([]string, 0, len(defs))
	for n := range defs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Lookup reports the type of a setting.
func Lookup(name string) (Type, bool) {
	d, ok := defs[name]
	return d.typ, ok
}

// Pack is a set of typed values by name. The zero value is empty; unset names take defaults.
// It is safe for concurrent use.
type Pack struct {
	mu     sync.Mutex
	values map[string]any
}

// NewPack returns an empty settings pack.
func NewPack() *Pack { return &Pack{values: map[string]any{}} }

func (s *Pack) set(name string, typ Type, v any) error {
	d, ok := defs[name]
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknown, name)
	}
	if d.typ != typ {
		return fmt.Errorf("%w: %q is a %s setting, not %s", ErrType, name, d.typ, typ)
	}
	if d.check != nil {
		if err := d.check(v); err != nil {
			return fmt.Errorf("%w: %s: %v", ErrType, name, err)
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
func (s *Pack) SetInt(name string, v int64) error { return s.set(name, Int, v) }

// SetBool sets a boolean setting.
func (s *Pack) SetBool(name string, v bool) error { return s.set(name, Bool, v) }

// SetString sets a string setting.
func (s *Pack) SetString(name string, v string) error { return s.set(name, String, v) }

// Set sets a setting from its text form ("true", "42", "x"), as a command line would.
func (s *Pack) Set(name, text string) error {
	d, ok := defs[name]
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknown, name)
	}
	switch d.typ {
	case Int:
		n, err := strconv.ParseInt(text, 10, 64)
		if err != nil {
			return fmt.Errorf("%w: %s: %q is not an integer", ErrType, name, text)
		}
		return s.SetInt(name, n)
	case Bool:
		b, err := strconv.ParseBool(text)
		if err != nil {
			return fmt.Errorf("%w: %s: %q is not a boolean", ErrType, name, text)
		}
		return s.SetBool(name, b)
	}
	return s.SetString(name, text)
}

func (s *Pack) get(name string) any {
	s.mu.Lock()
	v, ok := s.values[name]
	s.mu.Unlock()
	if ok {
		return v
	}
	return defs[name].def
}

// Int returns an integer setting (its default when unset). Unknown names return 0.
func (s *Pack) Int(name string) int64 {
	v, _ := s.get(name).(int64)
	return v
}

// Bool returns a boolean setting.
func (s *Pack) Bool(name string) bool {
	v, _ := s.get(name).(bool)
	return v
}

// String returns a string setting.
func (s *Pack) String(name string) string {
	v, _ := s.get(name).(string)
	return v
}

// Get returns a setting's value (int64, bool or string) and whether the name exists.
func (s *Pack) Get(name string) (any, bool) {
	if _, ok := defs[name]; !ok {
		return nil, false
	}
	return s.get(name), true
}

// Clone returns an independent copy.
func (s *Pack) Clone() *Pack {
	c := NewPack()
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

// Merge copies every value set in o into s.
func (s *Pack) Merge(o *Pack) {
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
