package main

/*
#include "capi.h"
*/
import "C"

import "unsafe"

//export bt_session_disk_stats
func bt_session_disk_stats(h *C.bt_session, out *C.bt_disk_stats) (rc C.int) {
	const c = call("bt_session_disk_stats")
	defer c.recover(&rc)
	if out == nil {
		return c.fail(C.BT_E_INVALID_ARG, "out is NULL")
	}
	size, rc := structSize(c, C.CAPI_DISK_STATS, out.version)
	if rc != C.BT_OK {
		return rc
	}
	so, _, rc := lookupSession(c, h)
	if rc != C.BT_OK {
		return rc
	}
	st := so.s.DiskStats()
	full := C.bt_disk_stats{
		version:            out.version,
		read_hits:          C.uint64_t(st.ReadHits),
		read_misses:        C.uint64_t(st.ReadMisses),
		read_syscalls:      C.uint64_t(st.ReadSyscalls),
		write_syscalls:     C.uint64_t(st.WriteSyscalls),
		read_bytes:         C.uint64_t(st.ReadBytes),
		write_bytes:        C.uint64_t(st.WriteBytes),
		pieces_flushed:     C.uint64_t(st.PiecesFlushed),
		pieces_failed:      C.uint64_t(st.PiecesFailed),
		hash_read_backs:    C.uint64_t(st.HashReadBacks),
		read_back_blocks:   C.uint64_t(st.ReadBackBlocks),
		write_throughs:     C.uint64_t(st.WriteThroughs),
		flushes_complete:   C.uint64_t(st.FlushesComplete),
		flushes_budget:     C.uint64_t(st.FlushesBudget),
		flushes_close:      C.uint64_t(st.FlushesClose),
		write_blocks:       C.int64_t(st.WriteBlocks),
		read_blocks:        C.int64_t(st.ReadBlocks),
		cache_blocks:       C.int64_t(st.CacheBlocks),
		queued_write_bytes: C.int64_t(st.QueuedWriteBytes),
		mapped_bytes:       C.int64_t(st.MappedBytes),
		locked_bytes:       C.int64_t(st.LockedBytes),
		lock_failed:        cint(st.LockFailed),
	}
	copyPrefix(unsafe.Pointer(out), unsafe.Pointer(&full), size)
	return C.BT_OK
}
