package dht

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/libbt/libbt/core/metainfo"
	"github.com/libbt/libbt/dht/krpc"
	"github.com/stretchr/testify/require"
)

// python is the system Python, which has Debian's python3-libtorrent.
const python = "/usr/bin/python3"

// ltpeer is the test suite's reference peer on the real libtorrent, kept in the repository
// (go test runs in the package directory).
var ltpeer = filepath.Join("..", "tests", "interop", "ltpeer.py")

// requireLibtorrent skips under -short and otherwise fails, never skips, when the reference peer
// or python3-libtorrent is missing: interop is part of the suite.
func requireLibtorrent(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("libtorrent interop: skipped with -short")
	}
	if _, err := os.Stat(ltpeer); err != nil {
		t.Fatalf("libtorrent interop needs the reference peer: %v", err)
	}
	if out, err := exec.Command(python, "-c", "import libtorrent").CombinedOutput(); err != nil {
		t.Fatalf("libtorrent interop needs python3-libtorrent (make deps): %s -c 'import libtorrent': %v\n%s",
			python, err, out)
	}
}

// freePort returns a port free for both TCP and UDP on 127.0.0.1 and ::1.
func freePort(t *testing.T) int {
	for range 50 {
		l, err := net.Listen("tcp4", "127.0.0.1:0")
		require.NoError(t, err)
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		u, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port})
		if err == nil {
			u.Close()
			return port
		}
	}
	t.Fatal("no free port")
	return 0
}

// startLTPeer runs ltpeer.py with args and returns once it prints its
// first line (which it returns).
func startLTPeer(t *testing.T, args ...string) string {
	cmd := exec.Command(python, append([]string{ltpeer}, args...)...)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default:
			}
		}
	}()
	select {
	case l := <-lines:
		t.Logf("ltpeer %s: %s", args[0], l)
		return l
	case <-time.After(15 * time.Second):
		t.Fatalf("ltpeer %v printed nothing", args)
	}
	return ""
}

// TestInteropWithLibtorrentDHT runs our node beside two libtorrent nodes, on a socket of its
// own and on a socket shared with UDP tracker traffic (core/udpmux, as in a session).
func TestInteropWithLibtorrentDHT(t *testing.T) {
	requireLibtorrent(t)
	t.Run("own socket", func(t *testing.T) {
		cfg := testConfig()
		cfg.RateLimit = RateLimit{PerSecond: 500, Burst: 1000}
		interopWithLibtorrent(t, newNode(t, cfg))
	})
	t.Run("shared socket", func(t *testing.T) {
		m, conn := sharedSocket(t)
		cfg := testConfig()
		cfg.Addrs, cfg.Conns = nil, []PacketConn{conn}
		cfg.RateLimit = RateLimit{PerSecond: 500, Burst: 1000}
		s := newNode(t, cfg)
		require.Equal(t, m.LocalAddr(), s.Addr())
		interopWithLibtorrent(t, s)
		requireTrackerWorksOn(t, m)
		require.Positive(t, m.Stats().KRPCIn)
	})
}

func interopWithLibtorrent(t *testing.T, s *Server) {
	// libtorrent announces a torrent it seeds ("ltpeer dht --announce"
	// trips over the 2.0.8 Python binding's dht_announce flags argument).
	dir := t.TempDir()
	data := filepath.Join(dir, "payload.bin")
	require.NoError(t, os.WriteFile(data, make([]byte, 100_000), 0o644))
	out, err := exec.Command(python, ltpeer, "make", "--data", data, "--out", filepath.Join(dir, "x.torrent"), "--v1only").Output()
	require.NoError(t, err)
	var made struct{ InfoHash string }
	require.NoError(t, json.Unmarshal(out, &made))
	ih, err := metainfo.ParseInfoHash(made.InfoHash)
	require.NoError(t, err)

	p1, p2 := freePort(t), freePort(t)
	start := time.Now()
	startLTPeer(t, "seed", "--torrent", filepath.Join(dir, "x.torrent"), "--save", dir, "--port", fmt.Sprint(p1),
		"--dht", "--dht-bootstrap", s.Addr().String(), "--seconds", "30")
	startLTPeer(t, "dht", "--port", fmt.Sprint(p2), "--dht-bootstrap", s.Addr().String(), "--seconds", "30")

	inTable := func() map[uint16]bool {
		m := map[uint16]bool{}
		for _, n := range s.Nodes(false) {
			m[n.Addr.Port()] = true
		}
		return m
	}
	deadline := time.Now().Add(25 * time.Second)
	for {
		m := inTable()
		if m[uint16(p1)] && m[uint16(p2)] {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("libtorrent nodes not in our table: %v (stats %+v)", m, s.Stats())
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("both libtorrent nodes in our routing table after %v", time.Since(start).Round(time.Millisecond))

	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Second)
	defer cancel()
	for {
		peers, err := s.GetPeers(ctx, ih)
		require.NoError(t, err)
		for _, p := range peers {
			if p.Port() == uint16(p1) {
				t.Logf("get_peers found libtorrent's announce %v after %v (stats %+v)", p, time.Since(start).Round(time.Millisecond), s.Stats())
				requireValuesFrom(ctx, t, s, ih, p2, p1)
				return
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("libtorrent's announce never found; stats %+v", s.Stats())
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// requireValuesFrom checks that the libtorrent node on port from answers
// our get_peers with a value naming port want: the announce travelled
// libtorrent -> libtorrent and its reply parsed here, not only our store.
func requireValuesFrom(ctx context.Context, t *testing.T, s *Server, ih metainfo.InfoHash, from, want int) {
	target := NodeID(ih)
	for {
		got := false
		_, _, err := s.lookup(ctx, famV4, lookupSpec{
			method: krpc.MethodGetPeers,
			target: target,
			args:   func() *krpc.Args { x := target; return &krpc.Args{InfoHash: &x} },
			onResp: func(c *cand, r *krpc.Return) {
				peers, _ := krpc.ParseValues(r.Values)
				for _, p := range peers {
					if c.Addr.Port() == uint16(from) && p.Port() == uint16(want) {
						got = true
					}
				}
			},
		})
		require.NoError(t, err)
		if got {
			t.Logf("libtorrent node :%d returned the peer in its get_peers values", from)
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("libtorrent node :%d never returned the announced peer", from)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func netip4(port int) netip.AddrPort {
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), uint16(port))
}
