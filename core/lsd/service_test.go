package lsd

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/libbt/libbt/core/metainfo"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// inNetns runs f on an OS thread moved into a network namespace of its own with only lo up, so
// the multicast never reaches the host's interfaces. Sockets f opens stay in that namespace;
// the thread is thrown away afterwards. Skips unless namespaces can be created (root).
func inNetns(t *testing.T, f func()) {
	t.Helper()
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("needs iproute2's ip to create a network namespace")
	}
	name := fmt.Sprintf("lsdtest%d-%d", os.Getpid(), time.Now().UnixNano()%1e6)
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		t.Skipf("cannot create a network namespace (needs root / CAP_SYS_ADMIN): %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("ip", "netns", "del", name).Run() })
	out, err := exec.Command("ip", "-n", name, "link", "set", "lo", "up").CombinedOutput()
	require.NoError(t, err, string(out))
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread exits with this goroutine
		fd, err := unix.Open("/run/netns/"+name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			done <- err
			return
		}
		defer unix.Close(fd)
		if err := unix.Setns(fd, unix.CLONE_NEWNET); err != nil {
			done <- err
			return
		}
		f()
		done <- nil
	}()
	require.NoError(t, <-done)
}

type collector struct {
	mu    sync.Mutex
	peers []Peer
}

func (c *collector) add(p Peer) { c.mu.Lock(); c.peers = append(c.peers, p); c.mu.Unlock() }
func (c *collector) list() []Peer {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Peer(nil), c.peers...)
}

func TestServicesOnOneLinkFindEachOther(t *testing.T) {
	var a, b *Service
	var ca, cb collector
	inNetns(t, func() {
		var err error
		a, err = Start(Config{Port: 1111, Interfaces: []string{"lo"}, OnPeer: ca.add})
		require.NoError(t, err)
		b, err = Start(Config{Port: 2222, Interfaces: []string{"lo"}, OnPeer: cb.add})
		require.NoError(t, err)
	})
	defer a.Close()
	defer b.Close()
	require.NotEqual(t, a.Cookie(), b.Cookie())
	require.Contains(t, a.Groups(), Group4)

	shared, onlyA := ih(1), ih(2)
	b.Add(shared)
	// A hears B before it has the torrent; it reports B once it adds it.
	require.Eventually(t, func() bool { return a.Stats().Received == 1 }, 5*time.Second, 10*time.Millisecond)
	require.Empty(t, ca.list())
	a.Add(shared)
	a.Add(onlyA)

	// Only IPv4: Linux does not deliver IPv6 multicast on lo (the veth test in
	// tests/interop/test_lsd.py covers real links).
	want := []Peer{{shared, netip.MustParseAddrPort("127.0.0.1:1111")}}
	if !assert.Eventually(t, func() bool { return len(cb.list()) >= len(want) }, 5*time.Second, 10*time.Millisecond) {
		t.Fatalf("%+v %+v %v %v", a.Stats(), b.Stats(), ca.list(), cb.list())
	}
	time.Sleep(200 * time.Millisecond) // anything more would arrive now
	require.ElementsMatch(t, want, cb.list(), "B hears A for the torrent it has, not for the other")
	require.Equal(t, []Peer{{shared, netip.MustParseAddrPort("127.0.0.1:2222")}}, ca.list(),
		"A reports B (replayed from before it had the torrent), never itself")
	require.Positive(t, a.Stats().Own, "A saw its own announce come back and ignored it by cookie")
	require.Positive(t, a.Stats().Sent)

	// Adding again within a minute sends nothing new; a port change waits for the minute too.
	sent := a.Stats().Sent
	a.Remove(shared)
	a.Add(shared)
	a.SetPort(3333)
	time.Sleep(300 * time.Millisecond)
	require.Equal(t, sent, a.Stats().Sent)
	require.Len(t, cb.list(), len(want))
}

func TestServiceDropsGarbageAndFloods(t *testing.T) {
	var s *Service
	var c collector
	var raw *net.UDPConn
	h := ih(5)
	inNetns(t, func() {
		var err error
		s, err = Start(Config{Port: 0, Interfaces: []string{"lo"}, OnPeer: c.add}) // listen only
		require.NoError(t, err)
		raw, err = net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		require.NoError(t, err)
	})
	defer s.Close()
	defer raw.Close()
	s.Add(h)
	group := net.UDPAddrFromAddrPort(Group4)
	send := func(b []byte) {
		_, err := raw.WriteToUDP(b, group)
		require.NoError(t, err)
	}
	send([]byte("GET / HTTP/1.1\r\n\r\n"))
	send([]byte("BT-SEARCH * HTTP/1.1\r\nPort: 7\r\nInfohash: " + h.String() + "\r\nX: " + strings.Repeat("x", 1600) + "\r\n\r\n"))
	require.EventuallyWithT(t, func(c *assert.CollectT) { assert.Equal(c, int64(2), s.Stats().Dropped, "%+v", s.Stats()) }, 5*time.Second, 10*time.Millisecond)
	require.Empty(t, c.list())

	// A flood from many ports (paced so the socket buffer keeps up): the token bucket lets a
	// burst through, then drops.
	start := time.Now()
	for port := 1; port <= 300; port++ {
		send(AppendAnnounce(nil, Group4, uint16(port), "", []metainfo.InfoHash{h}))
		if port%20 == 0 {
			time.Sleep(time.Millisecond)
		}
	}
	require.Eventually(t, func() bool { st := s.Stats(); return st.Received+st.Dropped >= 302 }, 5*time.Second, 10*time.Millisecond)
	got := len(c.list())
	allowed := recvBurst + int(time.Since(start).Seconds()*recvRate) + 1
	require.GreaterOrEqual(t, got, recvBurst-5, "a burst goes through (less the tokens the garbage took)")
	require.LessOrEqual(t, got, allowed, "the rest of the flood is dropped")

	// The same peer announcing again at once is reported once.
	time.Sleep(time.Second) // refill some tokens
	before := len(c.list())
	for range 3 {
		send(AppendAnnounce(nil, Group4, 9999, "", []metainfo.InfoHash{h}))
	}
	require.Eventually(t, func() bool { return len(c.list()) == before+1 }, 5*time.Second, 10*time.Millisecond)
	time.Sleep(100 * time.Millisecond)
	require.Equal(t, before+1, len(c.list()))
	require.Zero(t, s.Stats().Sent, "port 0: nothing announced")

	// Once there is a port, the torrent is announced at once.
	s.SetPort(4444)
	require.Eventually(t, func() bool { return s.Stats().Sent > 0 }, 5*time.Second, 10*time.Millisecond)
}

func TestStartFailsForAnUnknownInterface(t *testing.T) {
	_, err := Start(Config{Interfaces: []string{"no-such-if0"}})
	require.ErrorContains(t, err, "no-such-if0")
}
