package main

/*
#include "capi.h"
*/
import "C"

import (
	"bytes"
	"cmp"
	"encoding/hex"
	"math"
	"net/netip"
	"slices"
	"unsafe"

	"github.com/libbt/libbt/core/metainfo"
	"github.com/libbt/libbt/core/session"
)

// torrentRef is a live torrent handle: the torrent, its session and the torrent's own id.
type torrentRef struct {
	t   *session.Torrent
	sid handleID
}

func lookupTorrent(c call, h *C.bt_torrent) (torrentRef, C.int) {
	if h == nil {
		return torrentRef{}, c.fail(C.BT_E_INVALID_ARG, "torrent is NULL")
	}
	obj, err := lookup(ptrID(unsafe.Pointer(h)), kindTorrent)
	if err != nil {
		return torrentRef{}, c.err(err)
	}
	to := obj.(*torrentObj)
	return torrentRef{t: to.t, sid: to.owner}, C.BT_OK
}

// metaFromParams hands whichever source of bt_add_torrent_params is set to the session, which
// loads it under its limits; only a magnet URI is parsed here.
func metaFromParams(c call, p *C.capi_cadd_params, ap *session.AddTorrentParams) C.int {
	n := 0
	if p.torrent_data != nil {
		n++
	}
	if p.torrent_file != nil {
		n++
	}
	if p.magnet_uri != nil {
		n++
	}
	if n != 1 {
		return c.fail(C.BT_E_INVALID_ARG, "set exactly one of torrent_data, torrent_file and magnet_uri (%d set)", n)
	}
	switch {
	case p.torrent_data != nil:
		// Not copied: the session reads it during bt_session_add_torrent only, after checking
		// its size against max_buffer_size, and copies what it keeps.
		ap.TorrentData = unsafe.Slice((*byte)(unsafe.Pointer(p.torrent_data)), int(p.torrent_size))
	case p.torrent_file != nil:
		ap.TorrentFile, _ = gostr((*C.capi_cchar)(p.torrent_file))
	default:
		uri, _ := gostr((*C.capi_cchar)(p.magnet_uri))
		m, err := metainfo.ParseMagnet(uri)
		if err != nil {
			return c.err(errParse{err})
		}
		ap.Magnet = m
	}
	return C.BT_OK
}

//export bt_session_add_torrent
func bt_session_add_torrent(h *C.bt_session, params *C.capi_cadd_params, out **C.bt_torrent) (rc C.int) {
	const c = call("bt_session_add_torrent")
	defer c.recover(&rc)
	if out != nil {
		*out = nil
	}
	so, sid, rc := lookupSession(c, h)
	if rc != C.BT_OK {
		return rc
	}
	if params == nil {
		return c.fail(C.BT_E_INVALID_ARG, "params is NULL")
	}
	// From here on params is a zeroed newest-version copy holding the caller's version's fields.
	size, rc := structSize(c, C.CAPI_ADD_TORRENT_PARAMS, params.version)
	if rc != C.BT_OK {
		return rc
	}
	var local C.capi_cadd_params
	copyPrefix(unsafe.Pointer(&local), unsafe.Pointer(params), size)
	params = &local
	savePath, ok := gostr((*C.capi_cchar)(params.save_path))
	if !ok {
		return c.fail(C.BT_E_INVALID_ARG, "params->save_path is NULL")
	}
	if params.torrent_data != nil && params.torrent_size > 1<<40 {
		return c.fail(C.BT_E_INVALID_ARG, "params->torrent_size %d is not a plausible size", uint64(params.torrent_size))
	}
	ap := session.AddTorrentParams{
		SavePath:     savePath,
		Paused:       cbool(params.paused),
		Sequential:   cbool(params.sequential),
		SuperSeeding: cbool(params.super_seeding),
	}
	if params.resume_size > 0 {
		if params.resume_data == nil {
			return c.fail(C.BT_E_INVALID_ARG, "params->resume_data is NULL but resume_size is %d", uint64(params.resume_size))
		}
		if params.resume_size > 1<<30 {
			return c.fail(C.BT_E_INVALID_ARG, "params->resume_size %d is not a plausible size", uint64(params.resume_size))
		}
		// Copied: C owns this memory and the engine may keep what it parses.
		ap.ResumeData = bytes.Clone(unsafe.Slice((*byte)(unsafe.Pointer(params.resume_data)), int(params.resume_size)))
	}
	if params.num_file_priorities > 0 {
		if params.file_priorities == nil {
			return c.fail(C.BT_E_INVALID_ARG, "params->file_priorities is NULL but num_file_priorities is %d", uint64(params.num_file_priorities))
		}
		if params.num_file_priorities > 1<<24 {
			return c.fail(C.BT_E_INVALID_ARG, "params->num_file_priorities %d is too large", uint64(params.num_file_priorities))
		}
		prios := unsafe.Slice((*uint8)(unsafe.Pointer(params.file_priorities)), int(params.num_file_priorities))
		ap.FilePriorities = make([]int, len(prios))
		for i, v := range prios {
			ap.FilePriorities[i] = int(v)
		}
	}
	if rc := metaFromParams(c, params, &ap); rc != C.BT_OK {
		return rc
	}
	t, err := so.s.AddTorrent(ap)
	if err != nil {
		return c.err(err)
	}
	id := torrentID(sid, t)
	if id == 0 {
		return c.fail(C.BT_E_BAD_HANDLE, "the session was freed while adding the torrent")
	}
	if out != nil {
		*out = (*C.bt_torrent)(idPtr(id))
	}
	return C.BT_OK
}

