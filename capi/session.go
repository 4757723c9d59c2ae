package main

/*
#include "capi.h"
*/
import "C"

import (
	"time"
	"unsafe"

	"github.com/libbt/libbt/core/guard"
	"github.com/libbt/libbt/core/session"
)

func lookupSession(c call, h *C.bt_session) (*sessionObj, handleID, C.int) {
	if h == nil {
		return nil, 0, c.fail(C.BT_E_INVALID_ARG, "session is NULL")
	}
	id := ptrID(unsafe.Pointer(h))
	obj, err := lookup(id, kindSession)
	if err != nil {
		return nil, 0, c.err(err)
	}
	return obj.(*sessionObj), id, C.BT_OK
}

//export bt_session_new
func bt_session_new(settings *C.capi_csettings, out **C.bt_session) (rc C.int) {
	const c = call("bt_session_new")
	defer c.recover(&rc)
	if out == nil {
		return c.fail(C.BT_E_INVALID_ARG, "out is NULL")
	}
	*out = nil
	var p *session.Settings
	if settings != nil {
		s, rc := lookupSettings(c, (*C.bt_settings)(settings))
		if rc != C.BT_OK {
			return rc
		}
		p = s.Clone()
	}
	s, err := session.New(p)
	if err != nil {
		return c.err(err)
	}
	so := &sessionObj{s: s, torrents: map[*session.Torrent]handleID{}}
	s.SetAlertNotify(so.notify.fire)
	*out = (*C.bt_session)(idPtr(register(kindSession, so)))
	return C.BT_OK
}

//export bt_session_free
func bt_session_free(h *C.bt_session) (rc C.int) {
	const c = call("bt_session_free")
	defer c.recover(&rc)
	if h == nil {
		return C.BT_OK
	}
	// The handle (and its torrents' handles) die first, so concurrent calls fail cleanly with
	// BT_E_BAD_HANDLE; then the engine shuts down without any capi lock held.
	so, err := freeSession(ptrID(unsafe.Pointer(h)))
	if err != nil {
		return c.err(err)
	}
	so.notify.set(0, 0) // no callback runs after bt_session_free returns
	so.s.SetAlertNotify(nil)
	if err := so.s.Close(); err != nil {
		return c.err(err)
	}
	return C.BT_OK
}

//export bt_session_apply_settings
func bt_session_apply_settings(h *C.bt_session, settings *C.capi_csettings) (rc C.int) {
	const c = call("bt_session_apply_settings")
	defer c.recover(&rc)
	so, _, rc := lookupSession(c, h)
	if rc != C.BT_OK {
		return rc
	}
	p, rc := lookupSettings(c, (*C.bt_settings)(settings))
	if rc != C.BT_OK {
		return rc
	}
	if err := so.s.ApplySettings(p.Clone()); err != nil {
		return c.err(err)
	}
	return C.BT_OK
}

// applyOne applies a single setting to a running session through a one-value settings pack.
func applyOne(c call, h *C.bt_session, name *C.capi_cchar, set func(p *session.Settings, n string) error) C.int {
	so, _, rc := lookupSession(c, h)
	if rc != C.BT_OK {
		return rc
	}
	n, rc := settingName(c, name)
	if rc != C.BT_OK {
		return rc
	}
	p := session.NewSettings()
	if err := set(p, n); err != nil {
		return c.err(err)
	}
	if err := so.s.ApplySettings(p); err != nil {
		return c.err(err)
	}
	return C.BT_OK
}

//export bt_session_set_int
func bt_session_set_int(h *C.bt_session, name *C.capi_cchar, value C.int64_t) (rc C.int) {
	const c = call("bt_session_set_int")
	defer c.recover(&rc)
	return applyOne(c, h, name, func(p *session.Settings, n string) error { return p.SetInt(n, int64(value)) })
}

//export bt_session_set_bool
func bt_session_set_bool(h *C.bt_session, name *C.capi_cchar, value C.int) (rc C.int) {
	const c = call("bt_session_set_bool")
	defer c.recover(&rc)
	return applyOne(c, h, name, func(p *session.Settings, n string) error { return p.SetBool(n, cbool(value)) })
}

//export bt_session_set_str
func bt_session_set_str(h *C.bt_session, name *C.capi_cchar, value *C.capi_cchar) (rc C.int) {
	const c = call("bt_session_set_str")
	defer c.recover(&rc)
	v, ok := gostr(value)
	if !ok {
		return c.fail(C.BT_E_INVALID_ARG, "value is NULL")
	}
	return applyOne(c, h, name, func(p *session.Settings, n string) error { return p.SetString(n, v) })
}

