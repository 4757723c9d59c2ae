package disk

import (
	"errors"
	"fmt"
)

var (
	// ErrNotFound reports that the requested bytes are not on disk: the file
	// that should hold them does not exist or is shorter than the range. For
	// verification this means "piece missing", decided without reading.
	ErrNotFound = errors.New("disk: data not on disk")
	// ErrClosed is returned for operations on a closed Storage or IO.
	ErrClosed = errors.New("disk: closed")
	// ErrPathEscape is returned when a file path would resolve outside the
	// save directory (a "..", absolute or empty component, or a symlink).
	ErrPathEscape = errors.New("disk: path escapes save directory")
	// ErrOutOfRange is returned for reads and writes outside [0, Length).
	ErrOutOfRange = errors.New("disk: range outside torrent data")
)

// FileError carries the file and the operation that failed.
type FileError struct {
	Path string // absolute path of the file (or directory for "mkdir")
	Op   string // "open", "read", "write", "truncate", "mkdir", "stat", "remove", "sync", "allocate", "move"
	Err  error
}

func (e *FileError) Error() string {
	return fmt.Sprintf("disk: %s %s: %v", e.Op, e.Path, e.Err)
}

func (e *FileError) Unwrap() error { return e.Err }
