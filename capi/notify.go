package main

/*
#include "capi.h"
*/
import "C"

import "sync"

// notifier holds a session's C alert-notify callback. The engine calls fire on one of its
// goroutines; set and stop take the write lock, so once they return no call with the old
// function is running or will start: the caller may free its userdata right after
// bt_session_set_alert_notify(NULL) or bt_session_free. (That is why the callback must not call
// libbt: bt_session_set_alert_notify from inside it would wait for itself.)
type notifier struct {
	mu       sync.RWMutex
	fn, data uintptr // C function pointer and userdata, kept as integers; fn == 0: none
}

func (n *notifier) set(fn, data uintptr) {
	n.mu.Lock()
	n.fn, n.data = fn, data
	n.mu.Unlock()
}

func (n *notifier) fire() {
	n.mu.RLock()
	defer n.mu.RUnlock()
	if n.fn != 0 {
		C.capi_call_notify(C.uintptr_t(n.fn), C.uintptr_t(n.data))
	}
}
