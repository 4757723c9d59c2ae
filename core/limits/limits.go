// Package limits holds the error every bound on hostile input reports: which limit (libtorrent's
// name where it has one), the value seen and the bound. Parsers, the metadata exchange and the
// peer wire return it so that a user, a log and the C API (BT_E_LIMIT) can all name the limit.
package limits

import (
	"errors"
	"fmt"
)

// ErrLimit matches every *Error with errors.Is.
var ErrLimit = errors.New("limit exceeded")

// Error reports input past a bound. Value is what was seen when reading stopped, which may be
// only the first value past Max (a reader that stops at the bound never learns the full size).
type Error struct {
	Limit string // the setting or field that bounds it, e.g. "max_decode_tokens"
	Value int64
	Max   int64
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s exceeded: %d > %d", e.Limit, e.Value, e.Max)
}

// Is makes errors.Is(err, ErrLimit) true for every *Error.
func (e *Error) Is(target error) bool { return target == ErrLimit }

// Check returns an *Error when value > max, else nil.
func Check(limit string, value, max int64) error {
	if value > max {
		return &Error{Limit: limit, Value: value, Max: max}
	}
	return nil
}
