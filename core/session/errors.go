package session

import (
	"context"
	"errors"
	"io/fs"
	"net"
	"os"

	"github.com/libbt/libbt/core/limits"
	"github.com/libbt/libbt/dht"
	"github.com/libbt/libbt/disk"
)

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

// ErrorClass is what kind of failure an error of the engine is: the C API maps each onto one
// BT_E_* code.
type ErrorClass int

const (
	ErrorUnclassified    ErrorClass = iota // not an error of the engine's (or nil)
	ErrorInternal                          // a recovered panic (ErrInternal), whatever it wraps
	ErrorLimit                             // past a named limit (limits.ErrLimit)
	ErrorParse                             // malformed input: a torrent, an item's signature
	ErrorUnknownSetting                    // ErrUnknownSetting
	ErrorSettingType                       // ErrSettingType
	ErrorInvalidArgument                   // an argument refused
	ErrorExists                            // ErrDuplicateTorrent
	ErrorState                             // not possible in this state: no metadata, the DHT off
	ErrorClosed                            // the session, the torrent or the DHT is gone
	ErrorNetwork                           // a network failure
	ErrorNotFound                          // a DHT item nobody holds
	ErrorTimeout                           // a deadline passed
	ErrorIO                                // a file-system failure
)

// Classify says what kind of failure err is, looking through wrapping. The order matters: a
// recovered panic first, then a limit (a parser stopped at a bound reports the limit), then the
// session's sentinels, the DHT's, deadlines, file-system and network errors.
func Classify(err error) ErrorClass {
	var (
		fileErr *disk.FileError
		pathErr *fs.PathError
		netErr  net.Error
	)
	switch {
	case err == nil:
		return ErrorUnclassified
	case errors.Is(err, ErrInternal):
		return ErrorInternal
	case errors.Is(err, limits.ErrLimit):
		return ErrorLimit
	case errors.Is(err, ErrInvalidTorrent):
		return ErrorParse
	case errors.Is(err, ErrUnknownSetting):
		return ErrorUnknownSetting
	case errors.Is(err, ErrSettingType):
		return ErrorSettingType
	case errors.Is(err, ErrInvalidArgument):
		return ErrorInvalidArgument
	case errors.Is(err, ErrDuplicateTorrent):
		return ErrorExists
	case errors.Is(err, ErrNoMetadata), errors.Is(err, ErrDHTOff):
		return ErrorState
	case errors.Is(err, ErrClosed), errors.Is(err, ErrTorrentRemoved):
		return ErrorClosed
	case errors.Is(err, ErrNetwork):
		return ErrorNetwork
	case errors.Is(err, dht.ErrNotFound):
		return ErrorNotFound
	case errors.Is(err, dht.ErrValueTooBig), errors.Is(err, dht.ErrSaltTooBig), errors.Is(err, dht.ErrBadValue):
		return ErrorInvalidArgument
	case errors.Is(err, dht.ErrBadSignature):
		return ErrorParse
	case errors.Is(err, dht.ErrClosed):
		return ErrorClosed
	case errors.Is(err, dht.ErrTimeout):
		return ErrorTimeout
	case errors.Is(err, dht.ErrNoNodes), errors.Is(err, dht.ErrNoSocket):
		return ErrorNetwork
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return ErrorTimeout
	case errors.As(err, &fileErr), errors.As(err, &pathErr), errors.Is(err, fs.ErrNotExist),
		errors.Is(err, fs.ErrPermission), errors.Is(err, fs.ErrExist):
		return ErrorIO
	case errors.As(err, &netErr):
		if netErr.Timeout() {
			return ErrorTimeout
		}
		return ErrorNetwork
	}
	return ErrorUnclassified
}
