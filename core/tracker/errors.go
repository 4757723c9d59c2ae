package tracker

import (
	"errors"
	"fmt"
	"time"
)

var (
	// ErrUnsupportedScheme is returned for announce URLs that are not
	// http, https or udp.
	ErrUnsupportedScheme = errors.New("unsupported announce URL scheme")
	// ErrMalformedResponse wraps every error about the shape of a tracker's
	// reply.
	ErrMalformedResponse = errors.New("malformed tracker response")
	// ErrTimeout is returned when a UDP tracker did not answer within all
	// retries.
	ErrTimeout = errors.New("tracker did not respond")
)

// Error is what Client.Announce returns: the tracker URL and the cause.
type Error struct {
	URL string
	Err error
}

func (e *Error) Error() string { return fmt.Sprintf("tracker %s: %v", e.URL, e.Err) }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// FailureError means the tracker answered and refused the announce: an
// HTTP "failure reason" or a UDP error action (3).
type FailureError struct {
	Reason string
	// RetryIn is how long the tracker asked us to wait before the next
	// announce: BEP 31's "retry in", else the "min interval" or "interval"
	// sent with the failure; zero when it said nothing (or over UDP).
	RetryIn time.Duration
	// Never is BEP 31's "retry in: never": announce to this tracker no more.
	Never bool
}

func (e *FailureError) Error() string { return "tracker failure: " + e.Reason }

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformedResponse, fmt.Sprintf(format, args...))
}
