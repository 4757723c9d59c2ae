package session

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/netip"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/libbt/libbt/core/metainfo"
	"github.com/libbt/libbt/core/mse"
	"github.com/stretchr/testify/require"
)

// peerEncryption lists how the torrent's connected peers were negotiated.
func peerEncryption(t *testing.T, tor *Torrent) []mse.CryptoMethod {
	var out []mse.CryptoMethod
	require.NoError(t, tor.do(func() error {
		for p := range tor.peers {
			out = append(out, p.encryption())
		}
		return nil
	}))
	return out
}

func encSettings(kv map[string]int64) func(*Settings) {
	return func(st *Settings) {
		for k, v := range kv {
			if k == "prefer_rc4" {
				st.SetBool(k, v != 0)
				continue
			}
			if err := st.SetInt(k, v); err != nil {
				panic(err)
			}
		}
	}
}

type encTransfer struct {
	seeder, leecher *Session
	seed, get       *Torrent
	mi              *metainfo.MetaInfo
	dir, save       string
}

// startEncTransfer starts a seeder and a leecher with the given settings and connects them.
func startEncTransfer(t *testing.T, seederSettings, leecherSettings map[string]int64) *encTransfer {
	root := t.TempDir()
	x := &encTransfer{dir: makeFiles(t, root, defaultSizes), save: t.TempDir()}
	x.mi = createTorrent(t, x.dir, 32<<10)
	x.seeder = newTestSession(t, "127.0.0.1:0", encSettings(seederSettings))
	var err error
	x.seed, err = x.seeder.AddTorrent(AddTorrentParams{MetaInfo: x.mi, SavePath: root})
	require.NoError(t, err)
	waitState(t, x.seed, 10*time.Second, StateSeeding)
	x.leecher = newTestSession(t, "127.0.0.1:0", encSettings(leecherSettings))
	x.get, err = x.leecher.AddTorrent(AddTorrentParams{MetaInfo: x.mi, SavePath: x.save})
	require.NoError(t, err)
	require.NoError(t, x.get.ConnectPeer(netip.MustParseAddrPort(fmt.Sprintf("127.0.0.1:%d", x.seeder.ListenPort()))))
	return x
}

func (x *encTransfer) finish(t *testing.T) {
	status := waitState(t, x.get, 30*time.Second, StateSeeding)
	require.Equal(t, x.mi.Info.TotalLength, status.TotalDone)
	requireSameTree(t, x.dir, filepath.Join(x.save, "content"))
}

func TestEncryptionPoliciesNegotiateAsLibtorrent(t *testing.T) {
	cases := []struct {
		name            string
		seeder, leecher map[string]int64
		want            mse.CryptoMethod // on both sides
	}{
		{"defaults obfuscate with a plaintext stream", nil, nil, mse.Plaintext},
		{"rc4 only", map[string]int64{"allowed_enc_level": 2}, map[string]int64{"allowed_enc_level": 2}, mse.RC4},
		{"receiver prefers rc4", map[string]int64{"prefer_rc4": 1}, nil, mse.RC4},
		{"initiator offers only rc4", nil, map[string]int64{"allowed_enc_level": 2, "out_enc_policy": encForced}, mse.RC4},
		{"forced both ways", map[string]int64{"in_enc_policy": encForced}, map[string]int64{"out_enc_policy": encForced}, mse.Plaintext},
		{"outgoing disabled", nil, map[string]int64{"out_enc_policy": encDisabled}, 0},
		{"incoming disabled: enabled falls back to plaintext", map[string]int64{"in_enc_policy": encDisabled}, nil, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			x := startEncTransfer(t, c.seeder, c.leecher)
			x.finish(t)
			// Both are seeds now and have hung up: dial once more by hand and look at the
			// connection on both sides.
			seederAddr := netip.MustParseAddrPort(fmt.Sprintf("127.0.0.1:%d", x.seeder.ListenPort()))
			conn, h, err := x.leecher.dial(context.Background(), seederAddr, x.mi.InfoHash)
			require.NoError(t, err)
			defer conn.Close()
			require.Equal(t, x.mi.InfoHash, metainfo.InfoHash(h.InfoHash))
			require.Equal(t, c.want, mse.MethodOf(conn))
			require.Eventually(t, func() bool { return len(peerEncryption(t, x.seed)) == 1 }, 5*time.Second, 10*time.Millisecond)
			require.Equal(t, []mse.CryptoMethod{c.want}, peerEncryption(t, x.seed))
		})
	}
}

