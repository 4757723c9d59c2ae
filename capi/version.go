package main

/*
#include "capi.h"
*/
import "C"

import (
	"strconv"
	"strings"
	"sync"

	"github.com/libbt/libbt/core/session"
)

// versionC is a global (not a closure's capture) so leak checkers see the pointer.
var (
	versionC     *C.capi_cchar
	versionCOnce sync.Once
)

// versionNumber is MAJOR*10000+MINOR*100+PATCH of session.Version.
func versionNumber(v string) int {
	n := 0
	parts := strings.SplitN(v, ".", 3)
	for i := range 3 {
		n *= 100
		if i < len(parts) {
			d, _ := strconv.Atoi(parts[i])
			n += d
		}
	}
	return n
}

//export bt_version
func bt_version() *C.capi_cchar {
	versionCOnce.Do(func() { versionC = staticCString(session.Version) })
	return versionC
}

//export bt_version_number
func bt_version_number() C.int { return C.int(versionNumber(session.Version)) }
