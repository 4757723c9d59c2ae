package session

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/libbt/libbt/core/bencode"
	"github.com/libbt/libbt/core/peerwire"
	"github.com/stretchr/testify/require"
)

// echoExtension is a user extension: each side greets every peer that supports it once and
// records the greetings it receives.
type echoExtension struct {
	mu   sync.Mutex
	got  []string
	name string
}

func (e *echoExtension) Name() string { return "x_echo" }

func (e *echoExtension) NewPeer(p ExtensionPeer) PeerExtension {
	return &echoPeer{ext: e, p: p}
}

type echoPeer struct {
	ext  *echoExtension
	p    ExtensionPeer
	sent bool
}

func (x *echoPeer) Message(payload []byte) error {
	x.ext.mu.Lock()
	x.ext.got = append(x.ext.got, string(payload))
	x.ext.mu.Unlock()
	return nil
}

func (x *echoPeer) Tick(time.Time) {
	if !x.sent {
		x.sent = true
		x.p.Send([]byte("hello from " + x.ext.name))
	}
}

func (x *echoPeer) Close() {}

func TestUserExtensionExchangesMessages(t *testing.T) {
	root := t.TempDir()
	dir := makeFiles(t, root, map[string]int{"a": 3_000_000})
	mi := createTorrent(t, dir, 16<<10)
	ea, eb := &echoExtension{name: "a"}, &echoExtension{name: "b"}
	a := newTestSession(t, "127.0.0.1:0")
	require.NoError(t, a.AddExtension(ea))
	require.Error(t, a.AddExtension(ea), "names are unique")
	b := newTestSession(t, "127.0.0.1:0", func(s *Settings) { require.NoError(t, s.SetInt("download_rate_limit", 300_000)) })
	require.NoError(t, b.AddExtension(eb))

	at, err := a.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: root})
	require.NoError(t, err)
	waitState(t, at, 5*time.Second, StateSeeding)
	bt, err := b.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: t.TempDir()})
	require.NoError(t, err)
	require.NoError(t, bt.ConnectPeer(netip.MustParseAddrPort(fmt.Sprintf("127.0.0.1:%d", a.ListenPort()))))
	require.Eventually(t, func() bool {
		ea.mu.Lock()
		eb.mu.Lock()
		defer ea.mu.Unlock()
		defer eb.mu.Unlock()
		return len(ea.got) == 1 && len(eb.got) == 1
	}, 10*time.Second, 20*time.Millisecond)
	require.Equal(t, "hello from b", ea.got[0])
	require.Equal(t, "hello from a", eb.got[0])
}

// rawPeer dials a session's listen port and completes a handshake with the fast and extension
// bits, returning the connection and a reader positioned after the handshake.
func rawPeer(t *testing.T, s *Session, ih [20]byte) (net.Conn, *peerwire.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", s.ListenPort()))
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	h := peerwire.Handshake{InfoHash: ih}
	copy(h.PeerID[:], "-TEST00-rawpeer00000")
	h.SetFast()
	h.SetExtended()
	require.NoError(t, peerwire.WriteHandshake(c, h))
	_, err = peerwire.ReadHandshake(c)
	require.NoError(t, err)
	return c, peerwire.NewReader(c, 0)
}

func TestDontHaveStopsRequestsForThatPiece(t *testing.T) {
	root := t.TempDir()
	dir := makeFiles(t, root, map[string]int{"a": 16 << 10 * 4})
	mi := createTorrent(t, dir, 16<<10)
	s := newTestSession(t, "127.0.0.1:0")
	tor, err := s.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: t.TempDir()})
	require.NoError(t, err)
	waitState(t, tor, 5*time.Second, StateDownloading)

	c, r := rawPeer(t, s, mi.InfoHash)
	hs, _ := (&peerwire.ExtendedHandshake{M: map[string]int{"lt_donthave": 9}}).Marshal()
	msgs := peerwire.AppendExtended(nil, 0, hs)
	msgs = peerwire.AppendSimple(msgs, peerwire.HaveAll)
	// Take piece 2 back before unchoking: it must never be requested.
	msgs = peerwire.AppendExtended(msgs, extDontHaveID, []byte{0, 0, 0, 2})
	msgs = peerwire.AppendSimple(msgs, peerwire.Unchoke)
	_, err = c.Write(msgs)
	require.NoError(t, err)
	requested := map[uint32]bool{}
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) && len(requested) < 3 {
		c.SetReadDeadline(deadline)
		var m peerwire.Message
		if r.ReadMessage(&m) != nil {
			break
		}
		if m.ID == peerwire.Request && !m.KeepAlive {
			requested[m.Index] = true
		}
	}
	require.Equal(t, map[uint32]bool{0: true, 1: true, 3: true}, requested, "piece 2 was withdrawn with lt_donthave")
}

func TestUploadOnlyPeersPartWithASeed(t *testing.T) {
	root := t.TempDir()
	dir := makeFiles(t, root, map[string]int{"a": 50_000})
	mi := createTorrent(t, dir, 16<<10)
	s := newTestSession(t, "127.0.0.1:0")
	tor, err := s.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: root})
	require.NoError(t, err)
	waitState(t, tor, 5*time.Second, StateSeeding)

	c, r := rawPeer(t, s, mi.InfoHash)
	var hs peerwire.ExtendedHandshake
	hs.M = map[string]int{}
	hs.UploadOnly = 1 // BEP 21: we only upload, and so does the seed: nothing to exchange
	payload, _ := hs.Marshal()
	_, err = c.Write(peerwire.AppendExtended(nil, 0, payload))
	require.NoError(t, err)
	c.SetReadDeadline(time.Now().Add(3 * time.Second))
	var m peerwire.Message
	for {
		if err := r.ReadMessage(&m); err != nil {
			var ne net.Error
			require.False(t, errors.As(err, &ne) && ne.Timeout(), "the seed should hang up, not wait")
			return
		}
		if m.ID == peerwire.Extended && m.ExtendedID == 0 {
			var theirs map[string]any
			require.NoError(t, bencode.Unmarshal(m.Payload, &theirs))
			require.Equal(t, int64(1), theirs["upload_only"], "a seed says it is upload-only")
		}
	}
}
