package main

/*
#include "capi.h"
*/
import "C"

import (
	"unsafe"

	"github.com/libbt/libbt/core/session"
)

// peerSource maps the engine's peer source onto bt_peer_source. The numbers are the C ABI's,
// not the engine's, so they are spelled out.
func peerSource(s session.PeerSource) C.int {
	switch s {
	case session.SourceTracker:
		return C.BT_PEER_SOURCE_TRACKER
	case session.SourceDHT:
		return C.BT_PEER_SOURCE_DHT
	case session.SourcePEX:
		return C.BT_PEER_SOURCE_PEX
	case session.SourceLSD:
		return C.BT_PEER_SOURCE_LSD
	case session.SourceUser:
		return C.BT_PEER_SOURCE_USER
	case session.SourceIncoming:
		return C.BT_PEER_SOURCE_INCOMING
	case session.SourceWebSeed:
		return C.BT_PEER_SOURCE_WEB_SEED
	}
	return C.BT_PEER_SOURCE_UNKNOWN
}

// peerFlags collects a peer's booleans into BT_PEER_* bits.
func peerFlags(p *session.PeerInfo) C.uint32_t {
	var f C.uint32_t
	set := func(on bool, bit C.uint32_t) {
		if on {
			f |= bit
		}
	}
	set(p.Incoming, C.BT_PEER_INCOMING)
	set(p.Seed, C.BT_PEER_SEED)
	set(p.Choked, C.BT_PEER_CHOKED)
	set(p.Interested, C.BT_PEER_INTERESTED)
	set(p.PeerChoked, C.BT_PEER_REMOTE_CHOKED)
	set(p.PeerInterest, C.BT_PEER_REMOTE_INTERESTED)
	set(p.Snubbed, C.BT_PEER_SNUBBED)
	set(p.Encrypted, C.BT_PEER_ENCRYPTED)
	return f
}

// copyCString copies s into a fixed C char array, truncating at a UTF-8 boundary and always
// NUL-terminating.
func copyCString(dst []C.char, s string) {
	if len(dst) == 0 {
		return
	}
	n := min(len(s), len(dst)-1)
	for n > 0 && n < len(s) && s[n]&0xc0 == 0x80 { // do not cut a UTF-8 sequence
		n--
	}
	for i := 0; i < n; i++ {
		dst[i] = C.char(s[i])
	}
	for i := n; i < len(dst); i++ {
		dst[i] = 0
	}
}

//export bt_torrent_peers
func bt_torrent_peers(h *C.bt_torrent, out *C.bt_peer_info, capacity C.size_t, count *C.size_t) (rc C.int) {
	const c = call("bt_torrent_peers")
	defer c.recover(&rc)
	if count == nil {
		return c.fail(C.BT_E_INVALID_ARG, "count is NULL")
	}
	*count = 0
	if out == nil && capacity > 0 {
		return c.fail(C.BT_E_INVALID_ARG, "out is NULL but cap is %d", uint64(capacity))
	}
	size, version, rc := arrayLayout(c, C.CAPI_PEER_INFO, capacity, func() C.uint { return out.version })
	if rc != C.BT_OK {
		return rc
	}
	tr, rc := lookupTorrent(c, h)
	if rc != C.BT_OK {
		return rc
	}
	peers := tr.t.Peers()
	*count = C.size_t(len(peers))
	n := int(min(capacity, C.size_t(len(peers))))
	for i := range n {
		p := &peers[i]
		d := C.bt_peer_info{
			version:        version,
			source:         peerSource(p.Source),
			flags:          peerFlags(p),
			progress:       C.double(p.Progress),
			download_rate:  C.int64_t(p.DownloadRate),
			upload_rate:    C.int64_t(p.UploadRate),
			total_download: C.int64_t(p.Downloaded),
			total_upload:   C.int64_t(p.Uploaded),
		}
		if p.URL != "" {
			copyCString(d.endpoint[:], p.URL) // a web seed: its URL (truncated to fit)
		} else {
			copyCString(d.endpoint[:], p.Addr.String())
		}
		copyCString(d.client[:], p.Client)
		// Elements are `size` apart: the caller's version's sizeof, not necessarily ours.
		copyPrefix(unsafe.Add(unsafe.Pointer(out), uintptr(i)*size), unsafe.Pointer(&d), size)
	}
	return C.BT_OK
}
