package main

/*
#include "capi.h"
*/
import "C"

import (
	"unsafe"
)

// gostr copies a C string; ok is false for NULL.
func gostr(p *C.capi_cchar) (string, bool) {
	if p == nil {
		return "", false
	}
	return C.GoString((*C.char)(unsafe.Pointer(p))), true
}

// cbool converts a C truth value.
func cbool(v C.int) bool { return v != 0 }

func cint(b bool) C.int {
	if b {
		return 1
	}
	return 0
}

// staticCString returns a C copy of s that is never freed; for the few constant strings
// (version, alert type names) handed out as `const char *`.
func staticCString(s string) *C.capi_cchar {
	return (*C.capi_cchar)(unsafe.Pointer(C.CString(s)))
}