func TestEnabledPolicyRemembersPeersThatOnlySpeakPlaintext(t *testing.T) {
	x := startEncTransfer(t, map[string]int64{"in_enc_policy": encDisabled}, nil)
	x.finish(t)
	addr := netip.MustParseAddrPort(fmt.Sprintf("127.0.0.1:%d", x.seeder.ListenPort()))
	require.True(t, x.leecher.enc.PlaintextWorked(addr))

	// The peer turns to forced encryption: the remembered plaintext attempt fails, is
	// forgotten, and the next attempt uses MSE again.
	require.NoError(t, x.seeder.ApplySettings(func() *Settings {
		st := NewSettings()
		st.SetInt("in_enc_policy", encForced)
		return st
	}()))
	_, _, err := x.leecher.dial(context.Background(), addr, x.mi.InfoHash)
	require.Error(t, err)
	require.False(t, x.leecher.enc.PlaintextWorked(addr))
	conn, _, err := x.leecher.dial(context.Background(), addr, x.mi.InfoHash)
	require.NoError(t, err)
	defer conn.Close()
	require.Equal(t, mse.Plaintext, mse.MethodOf(conn))
}

func TestMismatchedForcedPoliciesRefuseTheConnection(t *testing.T) {
	cases := []struct {
		name            string
		seeder, leecher map[string]int64
	}{
		{"plaintext peer to forced receiver", map[string]int64{"in_enc_policy": encForced}, map[string]int64{"out_enc_policy": encDisabled}},
		{"forced initiator to plaintext receiver", map[string]int64{"in_enc_policy": encDisabled}, map[string]int64{"out_enc_policy": encForced}},
		{"no method in common", map[string]int64{"allowed_enc_level": 1}, map[string]int64{"allowed_enc_level": 2, "out_enc_policy": encForced}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			x := startEncTransfer(t, c.seeder, c.leecher)
			time.Sleep(2 * time.Second)
			st := x.get.Status()
			require.Zero(t, st.TotalDone)
			require.Zero(t, st.NumPeers)
			require.Empty(t, peerEncryption(t, x.seed))
		})
	}
}

// recordingListener accepts connections, records everything each one sends, and hands each to
// behave; it returns the address and a function giving the recordings so far.
func recordingListener(t *testing.T, behave func(c net.Conn)) (netip.AddrPort, func() [][]byte) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	var mu sync.Mutex
	var recs []*bytes.Buffer
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			buf := &bytes.Buffer{}
			mu.Lock()
			recs = append(recs, buf)
			mu.Unlock()
			go func() {
				defer c.Close()
				behave(&recordConn{Conn: c, mu: &mu, buf: buf})
			}()
		}
	}()
	return netip.MustParseAddrPort(ln.Addr().String()), func() [][]byte {
		mu.Lock()
		defer mu.Unlock()
		out := make([][]byte, len(recs))
		for i, b := range recs {
			out[i] = bytes.Clone(b.Bytes())
		}
		return out
	}
}

type recordConn struct {
	net.Conn
	mu  *sync.Mutex
	buf *bytes.Buffer
}

func (r *recordConn) Read(p []byte) (int, error) {
	n, err := r.Conn.Read(p)
	r.mu.Lock()
	r.buf.Write(p[:n])
	r.mu.Unlock()
	return n, err
}

