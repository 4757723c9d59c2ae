package main

/*
#include "capi.h"
*/
import "C"

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"unsafe"

	"github.com/libbt/libbt/core/metainfo"
	"github.com/libbt/libbt/core/session"
)

// cStrings copies n C strings; NULL entries are an error.
func cStrings(what string, arr **C.capi_cchar, n C.size_t) ([]string, error) {
	if n == 0 {
		return nil, nil
	}
	if arr == nil {
		return nil, fmt.Errorf("%s is NULL but its count is %d", what, uint64(n))
	}
	if n > 1<<20 {
		return nil, fmt.Errorf("%s count %d is too large", what, uint64(n))
	}
	src := unsafe.Slice(arr, int(n))
	out := make([]string, len(src))
	for i, p := range src {
		s, ok := gostr(p)
		if !ok {
			return nil, fmt.Errorf("%s[%d] is NULL", what, i)
		}
		out[i] = s
	}
	return out, nil
}

// trackerTiers groups trackers by tier (ascending, keeping the given order within a tier); with
// no tiers each tracker is its own tier.
func trackerTiers(urls []string, tiers []int) ([][]string, error) {
	if len(urls) == 0 {
		return nil, nil
	}
	if tiers == nil {
		out := make([][]string, len(urls))
		for i, u := range urls {
			out[i] = []string{u}
		}
		return out, nil
	}
	type tt struct {
		tier int
		url  string
	}
	all := make([]tt, len(urls))
	for i, u := range urls {
		if tiers[i] < 0 {
			return nil, fmt.Errorf("tracker_tiers[%d] is negative (%d)", i, tiers[i])
		}
		all[i] = tt{tiers[i], u}
	}
	slices.SortStableFunc(all, func(a, b tt) int { return cmp.Compare(a.tier, b.tier) })
	var out [][]string
	for i, t := range all {
		if i == 0 || t.tier != all[i-1].tier {
			out = append(out, nil)
		}
		out[len(out)-1] = append(out[len(out)-1], t.url)
	}
	return out, nil
}

// createOptions translates bt_create_params.
func createOptions(p *C.capi_ccreate_params) (metainfo.CreateOptions, error) {
	var opts metainfo.CreateOptions
	path, ok := gostr((*C.capi_cchar)(p.path))
	if !ok {
		return opts, errors.New("params->path is NULL")
	}
	if p.piece_size < 0 {
		return opts, fmt.Errorf("params->piece_size %d is negative", int64(p.piece_size))
	}
	urls, err := cStrings("params->trackers", (**C.capi_cchar)(unsafe.Pointer(p.trackers)), p.num_trackers)
	if err != nil {
		return opts, err
	}
	var tiers []int
	if p.tracker_tiers != nil && len(urls) > 0 {
		for _, t := range unsafe.Slice((*C.int)(unsafe.Pointer(p.tracker_tiers)), len(urls)) {
			tiers = append(tiers, int(t))
		}
	}
	trackers, err := trackerTiers(urls, tiers)
	if err != nil {
		return opts, err
	}
	webSeeds, err := cStrings("params->web_seeds", (**C.capi_cchar)(unsafe.Pointer(p.web_seeds)), p.num_web_seeds)
	if err != nil {
		return opts, err
	}
	comment, _ := gostr((*C.capi_cchar)(p.comment))
	creator, ok := gostr((*C.capi_cchar)(p.creator))
	if !ok {
		creator = "libbt/" + session.Version
	}
	opts = metainfo.CreateOptions{
		Path:        path,
		PieceLength: int64(p.piece_size),
		Trackers:    trackers,
		WebSeeds:    webSeeds,
		Private:     cbool(p.is_private),
		Comment:     comment,
		CreatedBy:   creator, // CreationDate 0: now
		// v1 until bt_create_params has a field for the kind (metainfo creates hybrids by default)
		Mode: metainfo.CreateV1Only,
	}
	return opts, nil
}

//export bt_create_torrent
func bt_create_torrent(params *C.capi_ccreate_params, out **C.uint8_t, outSize *C.size_t) (rc C.int) {
	const c = call("bt_create_torrent")
	defer c.recover(&rc)
	if out == nil || outSize == nil {
		return c.fail(C.BT_E_INVALID_ARG, "out or out_size is NULL")
	}
	*out, *outSize = nil, 0
	if params == nil {
		return c.fail(C.BT_E_INVALID_ARG, "params is NULL")
	}
	size, rc := structSize(c, C.CAPI_CREATE_PARAMS, params.version)
	if rc != C.BT_OK {
		return rc
	}
	var local C.capi_ccreate_params // zeroed newest version, holding the caller's version's fields
	copyPrefix(unsafe.Pointer(&local), unsafe.Pointer(params), size)
	opts, err := createOptions(&local)
	if err != nil {
		return c.fail(C.BT_E_INVALID_ARG, "%v", err)
	}
	data, _, err := metainfo.Create(opts)
	if err != nil {
		return c.err(errInvalid{err}) // file-system errors still map to BT_E_IO
	}
	mem := C.malloc(C.size_t(max(len(data), 1)))
	if mem == nil {
		return c.fail(C.BT_E_INTERNAL, "out of memory for %d bytes", len(data))
	}
	copy(unsafe.Slice((*byte)(mem), len(data)), data)
	*out, *outSize = (*C.uint8_t)(mem), C.size_t(len(data))
	return C.BT_OK
}
