package main

/*
#include "capi.h"
*/
import "C"

import "unsafe"

// arrayLayout is structSize for an array the caller allocated: the first element's version
// (read by first, only when capacity > 0) chooses the layout of the whole array (see libbt.h).
// It returns the element stride and that version; both are 0 for an empty array.
func arrayLayout(c call, kind C.capi_struct, capacity C.size_t, first func() C.uint) (uintptr, C.uint, C.int) {
	if capacity == 0 {
		return 0, 0, C.BT_OK
	}
	version := first()
	size, rc := structSize(c, kind, version)
	return size, version, rc
}

// structSize checks the version member of a struct the caller passed and returns the size of
// that version: the only bytes of the caller's struct that may be read or written. An unknown
// version (0, or newer than this libbt) fails with BT_E_VERSION and a message naming the struct.
func structSize(c call, kind C.capi_struct, version C.uint) (uintptr, C.int) {
	size := C.capi_struct_size(kind, version)
	if size == 0 {
		fn := C.CString(string(c))
		defer C.free(unsafe.Pointer(fn))
		C.capi_version_error(fn, kind, version)
		return 0, C.BT_E_VERSION
	}
	return uintptr(size), C.BT_OK
}

// copyPrefix copies the first size bytes of src to dst: an older version's struct is a prefix of
// the newest one (fields are only appended), so reading a caller's struct into a zeroed newest
// one, or writing the newest one out to a caller's, moves exactly the fields both have.
func copyPrefix(dst, src unsafe.Pointer, size uintptr) {
	copy(unsafe.Slice((*byte)(dst), size), unsafe.Slice((*byte)(src), size))
}
