package main

/*
#include "capi.h"
*/
import "C"

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"strings"
	"time"
	"unsafe"

	"github.com/libbt/libbt/core/session"
)

// maxDHTValue bounds the BEP 44 values and salts accepted from C before the engine checks them.
const maxDHTValue = 1 << 16

// lookupDHT returns the session, or BT_E_STATE when its DHT is off (enable_dht).
func lookupDHT(c call, h *C.bt_session) (*session.Session, C.int) {
	so, _, rc := lookupSession(c, h)
	if rc != C.BT_OK {
		return nil, rc
	}
	if !so.s.DHTRunning() {
		return nil, c.err(session.ErrDHTOff)
	}
	return so.s, C.BT_OK
}

// dhtContext bounds a blocking DHT call: timeoutMs < 0 leaves it to the DHT's own limits.
func dhtContext(c call, timeoutMs C.int) (context.Context, context.CancelFunc, C.int) {
	if timeoutMs < -1 {
		return nil, nil, c.fail(C.BT_E_INVALID_ARG, "timeout_ms %d: want -1 or >= 0", int(timeoutMs))
	}
	if timeoutMs < 0 {
		ctx, cancel := context.WithCancel(context.Background())
		return ctx, cancel, C.BT_OK
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(timeoutMs)*time.Millisecond)
	return ctx, cancel, C.BT_OK
}

// dhtCall is the start of every blocking DHT export: the session (its DHT on) and a context
// bounded by timeoutMs. cancel must be called when rc is BT_OK.
func dhtCall(c call, h *C.bt_session, timeoutMs C.int) (*session.Session, context.Context, context.CancelFunc, C.int) {
	d, rc := lookupDHT(c, h)
	if rc != C.BT_OK {
		return nil, nil, nil, rc
	}
	ctx, cancel, rc := dhtContext(c, timeoutMs)
	if rc != C.BT_OK {
		return nil, nil, nil, rc
	}
	return d, ctx, cancel, C.BT_OK
}

// cBuf copies n bytes of C memory (NULL is allowed only for n == 0).
func cBuf(c call, what string, p *C.capi_cuint8, n C.size_t, limit int) ([]byte, C.int) {
	if n == 0 {
		return nil, C.BT_OK
	}
	if p == nil {
		return nil, c.fail(C.BT_E_INVALID_ARG, "%s is NULL but its size is %d", what, uint64(n))
	}
	if n > C.size_t(limit) {
		return nil, c.fail(C.BT_E_INVALID_ARG, "%s: %d bytes is too large", what, uint64(n))
	}
	return bytes.Clone(unsafe.Slice((*byte)(unsafe.Pointer(p)), int(n))), C.BT_OK
}

// hexID reads a 20-byte id (an info-hash, a DHT target) given as 40 hex characters.
func hexID(c call, what string, p *C.capi_cchar) ([20]byte, C.int) {
	s, ok := gostr(p)
	if !ok {
		return [20]byte{}, c.fail(C.BT_E_INVALID_ARG, "%s is NULL", what)
	}
	id, ok := parseHexID(s)
	if !ok {
		return id, c.fail(C.BT_E_INVALID_ARG, "%s %q: want 40 hex characters", what, s)
	}
	return id, C.BT_OK
}

// parseHexID parses 40 hex characters (either case).
func parseHexID(s string) ([20]byte, bool) {
	var id [20]byte
	if len(s) != hex.EncodedLen(len(id)) {
		return id, false
	}
	_, err := hex.Decode(id[:], []byte(s))
	return id, err == nil
}

