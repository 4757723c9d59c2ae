package main

/*
#include "capi.h"
*/
import "C"

import (
	"encoding/hex"
	"sync"
	"unsafe"

	"github.com/libbt/libbt/core/metainfo"
	"github.com/libbt/libbt/core/session"
)

// alertBatch is a popped batch: n bt_alert structs followed by their strings, in one C.malloc'd
// block that C reads directly and bt_alerts_free releases.
type alertBatch struct {
	mem    unsafe.Pointer // C memory, nil for an empty batch
	alerts []C.bt_alert   // view of mem
}

func (b *alertBatch) free() {
	if b.mem != nil {
		C.free(b.mem)
	}
	b.mem, b.alerts = nil, nil
}

// alertStrings are the string fields of one alert, in bt_alert order.
type alertStrings struct {
	infoHash, message, endpoint, url, path, operation string
}

func stringsOf(a *session.Alert) alertStrings {
	s := alertStrings{
		message:   a.Message,
		endpoint:  a.Endpoint,
		url:       a.URL,
		path:      a.Path,
		operation: a.Operation,
	}
	if a.InfoHash != (metainfo.InfoHash{}) {
		s.infoHash = hex.EncodeToString(a.InfoHash[:])
	}
	if s.message == "" && a.Err != nil {
		s.message = a.Err.Error()
	}
	return s
}

// newAlertBatch copies alerts into C memory. A torrent removed through bt_session_remove_torrent,
// or whose session is freed, is reported as NULL.
func newAlertBatch(sid handleID, alerts []session.Alert) *alertBatch {
	if len(alerts) == 0 {
		return &alertBatch{}
	}
	strs := make([]alertStrings, len(alerts))
	structBytes := len(alerts) * int(unsafe.Sizeof(C.bt_alert{}))
	size := structBytes + 1 // one shared "" at the end
	for i := range alerts {
		s := stringsOf(&alerts[i])
		strs[i] = s
		for _, f := range [...]string{s.infoHash, s.message, s.endpoint, s.url, s.path, s.operation} {
			if f != "" {
				size += len(f) + 1
			}
		}
	}
	mem := C.calloc(1, C.size_t(size))
	if mem == nil {
		panic("out of memory for an alert batch")
	}
	arena := unsafe.Slice((*byte)(mem), size)
	empty := (*C.char)(unsafe.Pointer(&arena[size-1]))
	pos := structBytes
	put := func(s string) *C.char {
		if s == "" {
			return empty
		}
		p := (*C.char)(unsafe.Pointer(&arena[pos]))
		copy(arena[pos:], s)
		pos += len(s) + 1 // calloc left the terminator
		return p
	}
	out := unsafe.Slice((*C.bt_alert)(mem), len(alerts))
	for i := range alerts {
		a, s := &alerts[i], strs[i]
		ca := &out[i]
		ca.version = C.BT_ALERT_VERSION
		ca._type = C.int(a.Type)
		ca.category = C.uint32_t(a.Category())
		if !a.Time.IsZero() {
			ca.timestamp_us = C.int64_t(a.Time.UnixMicro())
		}
		if a.Torrent != nil {
			// Get-or-create: a torrent_added alert may be popped (on another thread) before
			// bt_session_add_torrent has registered the handle it returns; both get the same id.
			if id := torrentID(sid, a.Torrent); id != 0 {
				ca.torrent = (*C.bt_torrent)(idPtr(id))
			}
		}
		ca.info_hash = put(s.infoHash)
		ca.message = put(s.message)
		if a.Err != nil {
			ca.error = alertErrorCode(a.Type, a.Err)
		}
		ca.state = C.int(a.State)
		ca.prev_state = C.int(a.PrevState)
		ca.piece = C.int64_t(a.Piece)
		ca.count = C.int64_t(a.Count)
		ca.endpoint = put(s.endpoint)
		ca.url = put(s.url)
		ca.path = put(s.path)
		ca.operation = put(s.operation)
	}
	return &alertBatch{mem: mem, alerts: out}
}

