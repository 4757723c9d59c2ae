package session

import "time"

// The peer-wire settings: libtorrent's names and defaults (settings_pack.cpp). They live here
// rather than in settings.go's table to keep the concerns apart; init adds them to it.
var wireSettingDefs = map[string]settingDef{
	// Seconds without a block while requests are out before they time out.
	"piece_timeout": {IntSetting, int64(20), intRange(1, 3600)},
	// Seconds: the upper bound of the per-peer adaptive request timeout (mean + 4 deviations of
	// the peer's request times, at least 2 s).
	"request_timeout": {IntSetting, int64(60), intRange(2, 3600)},
	// Requests a peer may queue with us (16 bytes each); more are rejected (BEP 6) or dropped.
	"max_allowed_in_request_queue": {IntSetting, int64(2000), intRange(1, 100000)},
	// A peer's send-buffer target is its upload rate times send_buffer_watermark_factor percent,
	// within [send_buffer_low_watermark, send_buffer_watermark] bytes; disk reads for the peer
	// wait while its send buffer plus reads in flight are above it.
	"send_buffer_low_watermark":    {IntSetting, int64(10 << 10), intRange(1, 64<<20)},
	"send_buffer_watermark":        {IntSetting, int64(500 << 10), intRange(16<<10, 64<<20)},
	"send_buffer_watermark_factor": {IntSetting, int64(50), intRange(1, 10000)},
}

func init() {
	for name, d := range wireSettingDefs {
		settingDefs[name] = d
	}
}

// wireSettings are the peer-wire settings a torrent reads once a tick rather than per message
// (the settings map is behind a mutex).
type wireSettings struct {
	maxInRequests                                int
	lowWatermark, highWatermark, watermarkFactor int64
	pieceTimeout, requestTimeout                 time.Duration
}

func (s *Session) wireSettings() wireSettings {
	st := s.settings
	return wireSettings{
		maxInRequests:   int(st.Int("max_allowed_in_request_queue")),
		lowWatermark:    st.Int("send_buffer_low_watermark"),
		highWatermark:   st.Int("send_buffer_watermark"),
		watermarkFactor: st.Int("send_buffer_watermark_factor"),
		pieceTimeout:    time.Duration(st.Int("piece_timeout")) * time.Second,
		requestTimeout:  time.Duration(st.Int("request_timeout")) * time.Second,
	}
}