//export bt_session_dht_stats
func bt_session_dht_stats(h *C.bt_session, out *C.bt_dht_stats) (rc C.int) {
	const c = call("bt_session_dht_stats")
	defer c.recover(&rc)
	if out == nil {
		return c.fail(C.BT_E_INVALID_ARG, "out is NULL")
	}
	size, rc := structSize(c, C.CAPI_DHT_STATS, out.version)
	if rc != C.BT_OK {
		return rc
	}
	d, rc := lookupDHT(c, h)
	if rc != C.BT_OK {
		return rc
	}
	st, err := d.DHTStats()
	if err != nil {
		return c.err(err)
	}
	full := C.bt_dht_stats{
		version: out.version,
		nodes4:  C.int(st.Nodes4), nodes6: C.int(st.Nodes6), good4: C.int(st.Good4), good6: C.int(st.Good6),
		lookups_in_flight: C.int(st.LookupsInFlight), queries_in_flight: C.int(st.QueriesInFlight),
		packets_in: C.uint64_t(st.PacketsIn), packets_out: C.uint64_t(st.PacketsOut),
		bytes_in: C.uint64_t(st.BytesIn), bytes_out: C.uint64_t(st.BytesOut),
		malformed: C.uint64_t(st.Malformed), dropped: C.uint64_t(st.Dropped),
		rate_limited: C.uint64_t(st.RateLimited), trimmed: C.uint64_t(st.Trimmed),
		queries_in: C.uint64_t(st.QueriesIn), responses_in: C.uint64_t(st.ResponsesIn),
		timeouts:    C.uint64_t(st.Timeouts),
		info_hashes: C.int(st.InfoHashes), peers: C.int(st.Peers), items: C.int(st.Items),
	}
	copyCString(full.node_id[:], hex.EncodeToString(st.NodeID[:]))
	copyPrefix(unsafe.Pointer(out), unsafe.Pointer(&full), size)
	return C.BT_OK
}

//export bt_session_dht_announce
func bt_session_dht_announce(h *C.bt_session, infoHash *C.capi_cchar, port C.int, timeoutMs C.int) (rc C.int) {
	const c = call("bt_session_dht_announce")
	defer c.recover(&rc)
	if port > 65535 {
		return c.fail(C.BT_E_INVALID_ARG, "port %d is outside 0..65535", int(port))
	}
	ih, rc := hexID(c, "info_hash", infoHash)
	if rc != C.BT_OK {
		return rc
	}
	d, ctx, cancel, rc := dhtCall(c, h, timeoutMs)
	if rc != C.BT_OK {
		return rc
	}
	defer cancel()
	if err := d.DHTAnnounce(ctx, ih, int(port)); err != nil {
		return c.err(err)
	}
	return C.BT_OK
}

//export bt_session_dht_get_peers
func bt_session_dht_get_peers(h *C.bt_session, infoHash *C.capi_cchar, timeoutMs C.int, out **C.char, count *C.size_t) (rc C.int) {
	const c = call("bt_session_dht_get_peers")
	defer c.recover(&rc)
	if out == nil || count == nil {
		return c.fail(C.BT_E_INVALID_ARG, "out or count is NULL")
	}
	*out, *count = nil, 0
	ih, rc := hexID(c, "info_hash", infoHash)
	if rc != C.BT_OK {
		return rc
	}
	d, ctx, cancel, rc := dhtCall(c, h, timeoutMs)
	if rc != C.BT_OK {
		return rc
	}
	defer cancel()
	peers, err := d.DHTGetPeers(ctx, ih)
	if err != nil {
		return c.err(err)
	}
	var b strings.Builder
	for _, p := range peers {
		b.WriteString(p.String())
		b.WriteByte('\n')
	}
	*out, *count = C.CString(b.String()), C.size_t(len(peers))
	return C.BT_OK
}

//export bt_session_dht_put_immutable
func bt_session_dht_put_immutable(h *C.bt_session, value *C.capi_cuint8, size C.size_t, timeoutMs C.int, target *C.char, stored *C.int) (rc C.int) {
	const c = call("bt_session_dht_put_immutable")
	defer c.recover(&rc)
	if target == nil {
		return c.fail(C.BT_E_INVALID_ARG, "target is NULL")
	}
	*target = 0
	if stored != nil {
		*stored = 0
	}
	v, rc := cBuf(c, "value", value, size, maxDHTValue)
	if rc != C.BT_OK {
		return rc
	}
	it, err := session.NewDHTImmutableItem(v)
	if err != nil {
		return c.err(err)
	}
	d, ctx, cancel, rc := dhtCall(c, h, timeoutMs)
	if rc != C.BT_OK {
		return rc
	}
	defer cancel()
	n, err := d.DHTPut(ctx, it)
	if err != nil {
		return c.err(err)
	}
	t := it.Target()
	copyCString(unsafe.Slice(target, 41), hex.EncodeToString(t[:]))
	if stored != nil {
		*stored = C.int(n)
	}
	return C.BT_OK
}