//export bt_session_remove_torrent
func bt_session_remove_torrent(h *C.bt_session, th *C.bt_torrent, flags C.int) (rc C.int) {
	const c = call("bt_session_remove_torrent")
	defer c.recover(&rc)
	so, sid, rc := lookupSession(c, h)
	if rc != C.BT_OK {
		return rc
	}
	tr, rc := lookupTorrent(c, th)
	if rc != C.BT_OK {
		return rc
	}
	if tr.sid != sid {
		return c.fail(C.BT_E_NOT_FOUND, "the torrent belongs to another session")
	}
	if flags&^C.BT_REMOVE_DELETE_FILES != 0 {
		return c.fail(C.BT_E_INVALID_ARG, "unknown flags %#x", int(flags))
	}
	err := so.s.RemoveTorrent(tr.t, flags&C.BT_REMOVE_DELETE_FILES != 0)
	if err == nil || errorCode(err) == C.BT_E_BAD_HANDLE {
		forgetTorrent(sid, tr.t)
	}
	if err != nil {
		return c.err(err)
	}
	return C.BT_OK
}

//export bt_session_torrents
func bt_session_torrents(h *C.bt_session, out **C.bt_torrent, capacity C.size_t, count *C.size_t) (rc C.int) {
	const c = call("bt_session_torrents")
	defer c.recover(&rc)
	if count == nil {
		return c.fail(C.BT_E_INVALID_ARG, "count is NULL")
	}
	if out == nil && capacity > 0 {
		return c.fail(C.BT_E_INVALID_ARG, "out is NULL but cap is %d", uint64(capacity))
	}
	so, sid, rc := lookupSession(c, h)
	if rc != C.BT_OK {
		return rc
	}
	var ids []handleID
	for _, t := range so.s.Torrents() {
		if id := torrentID(sid, t); id != 0 {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids) // handle order: the order torrents were added (or first seen) through capi
	*count = C.size_t(len(ids))
	if capacity > 0 {
		dst := unsafe.Slice(out, int(min(capacity, C.size_t(len(ids)))))
		for i := range dst {
			dst[i] = (*C.bt_torrent)(idPtr(ids[i]))
		}
	}
	return C.BT_OK
}

//export bt_session_find_torrent
func bt_session_find_torrent(h *C.bt_session, infoHash *C.capi_cchar, out **C.bt_torrent) (rc C.int) {
	const c = call("bt_session_find_torrent")
	defer c.recover(&rc)
	if out == nil {
		return c.fail(C.BT_E_INVALID_ARG, "out is NULL")
	}
	*out = nil
	so, sid, rc := lookupSession(c, h)
	if rc != C.BT_OK {
		return rc
	}
	ih, rc := hexID(c, "info_hash", infoHash)
	if rc != C.BT_OK {
		return rc
	}
	t := so.s.FindTorrent(ih)
	if t == nil {
		return c.fail(C.BT_E_NOT_FOUND, "no torrent with info-hash %x", ih)
	}
	id := torrentID(sid, t)
	if id == 0 {
		return c.fail(C.BT_E_NOT_FOUND, "no torrent with info-hash %x", ih)
	}
	*out = (*C.bt_torrent)(idPtr(id))
	return C.BT_OK
}

//export bt_torrent_status
func bt_torrent_status(h *C.bt_torrent, out *C.struct_bt_torrent_status) (rc C.int) {
	const c = call("bt_torrent_status")
	defer c.recover(&rc)
	if out == nil {
		return c.fail(C.BT_E_INVALID_ARG, "out is NULL")
	}
	size, rc := structSize(c, C.CAPI_TORRENT_STATUS, out.version)
	if rc != C.BT_OK {
		return rc
	}
	tr, rc := lookupTorrent(c, h)
	if rc != C.BT_OK {
		return rc
	}
	full := cTorrentStatus(tr.t.Status(), out.version)
	copyPrefix(unsafe.Pointer(out), unsafe.Pointer(&full), size)
	return C.BT_OK
}

// cTorrentStatus is st in libbt.h's layout, version being the caller's.
func cTorrentStatus(st session.Status, version C.uint) C.struct_bt_torrent_status {
	full := C.struct_bt_torrent_status{
		version:           version,
		state:             C.int(st.State),
		paused:            cint(st.Paused),
		has_metadata:      cint(st.HasMetadata),
		progress:          C.double(st.Progress),
		total_size:        C.int64_t(st.TotalSize),
		total_wanted:      C.int64_t(st.TotalWanted),
		total_wanted_done: C.int64_t(st.TotalWantedDone),
		total_done:        C.int64_t(st.TotalDone),
		total_download:    C.int64_t(st.TotalDownload),
		total_upload:      C.int64_t(st.TotalUpload),
		download_rate:     C.int64_t(st.DownloadRate),
		upload_rate:       C.int64_t(st.UploadRate),
		num_peers:         C.int(st.NumPeers),
		num_seeds:         C.int(st.NumSeeds),
		num_pieces:        C.int(st.NumPieces),
		pieces_done:       C.int(st.PiecesDone),
		piece_length:      C.int64_t(st.PieceLength),
		super_seeding:     cint(st.SuperSeeding),
	}
	if st.State == session.StateError && st.Err != nil {
		full.error = errorCode(st.Err)
	}
	copyCString(full.info_hash[:], hex.EncodeToString(st.InfoHash[:]))
	return full
}

//export bt_session_torrent_updates
func bt_session_torrent_updates(h *C.bt_session, torrents **C.bt_torrent, statuses *C.struct_bt_torrent_status, capacity C.size_t, count *C.size_t) (rc C.int) {
	const c = call("bt_session_torrent_updates")
	defer c.recover(&rc)
	if count == nil {
		return c.fail(C.BT_E_INVALID_ARG, "count is NULL")
	}
	*count = 0
	if capacity > 0 && (torrents == nil || statuses == nil) {
		return c.fail(C.BT_E_INVALID_ARG, "torrents or statuses is NULL but cap is %d", uint64(capacity))
	}
	size, version, rc := arrayLayout(c, C.CAPI_TORRENT_STATUS, capacity, func() C.uint { return statuses.version })
	if rc != C.BT_OK {
		return rc
	}
	so, sid, rc := lookupSession(c, h)
	if rc != C.BT_OK {
		return rc
	}
	limit := int(min(capacity, C.size_t(math.MaxInt32)))
	updates, pending := so.s.TorrentUpdatesUpTo(limit)
	if updates == nil && pending > limit {
		*count = C.size_t(pending)
		return c.fail(C.BT_E_BUFFER_TOO_SMALL, "%d torrent updates are pending, cap is %d", pending, limit)
	}
	type entry struct {
		id handleID
		st *session.Status
	}
	entries := make([]entry, 0, len(updates))
	for i := range updates {
		if id := torrentID(sid, updates[i].Torrent); id != 0 {
			entries = append(entries, entry{id, &updates[i].Status})
		}
	}
	slices.SortFunc(entries, func(a, b entry) int { return cmp.Compare(a.id, b.id) })
	handles := unsafe.Slice(torrents, len(entries))
	for i, e := range entries {
		handles[i] = (*C.bt_torrent)(idPtr(e.id))
		full := cTorrentStatus(*e.st, version)
		copyPrefix(unsafe.Add(unsafe.Pointer(statuses), uintptr(i)*size), unsafe.Pointer(&full), size)
	}
	*count = C.size_t(len(entries))
	return C.BT_OK
}

// torrentString runs get on a live torrent and returns the result as a bt_free-able C string.
func torrentString(c call, h *C.bt_torrent, out **C.char, get func(t *session.Torrent) string) C.int {
	if out == nil {
		return c.fail(C.BT_E_INVALID_ARG, "out is NULL")
	}
	*out = nil
	tr, rc := lookupTorrent(c, h)
	if rc != C.BT_OK {
		return rc
	}
	*out = C.CString(get(tr.t))
	return C.BT_OK
}

//export bt_torrent_name
func bt_torrent_name(h *C.bt_torrent, out **C.char) (rc C.int) {
	const c = call("bt_torrent_name")
	defer c.recover(&rc)
	return torrentString(c, h, out, (*session.Torrent).Name)
}

//export bt_torrent_error
func bt_torrent_error(h *C.bt_torrent, out **C.char) (rc C.int) {
	const c = call("bt_torrent_error")
	defer c.recover(&rc)
	return torrentString(c, h, out, func(t *session.Torrent) string {
		if err := t.Status().Err; err != nil {
			return err.Error()
		}
		return ""
	})
}

//export bt_torrent_magnet
func bt_torrent_magnet(h *C.bt_torrent, out **C.char) (rc C.int) {
	const c = call("bt_torrent_magnet")
	defer c.recover(&rc)
	return torrentString(c, h, out, (*session.Torrent).Magnet)
}

//export bt_torrent_pieces
func bt_torrent_pieces(h *C.bt_torrent, out *C.uint8_t, capacity C.size_t, size *C.size_t) (rc C.int) {
	const c = call("bt_torrent_pieces")
	defer c.recover(&rc)
	if size == nil {
		return c.fail(C.BT_E_INVALID_ARG, "size is NULL")
	}
	if out == nil && capacity > 0 {
		return c.fail(C.BT_E_INVALID_ARG, "out is NULL but cap is %d", uint64(capacity))
	}
	tr, rc := lookupTorrent(c, h)
	if rc != C.BT_OK {
		return rc
	}
	bits := tr.t.Pieces() // nil without metadata: zero bytes
	*size = C.size_t(len(bits))
	if C.size_t(len(bits)) > capacity {
		return c.fail(C.BT_E_BUFFER_TOO_SMALL, "the bitfield needs %d bytes, cap is %d", len(bits), uint64(capacity))
	}
	if len(bits) > 0 {
		copy(unsafe.Slice((*byte)(unsafe.Pointer(out)), len(bits)), bits)
	}
	return C.BT_OK
}

// torrentAction runs an engine call on a live torrent.
func torrentAction(c call, h *C.bt_torrent, do func(t *session.Torrent) error) C.int {
	tr, rc := lookupTorrent(c, h)
	if rc != C.BT_OK {
		return rc
	}
	if err := do(tr.t); err != nil {
		return c.err(err)
	}
	return C.BT_OK
}

//export bt_torrent_pause
func bt_torrent_pause(h *C.bt_torrent) (rc C.int) {
	const c = call("bt_torrent_pause")
	defer c.recover(&rc)
	return torrentAction(c, h, (*session.Torrent).Pause)
}

//export bt_torrent_resume
func bt_torrent_resume(h *C.bt_torrent) (rc C.int) {
	const c = call("bt_torrent_resume")
	defer c.recover(&rc)
	return torrentAction(c, h, (*session.Torrent).Resume)
}

//export bt_torrent_force_recheck
func bt_torrent_force_recheck(h *C.bt_torrent) (rc C.int) {
	const c = call("bt_torrent_force_recheck")
	defer c.recover(&rc)
	return torrentAction(c, h, (*session.Torrent).ForceRecheck)
}

//export bt_torrent_connect_peer
func bt_torrent_connect_peer(h *C.bt_torrent, endpoint *C.capi_cchar) (rc C.int) {
	const c = call("bt_torrent_connect_peer")
	defer c.recover(&rc)
	s, ok := gostr(endpoint)
	if !ok {
		return c.fail(C.BT_E_INVALID_ARG, "endpoint is NULL")
	}
	addr, err := netip.ParseAddrPort(s)
	if err != nil {
		return c.fail(C.BT_E_INVALID_ARG, "endpoint %q: want IP:PORT or [IPv6]:PORT", s)
	}
	return torrentAction(c, h, func(t *session.Torrent) error { return t.ConnectPeer(addr) })
}

//export bt_torrent_move_storage
func bt_torrent_move_storage(h *C.bt_torrent, savePath *C.capi_cchar) (rc C.int) {
	const c = call("bt_torrent_move_storage")
	defer c.recover(&rc)
	dir, ok := gostr(savePath)
	if !ok {
		return c.fail(C.BT_E_INVALID_ARG, "save_path is NULL")
	}
	return torrentAction(c, h, func(t *session.Torrent) error { return t.MoveStorage(dir) })
}

//export bt_torrent_rename_file
func bt_torrent_rename_file(h *C.bt_torrent, fileIndex C.int, path *C.capi_cchar) (rc C.int) {
	const c = call("bt_torrent_rename_file")
	defer c.recover(&rc)
	p, ok := gostr(path)
	if !ok {
		return c.fail(C.BT_E_INVALID_ARG, "path is NULL")
	}
	return torrentAction(c, h, func(t *session.Torrent) error { return t.RenameFile(metainfo.FileIndex(fileIndex), p) })
}

//export bt_torrent_set_file_priority
func bt_torrent_set_file_priority(h *C.bt_torrent, fileIndex C.int, priority C.int) (rc C.int) {
	const c = call("bt_torrent_set_file_priority")
	defer c.recover(&rc)
	if fileIndex < 0 {
		return c.fail(C.BT_E_INVALID_ARG, "file_index %d is negative", int(fileIndex))
	}
	if priority < 0 || priority > 7 {
		return c.fail(C.BT_E_INVALID_ARG, "priority %d is outside 0..7", int(priority))
	}
	return torrentAction(c, h, func(t *session.Torrent) error {
		return t.SetFilePriority(metainfo.FileIndex(fileIndex), int(priority))
	})
}

//export bt_torrent_set_sequential
func bt_torrent_set_sequential(h *C.bt_torrent, sequential C.int) (rc C.int) {
	const c = call("bt_torrent_set_sequential")
	defer c.recover(&rc)
	return torrentAction(c, h, func(t *session.Torrent) error { return t.SetSequential(cbool(sequential)) })
}

// torrentFiles returns the file list, or BT_E_STATE without metadata.
func torrentFiles(c call, h *C.bt_torrent) ([]session.FileInfo, C.int) {
	tr, rc := lookupTorrent(c, h)
	if rc != C.BT_OK {
		return nil, rc
	}
	files := tr.t.Files()
	if files == nil {
		return nil, c.fail(C.BT_E_STATE, "the torrent has no metadata yet")
	}
	return files, C.BT_OK
}

//export bt_torrent_num_files
func bt_torrent_num_files(h *C.bt_torrent, out *C.int) (rc C.int) {
	const c = call("bt_torrent_num_files")
	defer c.recover(&rc)
	if out == nil {
		return c.fail(C.BT_E_INVALID_ARG, "out is NULL")
	}
	files, rc := torrentFiles(c, h)
	if rc != C.BT_OK {
		return rc
	}
	*out = C.int(len(files))
	return C.BT_OK
}

//export bt_torrent_file
func bt_torrent_file(h *C.bt_torrent, fileIndex C.int, path **C.char, size *C.int64_t) (rc C.int) {
	const c = call("bt_torrent_file")
	defer c.recover(&rc)
	if path != nil {
		*path = nil
	}
	if fileIndex < 0 {
		return c.fail(C.BT_E_INVALID_ARG, "file_index %d is negative", int(fileIndex))
	}
	files, rc := torrentFiles(c, h)
	if rc != C.BT_OK {
		return rc
	}
	if int(fileIndex) >= len(files) {
		return c.fail(C.BT_E_NOT_FOUND, "file_index %d: the torrent has %d files", int(fileIndex), len(files))
	}
	f := files[fileIndex]
	if path != nil {
		*path = C.CString(f.Path)
	}
	if size != nil {
		*size = C.int64_t(f.Size)
	}
	return C.BT_OK
}
