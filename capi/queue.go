package main

// #include "capi.h"
import "C"

import "github.com/libbt/libbt/core/session"

// Queueing (issue 10): auto_managed and the download queue's positions, translated to
// core/session's Torrent methods.

//export bt_torrent_set_auto_managed
func bt_torrent_set_auto_managed(h *C.bt_torrent, on C.int) (rc C.int) {
	const c = call("bt_torrent_set_auto_managed")
	defer c.recover(&rc)
	return torrentAction(c, h, func(t *session.Torrent) error { return t.SetAutoManaged(cbool(on)) })
}

//export bt_torrent_auto_managed
func bt_torrent_auto_managed(h *C.bt_torrent, out *C.int) (rc C.int) {
	const c = call("bt_torrent_auto_managed")
	defer c.recover(&rc)
	return torrentInt(c, h, out, func(t *session.Torrent) int { return int(cint(t.AutoManaged())) })
}

//export bt_torrent_queue_position
func bt_torrent_queue_position(h *C.bt_torrent, out *C.int) (rc C.int) {
	const c = call("bt_torrent_queue_position")
	defer c.recover(&rc)
	return torrentInt(c, h, out, (*session.Torrent).QueuePosition)
}

// torrentInt writes get's answer for a live torrent to *out.
func torrentInt(c call, h *C.bt_torrent, out *C.int, get func(t *session.Torrent) int) C.int {
	if out == nil {
		return c.fail(C.BT_E_INVALID_ARG, "out is NULL")
	}
	tr, rc := lookupTorrent(c, h)
	if rc != C.BT_OK {
		return rc
	}
	*out = C.int(get(tr.t))
	return C.BT_OK
}

//export bt_torrent_queue_position_set
func bt_torrent_queue_position_set(h *C.bt_torrent, position C.int) (rc C.int) {
	const c = call("bt_torrent_queue_position_set")
	defer c.recover(&rc)
	if position < 0 {
		return c.fail(C.BT_E_INVALID_ARG, "queue position %d is negative", int(position))
	}
	return torrentAction(c, h, func(t *session.Torrent) error { return t.QueuePositionSet(int(position)) })
}

//export bt_torrent_queue_position_up
func bt_torrent_queue_position_up(h *C.bt_torrent) (rc C.int) {
	const c = call("bt_torrent_queue_position_up")
	defer c.recover(&rc)
	return torrentAction(c, h, (*session.Torrent).QueuePositionUp)
}

//export bt_torrent_queue_position_down
func bt_torrent_queue_position_down(h *C.bt_torrent) (rc C.int) {
	const c = call("bt_torrent_queue_position_down")
	defer c.recover(&rc)
	return torrentAction(c, h, (*session.Torrent).QueuePositionDown)
}

//export bt_torrent_queue_position_top
func bt_torrent_queue_position_top(h *C.bt_torrent) (rc C.int) {
	const c = call("bt_torrent_queue_position_top")
	defer c.recover(&rc)
	return torrentAction(c, h, (*session.Torrent).QueuePositionTop)
}

//export bt_torrent_queue_position_bottom
func bt_torrent_queue_position_bottom(h *C.bt_torrent) (rc C.int) {
	const c = call("bt_torrent_queue_position_bottom")
	defer c.recover(&rc)
	return torrentAction(c, h, (*session.Torrent).QueuePositionBottom)
}