// itemValue hands an item's value to C (bt_free'd).
func itemValue(c call, it session.DHTItem, value **C.uint8_t, size *C.size_t) C.int {
	v := it.Value()
	mem, err := cBytes(v)
	if err != nil {
		return c.fail(C.BT_E_INTERNAL, "%v", err)
	}
	*value, *size = mem, C.size_t(len(v))
	return C.BT_OK
}

//export bt_session_dht_get_immutable
func bt_session_dht_get_immutable(h *C.bt_session, target *C.capi_cchar, timeoutMs C.int, value **C.uint8_t, size *C.size_t) (rc C.int) {
	const c = call("bt_session_dht_get_immutable")
	defer c.recover(&rc)
	if value == nil || size == nil {
		return c.fail(C.BT_E_INVALID_ARG, "value or size is NULL")
	}
	*value, *size = nil, 0
	id, rc := hexID(c, "target", target)
	if rc != C.BT_OK {
		return rc
	}
	d, ctx, cancel, rc := dhtCall(c, h, timeoutMs)
	if rc != C.BT_OK {
		return rc
	}
	defer cancel()
	it, err := d.DHTGetImmutable(ctx, id)
	if err != nil {
		return c.err(err)
	}
	return itemValue(c, it, value, size)
}

//export bt_session_dht_put_mutable
func bt_session_dht_put_mutable(h *C.bt_session, seed *C.capi_cuint8, salt *C.capi_cuint8, saltSize C.size_t,
	value *C.capi_cuint8, size C.size_t, seq C.int64_t, timeoutMs C.int, publicKey *C.uint8_t, stored *C.int) (rc C.int) {
	const c = call("bt_session_dht_put_mutable")
	defer c.recover(&rc)
	if stored != nil {
		*stored = 0
	}
	if seed == nil {
		return c.fail(C.BT_E_INVALID_ARG, "seed is NULL")
	}
	key, _ := cBuf(c, "seed", seed, ed25519.SeedSize, ed25519.SeedSize)
	s, rc := cBuf(c, "salt", salt, saltSize, maxDHTValue)
	if rc != C.BT_OK {
		return rc
	}
	v, rc := cBuf(c, "value", value, size, maxDHTValue)
	if rc != C.BT_OK {
		return rc
	}
	it, pub, err := session.NewDHTMutableItem(key, v, s, int64(seq))
	if err != nil {
		return c.err(err)
	}
	if publicKey != nil {
		copy(unsafe.Slice((*byte)(unsafe.Pointer(publicKey)), ed25519.PublicKeySize), pub)
	}
	d, ctx, cancel, rc := dhtCall(c, h, timeoutMs)
	if rc != C.BT_OK {
		return rc
	}
	defer cancel()
	n, err := d.DHTPut(ctx, it)
	if err != nil {
		return c.err(err)
	}
	if stored != nil {
		*stored = C.int(n)
	}
	return C.BT_OK
}

//export bt_session_dht_get_mutable
func bt_session_dht_get_mutable(h *C.bt_session, publicKey *C.capi_cuint8, salt *C.capi_cuint8, saltSize C.size_t,
	timeoutMs C.int, value **C.uint8_t, size *C.size_t, seq *C.int64_t) (rc C.int) {
	const c = call("bt_session_dht_get_mutable")
	defer c.recover(&rc)
	if value == nil || size == nil {
		return c.fail(C.BT_E_INVALID_ARG, "value or size is NULL")
	}
	*value, *size = nil, 0
	if seq != nil {
		*seq = 0
	}
	if publicKey == nil {
		return c.fail(C.BT_E_INVALID_ARG, "public_key is NULL")
	}
	pub, _ := cBuf(c, "public_key", publicKey, ed25519.PublicKeySize, ed25519.PublicKeySize)
	s, rc := cBuf(c, "salt", salt, saltSize, maxDHTValue)
	if rc != C.BT_OK {
		return rc
	}
	d, ctx, cancel, rc := dhtCall(c, h, timeoutMs)
	if rc != C.BT_OK {
		return rc
	}
	defer cancel()
	it, err := d.DHTGetMutable(ctx, pub, s)
	if err != nil {
		return c.err(err)
	}
	if seq != nil {
		*seq = C.int64_t(it.Seq())
	}
	return itemValue(c, it, value, size)
}