func TestFailedEncryptedHandshakeNeverLeaksPlaintext(t *testing.T) {
	behaviours := map[string]func(c net.Conn){
		// A plaintext-only peer: reads a handshake's worth, finds no protocol string, hangs up.
		"plaintext peer hangs up": func(c net.Conn) {
			c.SetDeadline(time.Now().Add(5 * time.Second))
			io.ReadFull(c, make([]byte, 68))
		},
		// An MSE peer that does not have the torrent.
		"mse peer without the torrent": func(c net.Conn) {
			mse.Accept(context.Background(), c, mse.LookupList([20]byte{1}), mse.AllMethods, false)
		},
		// An MSE peer that answers with garbage after its key.
		"mse peer answers garbage": func(c net.Conn) {
			c.SetDeadline(time.Now().Add(5 * time.Second))
			io.ReadFull(c, make([]byte, 96))
			c.Write(bytes.Repeat([]byte{0x5a}, 96+700))
			io.Copy(io.Discard, c)
		},
		// A peer that never answers: the handshake times out.
		"silent peer": func(c net.Conn) {
			io.Copy(io.Discard, c)
		},
	}
	for name, behave := range behaviours {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			mi := createTorrent(t, makeFiles(t, root, map[string]int{"a": 1000}), 32<<10)
			addr, recordings := recordingListener(t, behave)
			s := newTestSession(t, "127.0.0.1:0", encSettings(map[string]int64{"out_enc_policy": encForced, "handshake_timeout": 2}))
			tor, err := s.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: t.TempDir()})
			require.NoError(t, err)
			require.NoError(t, tor.ConnectPeer(addr))
			time.Sleep(3 * time.Second)
			recs := recordings()
			require.NotEmpty(t, recs)
			for _, r := range recs {
				require.NotEmpty(t, r)
				require.NotContains(t, string(r), "BitTorrent protocol")
				require.NotContains(t, string(r), string(mi.InfoHash[:]))
				require.NotContains(t, string(r), string(s.peerID[:8]))
			}
		})
	}
}

func TestIncomingGarbageIsDroppedAndSeedingGoesOn(t *testing.T) {
	x := startEncTransfer(t, map[string]int64{"handshake_timeout": 1}, nil) // 30 bytes of junk wait for a key
	for _, junk := range [][]byte{bytes.Repeat([]byte{0}, 1000), bytes.Repeat([]byte("x"), 30), []byte("\x13BitTorrent protocol" + string(make([]byte, 48)))} {
		c, err := net.Dial("tcp4", fmt.Sprintf("127.0.0.1:%d", x.seeder.ListenPort()))
		require.NoError(t, err)
		c.Write(junk)
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, _ := io.Copy(io.Discard, c) // the seeder hangs up (EOF or reset), answering nothing
		require.Zero(t, n)
		c.Close()
	}
	x.finish(t)
}

func TestPeersReportEncryption(t *testing.T) {
	root := t.TempDir()
	dir := makeFiles(t, root, map[string]int{"a": 2_000_000})
	mi := createTorrent(t, dir, 16<<10)
	forced := func(s *Settings) {
		require.NoError(t, s.SetInt("out_enc_policy", 0))
		require.NoError(t, s.SetInt("in_enc_policy", 0))
		require.NoError(t, s.SetInt("allowed_enc_level", 2))
	}
	a := newTestSession(t, "127.0.0.1:0", forced)
	at, err := a.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: root})
	require.NoError(t, err)
	waitState(t, at, 5*time.Second, StateSeeding)
	b := newTestSession(t, "127.0.0.1:0", forced, func(s *Settings) { require.NoError(t, s.SetInt("download_rate_limit", 200_000)) })
	bt, err := b.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: t.TempDir()})
	require.NoError(t, err)
	require.NoError(t, bt.ConnectPeer(netip.MustParseAddrPort(fmt.Sprintf("127.0.0.1:%d", a.ListenPort()))))
	require.Eventually(t, func() bool {
		peers := bt.Peers()
		return len(peers) == 1 && peers[0].Encrypted && peers[0].Source == SourceUser
	}, 5*time.Second, 20*time.Millisecond)
}
