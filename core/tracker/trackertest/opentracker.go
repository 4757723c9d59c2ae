package trackertest

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/libbt/libbt/core/tracker"
)

// OpentrackerBin is Debian's opentracker, installed by make deps.
const OpentrackerBin = "/usr/bin/opentracker"

// lockedBuffer collects the daemon's output for failure messages.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Opentracker runs Debian's opentracker on 127.0.0.1 (TCP and UDP on one port) with a
// whitelist of hashes until the test ends, and returns "127.0.0.1:port". It skips under
// -short and fails, never skips, when opentracker is missing: interop is part of the suite.
func Opentracker(t testing.TB, hashes ...[20]byte) string {
	t.Helper()
	if testing.Short() {
		t.Skip("opentracker interop: skipped with -short")
	}
	if _, err := os.Stat(OpentrackerBin); err != nil {
		t.Fatalf("opentracker interop needs Debian's opentracker (make deps): %v", err)
	}
	// opentracker chroots into tracker.rootdir and drops privileges to
	// nobody, so the directory must be world-readable and the whitelist is
	// named relative to it.
	dir, err := os.MkdirTemp("", "opentracker")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.Chmod(dir, 0o755))
	var wl bytes.Buffer
	for _, h := range hashes {
		fmt.Fprintln(&wl, hex.EncodeToString(h[:]))
	}
	must(os.WriteFile(filepath.Join(dir, "whitelist"), wl.Bytes(), 0o644))

	var (
		cmd  *exec.Cmd
		addr string
		out  *lockedBuffer
	)
	for attempt := 0; ; attempt++ {
		addr = freeTCPUDPPort(t)
		conf := fmt.Sprintf("listen.tcp_udp %s\naccess.whitelist whitelist\ntracker.rootdir %s\ntracker.user nobody\n", addr, dir)
		confPath := filepath.Join(dir, "opentracker.conf")
		must(os.WriteFile(confPath, []byte(conf), 0o644))
		out = &lockedBuffer{}
		cmd = exec.Command(OpentrackerBin, "-f", confPath)
		cmd.Stdout, cmd.Stderr = out, out
		must(cmd.Start())
		if waitTCP(addr, 5*time.Second) {
			break
		}
		cmd.Process.Kill()
		cmd.Wait()
		if attempt >= 3 {
			t.Fatalf("opentracker did not start: %s", out.String())
		}
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	// The whitelist is loaded by a thread after the sockets open: wait
	// until an announce for the first hash is accepted ("stopped" ones are
	// accepted even before), then take the probe peer out again.
	probe := tracker.AnnounceRequest{InfoHash: hashes[0], Port: 1, Left: 1, NumWant: 0}
	var c tracker.Client
	defer c.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err := c.Announce(context.Background(), "http://"+addr+"/announce", probe)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("opentracker whitelist not loaded: %v\n%s", err, out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	probe.Event = tracker.Stopped
	if _, err := c.Announce(context.Background(), "http://"+addr+"/announce", probe); err != nil {
		t.Fatal(err)
	}
	return addr
}

func freeTCPUDPPort(t testing.TB) string {
	t.Helper()
	for range 20 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		u, err := net.ListenPacket("udp", addr)
		l.Close()
		if err == nil {
			u.Close()
			return addr
		}
	}
	t.Fatal("no free port for both TCP and UDP")
	return ""
}

func waitTCP(addr string, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}
