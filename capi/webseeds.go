package main

/*
#include "capi.h"
*/
import "C"

import (
	"unsafe"

	"github.com/libbt/libbt/core/session"
)

//export bt_torrent_set_super_seeding
func bt_torrent_set_super_seeding(h *C.bt_torrent, on C.int) (rc C.int) {
	const c = call("bt_torrent_set_super_seeding")
	defer c.recover(&rc)
	return torrentAction(c, h, func(t *session.Torrent) error { return t.SetSuperSeeding(cbool(on)) })
}

//export bt_torrent_add_web_seed
func bt_torrent_add_web_seed(h *C.bt_torrent, url *C.capi_cchar, typ C.int) (rc C.int) {
	const c = call("bt_torrent_add_web_seed")
	defer c.recover(&rc)
	u, ok := gostr(url)
	if !ok {
		return c.fail(C.BT_E_INVALID_ARG, "url is NULL")
	}
	var add func(t *session.Torrent) error
	switch typ {
	case C.BT_WEB_SEED_URL:
		add = func(t *session.Torrent) error { return t.AddWebSeed(u) }
	case C.BT_WEB_SEED_HTTP:
		add = func(t *session.Torrent) error { return t.AddHTTPSeed(u) }
	default:
		return c.fail(C.BT_E_INVALID_ARG, "type %d: want BT_WEB_SEED_URL (1) or BT_WEB_SEED_HTTP (2)", int(typ))
	}
	return torrentAction(c, h, add)
}

//export bt_torrent_remove_web_seed
func bt_torrent_remove_web_seed(h *C.bt_torrent, url *C.capi_cchar) (rc C.int) {
	const c = call("bt_torrent_remove_web_seed")
	defer c.recover(&rc)
	u, ok := gostr(url)
	if !ok {
		return c.fail(C.BT_E_INVALID_ARG, "url is NULL")
	}
	return torrentAction(c, h, func(t *session.Torrent) error { return t.RemoveWebSeed(u) })
}

func webSeedType(k session.WebSeedKind) C.int {
	switch k {
	case session.WebSeedGetRight:
		return C.BT_WEB_SEED_URL
	case session.WebSeedHoffman:
		return C.BT_WEB_SEED_HTTP
	}
	return 0
}

// newWebSeedList copies infos into one C.malloc'd block: the structs (in the caller's version,
// elementSize apart), then their strings, so that one bt_free releases everything. nil for an
// empty list.
func newWebSeedList(infos []session.WebSeedInfo, version C.uint, elementSize uintptr) (*C.bt_web_seed_info, error) {
	if len(infos) == 0 {
		return nil, nil
	}
	errs := make([]string, len(infos))
	structBytes := len(infos) * int(elementSize)
	size := structBytes + 1 // one shared ""
	for i := range infos {
		if infos[i].LastError != nil {
			errs[i] = infos[i].LastError.Error()
		}
		size += len(infos[i].URL) + 1 + len(errs[i]) + 1
	}
	mem := C.calloc(1, C.size_t(size))
	if mem == nil {
		return nil, errOutOfMemory(size)
	}
	arena := unsafe.Slice((*byte)(mem), size)
	empty := (*C.capi_cchar)(unsafe.Pointer(&arena[size-1]))
	pos := structBytes
	put := func(s string) *C.capi_cchar {
		if s == "" {
			return empty
		}
		p := (*C.capi_cchar)(unsafe.Pointer(&arena[pos]))
		copy(arena[pos:], s)
		pos += len(s) + 1 // calloc left the terminator
		return p
	}
	for i := range infos {
		w := &infos[i]
		info := C.bt_web_seed_info{
			version:        version,
			url:            put(w.URL),
			_type:          webSeedType(w.Kind),
			requests:       C.int(w.Requests),
			total_download: C.int64_t(w.Downloaded),
			download_rate:  C.int64_t(w.DownloadRate),
			failures:       C.int(w.Failures),
			banned:         cint(w.Banned),
			retry_in_ms:    C.int64_t(w.RetryIn.Milliseconds()),
			error:          put(errs[i]),
		}
		copyPrefix(unsafe.Add(mem, uintptr(i)*elementSize), unsafe.Pointer(&info), elementSize)
	}
	return (*C.bt_web_seed_info)(mem), nil
}

//export bt_torrent_web_seeds
func bt_torrent_web_seeds(h *C.bt_torrent, version C.uint, out **C.bt_web_seed_info, count *C.size_t) (rc C.int) {
	const c = call("bt_torrent_web_seeds")
	defer c.recover(&rc)
	if out == nil || count == nil {
		return c.fail(C.BT_E_INVALID_ARG, "out or count is NULL")
	}
	*out, *count = nil, 0
	size, rc := structSize(c, C.CAPI_WEB_SEED_INFO, version)
	if rc != C.BT_OK {
		return rc
	}
	tr, rc := lookupTorrent(c, h)
	if rc != C.BT_OK {
		return rc
	}
	infos := tr.t.WebSeeds()
	list, err := newWebSeedList(infos, version, size)
	if err != nil {
		return c.fail(C.BT_E_INTERNAL, "%v", err)
	}
	*out, *count = list, C.size_t(len(infos))
	return C.BT_OK
}
