package pex

import (
	"net/netip"
	"testing"
	"time"

	"github.com/libbt/libbt/core/bencode"
	"github.com/libbt/libbt/core/ext"
	"github.com/libbt/libbt/core/metainfo"
	"github.com/stretchr/testify/require"
)

// fakePeer is an ext.Peer with a swarm the test sets and a record of what was sent and added.
type fakePeer struct {
	private bool
	swarm   []ext.SwarmPeer
	sent    [][]byte
	added   []netip.AddrPort
}

func (f *fakePeer) Addr() netip.AddrPort            { return netip.MustParseAddrPort("10.0.0.9:1") }
func (f *fakePeer) InfoHash() metainfo.InfoHash     { return metainfo.InfoHash{} }
func (f *fakePeer) Private() bool                   { return f.private }
func (f *fakePeer) Send(payload []byte)             { f.sent = append(f.sent, payload) }
func (f *fakePeer) Disconnect(error)                {}
func (f *fakePeer) Swarm() []ext.SwarmPeer          { return f.swarm }
func (f *fakePeer) AddPeers(addrs []netip.AddrPort) { f.added = append(f.added, addrs...) }
func (f *fakePeer) last(t *testing.T) (m pexMessage) {
	t.Helper()
	require.NotEmpty(t, f.sent)
	require.NoError(t, bencode.Unmarshal(f.sent[len(f.sent)-1], &m))
	return m
}

func TestPEXIsOffForPrivateTorrents(t *testing.T) {
	require.Nil(t, Extension{}.NewPeer(&fakePeer{private: true}))
	require.NotNil(t, Extension{}.NewPeer(&fakePeer{}))
}

func TestPEXSendsGainedAndLostPeersEveryMinuteWithFlags(t *testing.T) {
	a := netip.MustParseAddrPort("10.0.0.1:6881")
	b := netip.MustParseAddrPort("[2001:db8::1]:6881")
	f := &fakePeer{swarm: []ext.SwarmPeer{{Addr: a, Seed: true, Outgoing: true}, {Addr: b}}}
	x := Extension{}.NewPeer(f)
	now := time.Now()
	x.Tick(now)
	m := f.last(t)
	require.Equal(t, appendCompact(nil, a), m.Added)
	require.Equal(t, []byte{pexFlagSeed | pexFlagOutgoing}, m.AddedF)
	require.Equal(t, appendCompact(nil, b), m.Added6)
	require.Equal(t, []byte{0}, m.Added6F)

	f.swarm = f.swarm[1:] // a left
	x.Tick(now.Add(pexInterval / 2))
	require.Len(t, f.sent, 1, "at most one message a minute")
	x.Tick(now.Add(pexInterval))
	m = f.last(t)
	require.Equal(t, appendCompact(nil, a), m.Dropped)
	require.Empty(t, m.Added6, "b was told already")
	x.Tick(now.Add(3 * pexInterval))
	require.Len(t, f.sent, 2, "nothing changed: nothing sent")
}

func TestPEXAddsPeersButIgnoresFloods(t *testing.T) {
	f := &fakePeer{}
	x := Extension{}.NewPeer(f)
	a := netip.MustParseAddrPort("10.0.0.1:6881")
	msg, _ := bencode.Marshal(pexMessage{Added: appendCompact(nil, a)})
	require.NoError(t, x.Message(msg))
	require.Equal(t, []netip.AddrPort{a}, f.added)
	require.NoError(t, x.Message(msg))
	require.Len(t, f.added, 1, "a second message within pexInterval/6 is ignored")
	require.ErrorIs(t, x.Message([]byte("d5:added5:abcdee")), ext.ErrProtocol)
}
