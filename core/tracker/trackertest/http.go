package trackertest

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"time"

	"github.com/libbt/libbt/core/bencode"
	"github.com/libbt/libbt/core/tracker"
)

// HTTP is a BEP 3 tracker on a loopback HTTP server, serving /announce.
// It answers compact=1 (the default) with a compact "peers" string (and
// "peers6" for IPv6 peers) and compact=0 with a list of dicts.
type HTTP struct {
	*swarms
	ln  net.Listener
	srv *http.Server
}

// NewHTTP starts an HTTP tracker on 127.0.0.1:0. Like httptest.NewServer it
// panics if it cannot listen.
func NewHTTP() *HTTP {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(fmt.Sprintf("trackertest: listen tcp: %v", err))
	}
	h := &HTTP{swarms: newSwarms(), ln: ln}
	mux := http.NewServeMux()
	mux.HandleFunc("/announce", h.serveAnnounce)
	h.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go h.srv.Serve(ln)
	return h
}

// URL returns the announce URL, http://127.0.0.1:port/announce.
func (h *HTTP) URL() string { return "http://" + h.ln.Addr().String() + "/announce" }

// Close stops the server.
func (h *HTTP) Close() { h.srv.Close() }

func (h *HTTP) serveAnnounce(w http.ResponseWriter, r *http.Request) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		writeBencode(w, map[string]any{"failure reason": "bad query: " + err.Error()})
		return
	}
	ih, pid := q.Get("info_hash"), q.Get("peer_id")
	if len(ih) != 20 || len(pid) != 20 {
		writeBencode(w, map[string]any{"failure reason": "info_hash and peer_id must be 20 bytes"})
		return
	}
	port, err := strconv.ParseUint(q.Get("port"), 10, 16)
	if err != nil {
		writeBencode(w, map[string]any{"failure reason": "bad port"})
		return
	}
	remote, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		writeBencode(w, map[string]any{"failure reason": "bad remote address"})
		return
	}
	num := func(k string) int64 { n, _ := strconv.ParseInt(q.Get(k), 10, 64); return n }
	numWant := -1
	if q.Has("numwant") {
		numWant = int(num("numwant"))
	}
	key, _ := strconv.ParseUint(q.Get("key"), 16, 32)
	a := Announce{
		InfoHash:   [20]byte([]byte(ih)),
		PeerID:     [20]byte([]byte(pid)),
		Addr:       netip.AddrPortFrom(remote.Addr().Unmap(), uint16(port)),
		Event:      parseEvent(q.Get("event")),
		Uploaded:   num("uploaded"),
		Downloaded: num("downloaded"),
		Left:       num("left"),
		NumWant:    numWant,
		Key:        uint32(key),
	}
	peers, seeders, leechers, failure := h.swarms.announce(a)
	if failure != "" {
		writeBencode(w, map[string]any{"failure reason": failure})
		return
	}
	interval, minInterval := h.intervals()
	resp := map[string]any{
		"interval":   int64(interval / time.Second),
		"complete":   seeders,
		"incomplete": leechers,
	}
	if minInterval > 0 {
		resp["min interval"] = int64(minInterval / time.Second)
	}
	if q.Get("compact") == "0" {
		list := []any{}
		for _, p := range peers {
			list = append(list, map[string]any{"ip": p.Addr().String(), "port": p.Port(), "peer id": ""})
		}
		resp["peers"] = list
	} else {
		var v4, v6 []byte
		for _, p := range peers {
			if p.Addr().Is4() {
				v4 = append(v4, p.Addr().AsSlice()...)
				v4 = append(v4, byte(p.Port()>>8), byte(p.Port()))
			} else {
				v6 = append(v6, p.Addr().AsSlice()...)
				v6 = append(v6, byte(p.Port()>>8), byte(p.Port()))
			}
		}
		resp["peers"] = string(v4)
		if len(v6) > 0 {
			resp["peers6"] = string(v6)
		}
	}
	writeBencode(w, resp)
}

func parseEvent(s string) tracker.Event {
	switch s {
	case "started":
		return tracker.Started
	case "completed":
		return tracker.Completed
	case "stopped":
		return tracker.Stopped
	}
	return tracker.None
}

func writeBencode(w http.ResponseWriter, v map[string]any) {
	b, err := bencode.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	w.Write(b)
}
