package session

import "errors"

// Sentinel errors, matched with errors.Is; the C API maps them onto BT_E_* codes.
var (
	ErrInvalidArgument  = errors.New("invalid argument")
	ErrDuplicateTorrent = errors.New("torrent is already in the session")
	ErrNoMetadata       = errors.New("torrent has no metadata yet")
	ErrClosed           = errors.New("session is closed")
	ErrTorrentRemoved   = errors.New("torrent was removed")
	ErrNetwork          = errors.New("network error")
	// ErrInvalidTorrent wraps why a .torrent (file or bytes) or an info dict could not be
	// loaded: malformed, or past a load limit (then errors.Is(err, limits.ErrLimit) too).
	ErrInvalidTorrent = errors.New("invalid torrent")
)