func lookupAlerts(c call, h *C.capi_calerts) (*alertBatch, C.int) {
	if h == nil {
		return nil, c.fail(C.BT_E_INVALID_ARG, "alerts is NULL")
	}
	obj, err := lookup(ptrID(unsafe.Pointer(h)), kindAlerts)
	if err != nil {
		return nil, c.err(err)
	}
	return obj.(*alertBatch), C.BT_OK
}

//export bt_session_pop_alerts
func bt_session_pop_alerts(h *C.bt_session, out **C.bt_alerts) (rc C.int) {
	const c = call("bt_session_pop_alerts")
	defer c.recover(&rc)
	if out == nil {
		return c.fail(C.BT_E_INVALID_ARG, "out is NULL")
	}
	*out = nil
	so, sid, rc := lookupSession(c, h)
	if rc != C.BT_OK {
		return rc
	}
	b := newAlertBatch(sid, so.s.PopAlerts())
	*out = (*C.bt_alerts)(idPtr(register(kindAlerts, b)))
	return C.BT_OK
}

//export bt_alerts_count
func bt_alerts_count(h *C.capi_calerts, out *C.size_t) (rc C.int) {
	const c = call("bt_alerts_count")
	defer c.recover(&rc)
	if out == nil {
		return c.fail(C.BT_E_INVALID_ARG, "out is NULL")
	}
	b, rc := lookupAlerts(c, h)
	if rc != C.BT_OK {
		return rc
	}
	*out = C.size_t(len(b.alerts))
	return C.BT_OK
}

//export bt_alerts_get
func bt_alerts_get(h *C.capi_calerts, index C.size_t, out *C.bt_alert) (rc C.int) {
	const c = call("bt_alerts_get")
	defer c.recover(&rc)
	if out == nil {
		return c.fail(C.BT_E_INVALID_ARG, "out is NULL")
	}
	size, rc := structSize(c, C.CAPI_ALERT, out.version)
	if rc != C.BT_OK {
		return rc
	}
	b, rc := lookupAlerts(c, h)
	if rc != C.BT_OK {
		return rc
	}
	if index >= C.size_t(len(b.alerts)) {
		return c.fail(C.BT_E_INVALID_ARG, "index %d is outside the batch of %d", uint64(index), len(b.alerts))
	}
	// The batch holds the newest layout; the caller gets the fields of its version.
	a := b.alerts[index]
	a.version = out.version
	copyPrefix(unsafe.Pointer(out), unsafe.Pointer(&a), size)
	return C.BT_OK
}

//export bt_alerts_free
func bt_alerts_free(h *C.bt_alerts) {
	const c = call("bt_alerts_free")
	defer c.recoverVoid()
	if h == nil {
		return
	}
	obj, err := unregister(ptrID(unsafe.Pointer(h)), kindAlerts)
	if err != nil {
		c.err(err)
		return
	}
	obj.(*alertBatch).free()
}

// alertTypeNames holds the C copies of the alert type names, index 0 being "unknown". A fixed
// global array, not a map: it sits in the library's data segment, where leak checkers (LSan,
// valgrind) see the pointers and know the strings are reachable.
var (
	alertTypeNames     [64]*C.capi_cchar
	alertTypeNamesOnce sync.Once
)

func alertTypeName(t int) *C.capi_cchar {
	alertTypeNamesOnce.Do(func() {
		for i := range alertTypeNames {
			if i == 0 || session.AlertType(i).String() != "unknown" {
				alertTypeNames[i] = staticCString(session.AlertType(i).String())
			}
		}
	})
	if t > 0 && t < len(alertTypeNames) && alertTypeNames[t] != nil {
		return alertTypeNames[t]
	}
	return alertTypeNames[0]
}

//export bt_alert_type_name
func bt_alert_type_name(typ C.int) (name *C.capi_cchar) {
	defer func() {
		if recover() != nil {
			name = alertTypeNames[0]
		}
	}()
	return alertTypeName(int(typ))
}
