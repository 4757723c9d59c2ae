package webseed

import (
	"errors"
	"fmt"
	"time"
)

// Sentinel errors, matched with errors.Is on an *Error.
var (
	ErrStatus    = errors.New("unexpected HTTP status")
	ErrBadRange  = errors.New("server answered with another range")
	ErrBadLength = errors.New("response body has the wrong length")
	ErrRedirects = errors.New("too many redirects")
	ErrTimeout   = errors.New("no data from the server")
	ErrTransport = errors.New("request failed")
)

// Error is a failed web seed request.
type Error struct {
	URL        string        // the URL requested (before redirects)
	Status     int           // the HTTP status received, 0 when none was
	RetryAfter time.Duration // the server's hint (Retry-After, BEP 17 503 body), 0 if none
	Kind       error         // one of the sentinel errors above
	Detail     string        // what exactly was wrong
	Err        error         // the underlying transport error, if any
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("webseed: GET %s: %v", e.URL, e.Kind)
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	if e.RetryAfter > 0 {
		msg += fmt.Sprintf(" (retry after %s)", e.RetryAfter)
	}
	return msg
}

// Is matches the error's kind, so errors.Is(err, ErrStatus) works.
func (e *Error) Is(target error) bool { return target == e.Kind }

// Unwrap returns the transport error, if any.
func (e *Error) Unwrap() error { return e.Err }
