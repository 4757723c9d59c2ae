package main

import (
	"fmt"
	"sync"
	"unsafe"

	"github.com/libbt/libbt/core/session"
	"github.com/libbt/libbt/core/shrink"
)

// kind tags a registry entry, so a handle of one kind passed as another is rejected.
type kind uint8

const (
	kindSession kind = iota + 1
	kindTorrent
	kindSettings
	kindAlerts
)

func (k kind) String() string {
	switch k {
	case kindSession:
		return "session"
	case kindTorrent:
		return "torrent"
	case kindSettings:
		return "settings"
	case kindAlerts:
		return "alerts batch"
	}
	return "unknown"
}

// handleID is the integer behind every C handle. The first id is above any address a small
// integer cast to a pointer would use (and above Go's minimum legal pointer), so (void*)1 and
// friends are never live handles.
type handleID uint64

const firstID handleID = 1 << 16

type sessionObj struct {
	s      *session.Session
	notify notifier // the C alert-notify callback (notify.go)
	// Guarded by reg.mu. A removed torrent leaves nothing here: its id dies with its entry (ids
	// are never reused, so a stale handle stays stale), and torrentID refuses it a new one
	// because the engine says it is Removed.
	torrents     map[*session.Torrent]handleID
	peakTorrents int // the most entries torrents has held (see shrink.Delete)
}

type torrentObj struct {
	t     *session.Torrent
	owner handleID // the session's id
}

type entry struct {
	kind kind
	obj  any // *sessionObj, *torrentObj, *session.Settings, *alertBatch
}

var reg = struct {
	mu   sync.RWMutex
	next handleID
	m    map[handleID]*entry
	peak int // the most entries m has held (see shrink.Delete)
}{next: firstID, m: map[handleID]*entry{}}

// register adds obj and returns its new id. Caller must not hold reg.mu.
func register(k kind, obj any) handleID {
	reg.mu.Lock()
	defer reg.mu.Unlock()
	return registerLocked(k, obj)
}

func registerLocked(k kind, obj any) handleID {
	id := reg.next
	reg.next++
	reg.m[id] = &entry{kind: k, obj: obj}
	return id
}

// errBadHandle is the message of a BT_E_BAD_HANDLE failure.
type errBadHandle string

func (e errBadHandle) Error() string { return string(e) }

// lookup returns the object behind id if it is live and of kind k.
func lookup(id handleID, k kind) (any, error) {
	reg.mu.RLock()
	e := reg.m[id]
	reg.mu.RUnlock()
	return checkEntry(e, id, k)
}

func checkEntry(e *entry, id handleID, k kind) (any, error) {
	if e == nil {
		return nil, errBadHandle(fmt.Sprintf("%s handle %#x is not live (freed, removed or never issued)", k, uint64(id)))
	}
	if e.kind != k {
		return nil, errBadHandle(fmt.Sprintf("handle %#x is a %s, not a %s", uint64(id), e.kind, k))
	}
	return e.obj, nil
}

// unregister removes id if it is live and of kind k, returning its object.
func unregister(id handleID, k kind) (any, error) {
	reg.mu.Lock()
	defer reg.mu.Unlock()
	obj, err := checkEntry(reg.m[id], id, k)
	if err != nil {
		return nil, err
	}
	reg.m = shrink.Delete(reg.m, &reg.peak, id)
	return obj, nil
}

// freeSession unregisters a session and every torrent id it handed out.
func freeSession(id handleID) (*sessionObj, error) {
	reg.mu.Lock()
	defer reg.mu.Unlock()
	obj, err := checkEntry(reg.m[id], id, kindSession)
	if err != nil {
		return nil, err
	}
	so := obj.(*sessionObj)
	reg.m = shrink.Delete(reg.m, &reg.peak, id)
	for _, tid := range so.torrents {
		reg.m = shrink.Delete(reg.m, &reg.peak, tid)
	}
	so.torrents = nil
	return so, nil
}

// torrentID returns the one id of t in session sid, creating it on first sight. It returns 0 if
// the session is gone or t was removed.
//
// A removal cannot leave a live id behind: bt_session_remove_torrent calls forgetTorrent after
// the engine has marked t Removed, and both that and the check here run under reg.mu, so an id
// made before forgetTorrent is deleted by it and none is made after.
func torrentID(sid handleID, t *session.Torrent) handleID {
	reg.mu.RLock()
	e := reg.m[sid]
	if e == nil || e.kind != kindSession {
		reg.mu.RUnlock()
		return 0
	}
	so := e.obj.(*sessionObj)
	id, ok := so.torrents[t]
	reg.mu.RUnlock()
	if ok {
		return id
	}
	reg.mu.Lock()
	defer reg.mu.Unlock()
	if e := reg.m[sid]; e == nil || e.kind != kindSession || t.Removed() {
		return 0
	}
	if id, ok := so.torrents[t]; ok {
		return id
	}
	id = registerLocked(kindTorrent, &torrentObj{t: t, owner: sid})
	so.torrents[t] = id
	return id
}

// forgetTorrent makes a torrent's id stale after its removal (t.Removed() is true) and drops
// every reference capi held to it.
func forgetTorrent(sid handleID, t *session.Torrent) {
	reg.mu.Lock()
	defer reg.mu.Unlock()
	e := reg.m[sid]
	if e == nil || e.kind != kindSession {
		return
	}
	so := e.obj.(*sessionObj)
	if id, ok := so.torrents[t]; ok {
		reg.m = shrink.Delete(reg.m, &reg.peak, id)
		so.torrents = shrink.Delete(so.torrents, &so.peakTorrents, t)
	}
}

// Conversions between ids and the opaque C pointer types. The id's bits are reinterpreted, not
// converted with unsafe.Pointer(uintptr): these values are never dereferenced by anyone, and ids
// start above any address the Go runtime or checkptr would consider.

func idPtr(id handleID) unsafe.Pointer {
	u := uintptr(id)
	return *(*unsafe.Pointer)(unsafe.Pointer(&u))
}

func ptrID(p unsafe.Pointer) handleID { return handleID(uintptr(p)) }
