package session

import "time"

// wireSettings are the peer-wire settings (piece_timeout, request_timeout,
// max_allowed_in_request_queue, the send-buffer watermarks; their table is in core/settings)
// as a torrent holds them: copied from the resolved settings once a tick.
type wireSettings struct {
	maxInRequests                                int
	lowWatermark, highWatermark, watermarkFactor int64
	pieceTimeout, requestTimeout                 time.Duration
}

func (s *Session) wireSettings() wireSettings {
	st := s.conf()
	return wireSettings{
		maxInRequests:   st.MaxAllowedInRequestQueue,
		lowWatermark:    st.SendBufferLowWatermark,
		highWatermark:   st.SendBufferWatermark,
		watermarkFactor: st.SendBufferWatermarkFactor,
		pieceTimeout:    st.PieceTimeout,
		requestTimeout:  st.RequestTimeout,
	}
}
