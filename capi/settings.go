package main

/*
#include "capi.h"
*/
import "C"

import (
	"errors"
	"unsafe"

	"github.com/libbt/libbt/core/session"
)

func lookupSettings(c call, h *C.bt_settings) (*session.Settings, C.int) {
	if h == nil {
		return nil, c.fail(C.BT_E_INVALID_ARG, "settings is NULL")
	}
	obj, err := lookup(ptrID(unsafe.Pointer(h)), kindSettings)
	if err != nil {
		return nil, c.err(err)
	}
	return obj.(*session.Settings), C.BT_OK
}

//export bt_settings_new
func bt_settings_new(out **C.bt_settings) (rc C.int) {
	const c = call("bt_settings_new")
	defer c.recover(&rc)
	if out == nil {
		return c.fail(C.BT_E_INVALID_ARG, "out is NULL")
	}
	*out = (*C.bt_settings)(idPtr(register(kindSettings, session.NewSettings())))
	return C.BT_OK
}

//export bt_settings_free
func bt_settings_free(h *C.bt_settings) {
	const c = call("bt_settings_free")
	defer c.recoverVoid()
	if h == nil {
		return
	}
	if _, err := unregister(ptrID(unsafe.Pointer(h)), kindSettings); err != nil {
		c.err(err)
	}
}

// settingName validates a setting name argument.
func settingName(c call, name *C.capi_cchar) (string, C.int) {
	n, ok := gostr(name)
	if !ok {
		return "", c.fail(C.BT_E_INVALID_ARG, "name is NULL")
	}
	return n, C.BT_OK
}

// setSetting is the body of the bt_settings_set_* functions: check the handle and the name,
// then set.
func setSetting(c call, h *C.bt_settings, name *C.capi_cchar, set func(s *session.Settings, name string) error) C.int {
	s, rc := lookupSettings(c, h)
	if rc != C.BT_OK {
		return rc
	}
	n, rc := settingName(c, name)
	if rc != C.BT_OK {
		return rc
	}
	if err := set(s, n); err != nil {
		return c.err(err)
	}
	return C.BT_OK
}

//export bt_settings_set_int
func bt_settings_set_int(h *C.bt_settings, name *C.capi_cchar, value C.int64_t) (rc C.int) {
	const c = call("bt_settings_set_int")
	defer c.recover(&rc)
	return setSetting(c, h, name, func(s *session.Settings, n string) error { return s.SetInt(n, int64(value)) })
}

//export bt_settings_set_bool
func bt_settings_set_bool(h *C.bt_settings, name *C.capi_cchar, value C.int) (rc C.int) {
	const c = call("bt_settings_set_bool")
	defer c.recover(&rc)
	return setSetting(c, h, name, func(s *session.Settings, n string) error { return s.SetBool(n, cbool(value)) })
}

//export bt_settings_set_str
func bt_settings_set_str(h *C.bt_settings, name *C.capi_cchar, value *C.capi_cchar) (rc C.int) {
	const c = call("bt_settings_set_str")
	defer c.recover(&rc)
	return setSetting(c, h, name, func(s *session.Settings, n string) error {
		v, ok := gostr(value)
		if !ok {
			return errInvalid{errors.New("value is NULL")}
		}
		return s.SetString(n, v)
	})
}

// settingKind maps a Go setting type onto bt_setting_kind.
func settingKind(t session.SettingType) (C.int, bool) {
	switch t {
	case session.IntSetting:
		return C.BT_SETTING_INT, true
	case session.BoolSetting:
		return C.BT_SETTING_BOOL, true
	case session.StringSetting:
		return C.BT_SETTING_STR, true
	}
	return 0, false
}

//export bt_setting_type
func bt_setting_type(name *C.capi_cchar, typ *C.int) (rc C.int) {
	const c = call("bt_setting_type")
	defer c.recover(&rc)
	if typ == nil {
		return c.fail(C.BT_E_INVALID_ARG, "type is NULL")
	}
	*typ = 0
	n, rc := settingName(c, name)
	if rc != C.BT_OK {
		return rc
	}
	t, ok := session.LookupSetting(n)
	if !ok {
		return c.fail(C.BT_E_UNKNOWN_SETTING, "unknown setting %q", n)
	}
	k, ok := settingKind(t)
	if !ok {
		return c.fail(C.BT_E_INTERNAL, "setting %q has a type (%s) the C API does not know", n, t)
	}
	*typ = k
	return C.BT_OK
}
