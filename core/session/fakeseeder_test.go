package session

import (
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/libbt/libbt/core/metainfo"
	"github.com/libbt/libbt/core/peerwire"
	"github.com/stretchr/testify/require"
)

// reply is what a scripted seeder does with a message.
type reply int

const (
	serve          reply = iota // a request: send the block; anything else: nothing
	ignore                      // say nothing (a silently dropped request)
	reject                      // send a BEP 6 reject for the message's block
	serveLate                   // a request: send the block after lateBy
	serveLater                  // a request: send the block after twice lateBy
	serveOnRelease              // a request: send the block once the seeder's release channel closes
)

// lateBy stays well under the 2 s floor of the request timeout.
const lateBy = 800 * time.Millisecond

// scriptedSeeder is a hand-written seeder on loopback: it has every piece, unchokes at once and
// answers each request with the right data, except where script (called with every request
// and cancel, on the connection's goroutine) says otherwise. id must differ between seeders of
// one test.
func scriptedSeeder(t *testing.T, mi *metainfo.MetaInfo, content []byte, id string, script func(m *peerwire.Message) reply) netip.AddrPort {
	t.Helper()
	return heldSeeder(t, mi, content, id, nil, script)
}

// heldSeeder is scriptedSeeder whose serveOnRelease blocks go out when release is closed (the
// test closes it, or its cleanup does), so a test can order events without timing them.
func heldSeeder(t *testing.T, mi *metainfo.MetaInfo, content []byte, id string, release <-chan struct{}, script func(m *peerwire.Message) reply) netip.AddrPort {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	require.NoError(t, err)
	var conns sync.WaitGroup
	t.Cleanup(func() { ln.Close(); conns.Wait() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			go func() {
				defer conns.Done()
				defer c.Close()
				serveScripted(c, mi, content, id, release, script)
			}()
		}
	}()
	return netip.MustParseAddrPort(ln.Addr().String())
}

func serveScripted(c net.Conn, mi *metainfo.MetaInfo, content []byte, id string, release <-chan struct{}, script func(m *peerwire.Message) reply) {
	if _, err := peerwire.ReadHandshake(c); err != nil {
		return
	}
	h := peerwire.Handshake{InfoHash: mi.InfoHash}
	copy(h.PeerID[:], id)
	h.SetFast()
	if err := peerwire.WriteHandshake(c, h); err != nil {
		return
	}
	if _, err := c.Write(peerwire.AppendSimple(peerwire.AppendSimple(nil, peerwire.HaveAll), peerwire.Unchoke)); err != nil {
		return
	}
	var wmu sync.Mutex
	write := func(buf []byte) error {
		wmu.Lock()
		defer wmu.Unlock()
		_, err := c.Write(buf)
		return err
	}
	block := func(m *peerwire.Message) []byte {
		off := mi.Info.PieceOffset(metainfo.PieceIndex(m.Index)) + int64(m.Begin)
		buf := peerwire.AppendPieceHeader(nil, m.Index, m.Begin, int(m.Length))
		return append(buf, content[off:off+int64(m.Length)]...)
	}
	r := peerwire.NewReader(c, peerwire.DefaultMaxMessage)
	var m peerwire.Message
	for {
		if err := r.ReadMessage(&m); err != nil {
			return
		}
		if m.KeepAlive || m.ID != peerwire.Request && m.ID != peerwire.Cancel {
			continue
		}
		var buf []byte
		switch rep := script(&m); rep {
		case ignore:
			continue
		case reject:
			buf = peerwire.AppendReject(nil, m.Index, m.Begin, m.Length)
		case serve:
			if m.ID != peerwire.Request {
				continue
			}
			buf = block(&m)
		case serveLate, serveLater:
			late, delay := block(&m), lateBy
			if rep == serveLater {
				delay *= 2
			}
			time.AfterFunc(delay, func() { write(late) })
			continue
		case serveOnRelease:
			held := block(&m)
			go func() {
				<-release
				write(held)
			}()
			continue
		}
		if err := write(buf); err != nil {
			return
		}
	}
}

// oneFileTorrent makes a torrent of one random file of size bytes and returns it with the
// file's content and its directory.
func oneFileTorrent(t *testing.T, size int, pieceLen int64) (*metainfo.MetaInfo, []byte, string) {
	t.Helper()
	root := t.TempDir()
	dir := makeFiles(t, root, map[string]int{"a": size})
	content, err := os.ReadFile(filepath.Join(dir, "a"))
	require.NoError(t, err)
	return createTorrent(t, dir, pieceLen), content, root
}

func serveAll(*peerwire.Message) reply { return serve }
