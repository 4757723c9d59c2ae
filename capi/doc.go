// Command capi is libbt's C ABI: built with -buildmode=c-shared into libbt.so, it implements
// include/libbt.h by translating each bt_* call onto the Go engine in core/session and
// core/metainfo. It holds no engine logic: validate the C arguments, translate them, call the
// Go API, translate the result back.
//
// Handles. C never sees a Go pointer. Every object handed to C (session, torrent, settings,
// alert batch) lives in one registry (registry.go) under a uint64 id taken from a counter that
// only goes up, so ids are never reused; the id itself, cast to the opaque pointer type, is the
// handle. Each entry carries a kind tag, so a handle of the wrong kind, a freed handle or a
// random pointer is rejected with BT_E_BAD_HANDLE without being dereferenced. Torrents get one
// stable id per *session.Torrent; their ids die with the torrent's removal or the session.
//
// Memory. Strings returned through out-parameters are C.malloc'd (C.CString) and freed by the
// caller with bt_free; an alert batch is one C.malloc'd block (structs and strings) freed by
// bt_alerts_free. Static strings (bt_version, bt_alert_type_name) are allocated once.
//
// Errors. Every export recovers panics into BT_E_INTERNAL; failures set the calling thread's
// message in a C _Thread_local buffer (lasterr.c) that bt_last_error returns. Exports run on the
// calling C thread, so the message lands on the caller's thread.
//
// Concurrency. The registry has one RWMutex, held only for map operations, never across a call
// into the engine, so bt_session_wait_for_alert can block while another thread frees the
// session (the waiter then returns BT_E_BAD_HANDLE). The alert-notify callback is called from
// an engine goroutine through a C trampoline (notify.c).
//
// Versions. Every struct crossing the ABI starts with a version member; each export checks it
// (structSize) and copies only that version's bytes in or out (copyPrefix), so older callers
// keep working as structs grow. Programs built against 0.2.0 reach the converting functions of
// compat02.c through ELF symbol versioning (docs/ABI.md).
//
// Only bt_* symbols are exported (libbt.map). Test programs live in tests/capi, not here: cgo
// compiles every .c file in this directory into the library.
package main

/*
#cgo CFLAGS: -I${SRCDIR}/../include -std=gnu11 -Wall
*/
import "C"

func main() {}
