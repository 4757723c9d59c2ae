package settings

import (
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/libbt/libbt/core/queue"
)

// Resolved is a Pack resolved once into typed fields: what the engine reads on its paths (a
// pointer load and a field, no name lookup, no lock). Each field's tag names its setting; a
// time.Duration field's tag gives the setting's unit (",s" or ",ms"). A Resolved is immutable
// once made: to change settings, resolve a new one and publish it in place of the old.
type Resolved struct {
	ListenInterfaces  string `setting:"listen_interfaces"`
	EnableIncomingTCP bool   `setting:"enable_incoming_tcp"`
	EnableOutgoingTCP bool   `setting:"enable_outgoing_tcp"`
	ConnectionsLimit  int    `setting:"connections_limit"`
	UnchokeSlotsLimit int    `setting:"unchoke_slots_limit"`
	DownloadRateLimit int64  `setting:"download_rate_limit"` // bytes/s, 0 unlimited
	UploadRateLimit   int64  `setting:"upload_rate_limit"`
	AlertMask         int64  `setting:"alert_mask"`
	AlertQueueSize    int    `setting:"alert_queue_size"`
	UserAgent         string `setting:"user_agent"`
	PeerFingerprint   string `setting:"peer_fingerprint"`
	EnableUPnP        bool   `setting:"enable_upnp"`
	EnableNATPMP      bool   `setting:"enable_natpmp"`

	// Peer connections and requests.
	RequestQueueTime          int64         `setting:"request_queue_time"` // seconds of download the request queue holds
	MaxOutRequestQueue        int           `setting:"max_out_request_queue"`
	PeerTimeout               time.Duration `setting:"peer_timeout,s"`
	HandshakeTimeout          time.Duration `setting:"handshake_timeout,s"`
	PeerConnectTimeout        time.Duration `setting:"peer_connect_timeout,s"`
	PieceTimeout              time.Duration `setting:"piece_timeout,s"`
	RequestTimeout            time.Duration `setting:"request_timeout,s"`
	MaxAllowedInRequestQueue  int           `setting:"max_allowed_in_request_queue"`
	SendBufferLowWatermark    int64         `setting:"send_buffer_low_watermark"`
	SendBufferWatermark       int64         `setting:"send_buffer_watermark"`
	SendBufferWatermarkFactor int64         `setting:"send_buffer_watermark_factor"`
	MaxMetadataSize           int           `setting:"max_metadata_size"`

	// Encryption (MSE/PE).
	OutEncPolicy    int64 `setting:"out_enc_policy"`
	InEncPolicy     int64 `setting:"in_enc_policy"`
	AllowedEncLevel int64 `setting:"allowed_enc_level"`
	PreferRC4       bool  `setting:"prefer_rc4"`

	// Disk.
	AIOThreads         int   `setting:"aio_threads"`
	CacheSize          int64 `setting:"cache_size"` // 16 KiB blocks
	DiskMaxWriteSize   int64 `setting:"disk_max_write_size"`
	LockDiskCache      bool  `setting:"lock_disk_cache"`
	DiskWriteThrough   bool  `setting:"disk_write_through"`
	DiskIOWriteMode    int64 `setting:"disk_io_write_mode"`
	FilePoolSize       int   `setting:"file_pool_size"`
	FullAllocation     bool  `setting:"full_allocation"`
	MaxQueuedDiskBytes int64 `setting:"max_queued_disk_bytes"`

	// Discovery: DHT, LSD, trackers.
	EnableDHT                bool          `setting:"enable_dht"`
	DHTBootstrapNodes        string        `setting:"dht_bootstrap_nodes"`
	DHTStateFile             string        `setting:"dht_state_file"`
	DHTReadOnly              bool          `setting:"dht_read_only"`
	DHTEnforceNodeID         bool          `setting:"dht_enforce_node_id"`
	EnableLSD                bool          `setting:"enable_lsd"`
	TrackerUDPTimeout        time.Duration `setting:"tracker_udp_timeout_ms,ms"`
	TrackerCompletionTimeout time.Duration `setting:"tracker_completion_timeout,s"`
	MinAnnounceInterval      time.Duration `setting:"min_announce_interval,s"`
	TrackerBackoff           int           `setting:"tracker_backoff"` // percent

	// Load limits of .torrent files and info dicts.
	MaxBufferSize         int64 `setting:"max_buffer_size"`
	MaxDecodeDepth        int   `setting:"max_decode_depth"`
	MaxDecodeTokens       int   `setting:"max_decode_tokens"`
	MaxPieces             int   `setting:"max_pieces"`
	MaxDirectoryDepth     int   `setting:"max_directory_depth"`
	MaxDuplicateFilenames int   `setting:"max_duplicate_filenames"`

	// Queue holds the queueing settings (core/queue's table).
	Queue queue.Settings
}

// slot is one field of Resolved and the setting it holds.
type slot struct {
	field int
	name  string
	unit  time.Duration // for time.Duration fields
}

var durationType = reflect.TypeOf(time.Duration(0))

// slots maps Resolved's fields to settings; checked against the table at start-up, so a tag
// naming no setting or a field of the wrong type fails every test rather than resolving zero.
var slots = func() []slot {
	var out []slot
	rt := reflect.TypeOf(Resolved{})
	for i := 0; i < rt.NumField(); i++ {
		f := rt.Field(i)
		tag, ok := f.Tag.Lookup("setting")
		if !ok {
			continue
		}
		name, unitName, _ := strings.Cut(tag, ",")
		d, ok := defs[name]
		if !ok {
			panic(fmt.Sprintf("settings: Resolved.%s names unknown setting %q", f.Name, name))
		}
		s := slot{field: i, name: name}
		switch {
		case f.Type == durationType && d.typ == Int:
			switch unitName {
			case "s":
				s.unit = time.Second
			case "ms":
				s.unit = time.Millisecond
			default:
				panic(fmt.Sprintf("settings: Resolved.%s: a duration needs a unit (,s or ,ms)", f.Name))
			}
		case (f.Type.Kind() == reflect.Int || f.Type.Kind() == reflect.Int64) && d.typ == Int,
			f.Type.Kind() == reflect.Bool && d.typ == Bool,
			f.Type.Kind() == reflect.String && d.typ == String:
		default:
			panic(fmt.Sprintf("settings: Resolved.%s (%s) cannot hold %s setting %q", f.Name, f.Type, d.typ, name))
		}
		out = append(out, s)
	}
	return out
}()

// Resolve reads every setting of the pack once into a new Resolved.
func (s *Pack) Resolve() *Resolved {
	r := &Resolved{}
	rv := reflect.ValueOf(r).Elem()
	for _, sl := range slots {
		f := rv.Field(sl.field)
		switch {
		case sl.unit != 0:
			f.SetInt(s.Int(sl.name) * int64(sl.unit))
		case f.Kind() == reflect.Bool:
			f.SetBool(s.Bool(sl.name))
		case f.Kind() == reflect.String:
			f.SetString(s.String(sl.name))
		default:
			f.SetInt(s.Int(sl.name))
		}
	}
	r.Queue = queue.Load(s.Int, s.Bool)
	return r
}
