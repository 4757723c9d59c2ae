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
)
