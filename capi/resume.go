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

// errOutOfMemory is a failed C allocation of n bytes.
type errOutOfMemory int

func (n errOutOfMemory) Error() string { return fmt.Sprintf("out of memory for %d bytes", int(n)) }

// cBytes copies b into C memory that the caller frees with bt_free (at least one byte, so the
// pointer is never NULL on success).
func cBytes(b []byte) (*C.uint8_t, error) {
	mem := C.malloc(C.size_t(max(len(b), 1)))
	if mem == nil {
		return nil, errOutOfMemory(len(b))
	}
	copy(unsafe.Slice((*byte)(mem), len(b)), b)
	return (*C.uint8_t)(mem), nil
}

//export bt_torrent_save_resume_data
func bt_torrent_save_resume_data(h *C.bt_torrent, out **C.uint8_t, size *C.size_t) (rc C.int) {
	const c = call("bt_torrent_save_resume_data")
	defer c.recover(&rc)
	if out == nil || size == nil {
		return c.fail(C.BT_E_INVALID_ARG, "out or size is NULL")
	}
	*out, *size = nil, 0
	tr, rc := lookupTorrent(c, h)
	if rc != C.BT_OK {
		return rc
	}
	data, err := tr.t.SaveResumeData()
	if err != nil {
		// The handle is the only argument: the engine's "invalid argument" here means the
		// torrent's state (its files are being checked).
		if errors.Is(err, session.ErrInvalidArgument) {
			return c.fail(C.BT_E_STATE, "%v", err)
		}
		return c.err(err)
	}
	mem, err := cBytes(data)
	if err != nil {
		return c.fail(C.BT_E_INTERNAL, "%v", err)
	}
	*out, *size = mem, C.size_t(len(data))
	return C.BT_OK
}

//export bt_write_resume_file
func bt_write_resume_file(path *C.capi_cchar, data *C.capi_cuint8, size C.size_t) (rc C.int) {
	const c = call("bt_write_resume_file")
	defer c.recover(&rc)
	p, ok := gostr(path)
	if !ok {
		return c.fail(C.BT_E_INVALID_ARG, "path is NULL")
	}
	if p == "" {
		return c.fail(C.BT_E_INVALID_ARG, "path is empty")
	}
	if data == nil && size > 0 {
		return c.fail(C.BT_E_INVALID_ARG, "data is NULL but size is %d", uint64(size))
	}
	if size > 1<<30 {
		return c.fail(C.BT_E_INVALID_ARG, "size %d is not a plausible size", uint64(size))
	}
	var b []byte
	if size > 0 {
		b = unsafe.Slice((*byte)(unsafe.Pointer(data)), int(size)) // only read during the call
	}
	if err := session.WriteResumeFile(p, b); err != nil {
		return c.err(err)
	}
	return C.BT_OK
}