// getSetting reads a setting of a running session, checking its name and type.
func getSetting(c call, h *C.bt_session, name *C.capi_cchar, want ...session.SettingType) (any, C.int) {
	so, _, rc := lookupSession(c, h)
	if rc != C.BT_OK {
		return nil, rc
	}
	n, rc := settingName(c, name)
	if rc != C.BT_OK {
		return nil, rc
	}
	typ, ok := session.LookupSetting(n)
	if !ok {
		return nil, c.fail(C.BT_E_UNKNOWN_SETTING, "unknown setting %q", n)
	}
	for _, w := range want {
		if typ == w {
			v, _ := so.s.Settings().Get(n)
			return v, C.BT_OK
		}
	}
	return nil, c.fail(C.BT_E_SETTING_TYPE, "%q is a %s setting, not %s", n, typ, want[0])
}

// bt_session_get_int also reads bool settings (as 0 or 1), as it did before bt_session_get_bool.
//
//export bt_session_get_int
func bt_session_get_int(h *C.bt_session, name *C.capi_cchar, out *C.int64_t) (rc C.int) {
	const c = call("bt_session_get_int")
	defer c.recover(&rc)
	if out == nil {
		return c.fail(C.BT_E_INVALID_ARG, "out is NULL")
	}
	v, rc := getSetting(c, h, name, session.IntSetting, session.BoolSetting)
	if rc != C.BT_OK {
		return rc
	}
	switch v := v.(type) {
	case int64:
		*out = C.int64_t(v)
	case bool:
		*out = C.int64_t(cint(v))
	}
	return C.BT_OK
}

//export bt_session_get_bool
func bt_session_get_bool(h *C.bt_session, name *C.capi_cchar, out *C.int) (rc C.int) {
	const c = call("bt_session_get_bool")
	defer c.recover(&rc)
	if out == nil {
		return c.fail(C.BT_E_INVALID_ARG, "out is NULL")
	}
	v, rc := getSetting(c, h, name, session.BoolSetting)
	if rc != C.BT_OK {
		return rc
	}
	b, _ := v.(bool)
	*out = cint(b)
	return C.BT_OK
}

//export bt_session_get_str
func bt_session_get_str(h *C.bt_session, name *C.capi_cchar, out **C.char) (rc C.int) {
	const c = call("bt_session_get_str")
	defer c.recover(&rc)
	if out == nil {
		return c.fail(C.BT_E_INVALID_ARG, "out is NULL")
	}
	*out = nil
	v, rc := getSetting(c, h, name, session.StringSetting)
	if rc != C.BT_OK {
		return rc
	}
	s, _ := v.(string)
	*out = C.CString(s)
	return C.BT_OK
}

//export bt_session_listen_port
func bt_session_listen_port(h *C.bt_session, outPort *C.int) (rc C.int) {
	const c = call("bt_session_listen_port")
	defer c.recover(&rc)
	if outPort == nil {
		return c.fail(C.BT_E_INVALID_ARG, "out_port is NULL")
	}
	so, _, rc := lookupSession(c, h)
	if rc != C.BT_OK {
		return rc
	}
	*outPort = C.int(so.s.ListenPort())
	return C.BT_OK
}

//export bt_session_wait_for_alert
func bt_session_wait_for_alert(h *C.bt_session, timeoutMs C.int) (rc C.int) {
	const c = call("bt_session_wait_for_alert")
	defer c.recover(&rc)
	if timeoutMs < -1 {
		return c.fail(C.BT_E_INVALID_ARG, "timeout_ms %d: want -1 (forever) or >= 0", int(timeoutMs))
	}
	so, id, rc := lookupSession(c, h)
	if rc != C.BT_OK {
		return rc
	}
	timeout := time.Duration(timeoutMs) * time.Millisecond
	if timeoutMs < 0 {
		timeout = -1
	}
	// No capi lock is held while waiting: bt_session_free on another thread unregisters the
	// handle and closes the session, which wakes us.
	if so.s.WaitForAlert(timeout) {
		return 1
	}
	if _, err := lookup(id, kindSession); err != nil {
		return c.fail(C.BT_E_BAD_HANDLE, "the session was freed while waiting")
	}
	return 0
}

//export bt_session_set_alert_notify
func bt_session_set_alert_notify(h *C.bt_session, fn C.bt_alert_notify_fn, userdata unsafe.Pointer) (rc C.int) {
	const c = call("bt_session_set_alert_notify")
	defer c.recover(&rc)
	so, _, rc := lookupSession(c, h)
	if rc != C.BT_OK {
		return rc
	}
	// The engine always holds so.notify.fire; only the C function behind it changes.
	so.notify.set(uintptr(unsafe.Pointer(fn)), uintptr(userdata))
	// Alerts already queued would never make the queue go from empty to non-empty again:
	// notify once now, from a libbt goroutine as always.
	if fn != nil && so.s.WaitForAlert(0) {
		guard.Go("alert notify", so.notify.fire, nil)
	}
	return C.BT_OK
}
