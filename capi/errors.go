package main

/*
#include "capi.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"unsafe"

	"github.com/libbt/libbt/core/session"
)

// call is the name of the export being run; it prefixes every error message.
type call string

// recover turns a panic into BT_E_INTERNAL. Use as `defer c.recover(&rc)` (it must be the
// deferred function itself for recover to work).
func (c call) recover(rc *C.int) {
	if r := recover(); r != nil {
		setLastError(fmt.Sprintf("internal error in %s: %v", string(c), r))
		*rc = C.BT_E_INTERNAL
	}
}

// recoverVoid is recover for exports that return nothing.
func (c call) recoverVoid() {
	if r := recover(); r != nil {
		setLastError(fmt.Sprintf("internal error in %s: %v", string(c), r))
	}
}

// fail sets the message "bt_xxx: msg" and returns code.
func (c call) fail(code C.int, format string, args ...any) C.int {
	setLastError(string(c) + ": " + fmt.Sprintf(format, args...))
	return code
}

// err maps err onto a BT_E_* code and sets its message.
func (c call) err(err error) C.int {
	setLastError(string(c) + ": " + err.Error())
	return errorCode(err)
}

func setLastError(msg string) {
	if msg == "" {
		C.capi_set_last_error(nil, 0)
		return
	}
	// The Go string's bytes are only read during the call, which cgo allows.
	C.capi_set_last_error((*C.char)(unsafe.Pointer(unsafe.StringData(msg))), C.size_t(len(msg)))
}

// errParse marks a metainfo.Parse / ParseMagnet failure (BT_E_PARSE).
type errParse struct{ err error }

func (e errParse) Error() string { return e.err.Error() }
func (e errParse) Unwrap() error { return e.err }

// errInvalid marks an argument rejected by capi itself or by metainfo.Create (BT_E_INVALID_ARG).
type errInvalid struct{ err error }

func (e errInvalid) Error() string { return e.err.Error() }
func (e errInvalid) Unwrap() error { return e.err }

// errorCode maps an engine error onto BT_E_*. The order matters: a recovered panic first, then
// capi's own wrappers around the engine's classes (session.Classify), then file-system errors.
func errorCode(err error) C.int {
	var (
		bad     errBadHandle
		parse   errParse
		invalid errInvalid
	)
	if err == nil {
		return C.BT_OK
	}
	class := session.Classify(err)
	switch {
	case class == session.ErrorInternal: // a recovered panic, whatever it wraps
		return C.BT_E_INTERNAL
	case errors.As(err, &bad):
		return C.BT_E_BAD_HANDLE
	case class == session.ErrorLimit:
		// Before errParse: a parser that stops at a bound reports the limit, not malformed input.
		return C.BT_E_LIMIT
	case errors.As(err, &parse):
		return C.BT_E_PARSE
	}
	if code, ok := classCodes[class]; ok {
		return code
	}
	if errors.As(err, &invalid) {
		return C.BT_E_INVALID_ARG
	}
	// An error the engine did not classify: report it rather than guess a code, so the missing
	// sentinel shows up in tests.
	return C.BT_E_INTERNAL
}

// classCodes maps the engine's error classes onto BT_E_* codes.
var classCodes = map[session.ErrorClass]C.int{
	session.ErrorInternal:        C.BT_E_INTERNAL,
	session.ErrorLimit:           C.BT_E_LIMIT,
	session.ErrorParse:           C.BT_E_PARSE,
	session.ErrorUnknownSetting:  C.BT_E_UNKNOWN_SETTING,
	session.ErrorSettingType:     C.BT_E_SETTING_TYPE,
	session.ErrorInvalidArgument: C.BT_E_INVALID_ARG,
	session.ErrorExists:          C.BT_E_EXISTS,
	session.ErrorState:           C.BT_E_STATE,
	session.ErrorClosed:          C.BT_E_BAD_HANDLE,
	session.ErrorNetwork:         C.BT_E_NETWORK,
	session.ErrorNotFound:        C.BT_E_NOT_FOUND,
	session.ErrorTimeout:         C.BT_E_TIMEOUT,
	session.ErrorIO:              C.BT_E_IO,
}

// alertErrorCode is errorCode for the error of an alert: what the engine did not classify is
// given the code of the alert's kind of failure rather than BT_E_INTERNAL.
func alertErrorCode(t session.AlertType, err error) C.int {
	code := errorCode(err)
	if code != C.BT_E_INTERNAL || errors.Is(err, session.ErrInternal) {
		return code
	}
	switch t {
	case session.AlertFileError:
		return C.BT_E_IO
	case session.AlertTrackerError, session.AlertTrackerWarning, session.AlertListenFailed,
		session.AlertPeerError, session.AlertPeerDisconnected:
		return C.BT_E_NETWORK
	case session.AlertMetadataFailed:
		return C.BT_E_PARSE
	case session.AlertTorrentError:
		return C.BT_E_STATE
	case session.AlertFastResumeRejected, session.AlertAddTorrentFailed:
		return C.BT_E_PARSE // resume data or metadata that did not parse or does not fit
	}
	return code
}
