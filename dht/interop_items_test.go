package dht

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/libbt/libbt/core/metainfo"
	"github.com/stretchr/testify/require"
)

// ltNode drives testdata/ltdht.py, a libtorrent DHT node taking commands.
type ltNode struct {
	t     *testing.T
	in    io.Writer
	lines chan map[string]any
}

func startLTDHT(t *testing.T, port int, bootstrap string) *ltNode {
	cmd := exec.Command(python, "testdata/ltdht.py", "--port", fmt.Sprint(port), "--bootstrap", bootstrap)
	in, err := cmd.StdinPipe()
	require.NoError(t, err)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	n := &ltNode{t: t, in: in, lines: make(chan map[string]any, 64)}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			var m map[string]any
			if json.Unmarshal(sc.Bytes(), &m) == nil {
				n.lines <- m
			}
		}
		close(n.lines)
	}()
	n.expect("ready", 15*time.Second)
	return n
}

func (n *ltNode) send(format string, args ...any) {
	_, err := fmt.Fprintf(n.in, format+"\n", args...)
	require.NoError(n.t, err)
}

// expect returns the next line holding key, skipping others.
func (n *ltNode) expect(key string, d time.Duration) map[string]any {
	timeout := time.After(d)
	for {
		select {
		case m, ok := <-n.lines:
			if !ok {
				n.t.Fatalf("ltdht exited waiting for %q", key)
			}
			if _, has := m[key]; has {
				return m
			}
		case <-timeout:
			n.t.Fatalf("ltdht: no %q within %v", key, d)
		}
	}
}

func TestInteropBEP44ItemsAndBEP51SamplesWithLibtorrent(t *testing.T) {
	requireLibtorrent(t)
	nodes := network(t, 6, func(int) Config {
		cfg := testConfig()
		cfg.RateLimit = RateLimit{PerSecond: 500, Burst: 1000}
		return cfg
	})
	s := nodes[0]
	port := freePort(t)
	lt := startLTDHT(t, port, s.Addr().String())
	waitFor(t, func() bool {
		for _, n := range s.Nodes(false) {
			if n.Addr.Port() == uint16(port) {
				return true
			}
		}
		return false
	}, "libtorrent in our table")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	// libbt puts, libtorrent gets.
	imm, err := NewImmutableItem([]byte("12:Hello World!"))
	require.NoError(t, err)
	_, err = nodes[1].Put(ctx, imm, nil)
	require.NoError(t, err)
	target := imm.Target()
	lt.send("get_imm %s", hex.EncodeToString(target[:]))
	require.Equal(t, hex.EncodeToString(imm.V), lt.expect("item", 20*time.Second)["item"])

	// libtorrent puts, libbt gets.
	val := []byte("l4:spami42ee")
	lt.send("put_imm %s", hex.EncodeToString(val))
	require.Equal(t, hexID(ImmutableTarget(val)), lt.expect("put_imm", 10*time.Second)["put_imm"])
	require.Positive(t, lt.expect("put_done", 20*time.Second)["put_done"])
	got, err := nodes[4].GetImmutable(ctx, ImmutableTarget(val))
	require.NoError(t, err)
	require.Equal(t, val, []byte(got.V))

	// A signed item from libbt verifies in libtorrent.
	pub, priv, _ := ed25519.GenerateKey(nil)
	mut, err := NewMutableItem(priv, []byte("5:hello"), []byte("salt"), 7)
	require.NoError(t, err)
	_, err = nodes[2].Put(ctx, mut, nil)
	require.NoError(t, err)
	lt.send("get_mut %s %s", hex.EncodeToString(pub), hex.EncodeToString([]byte("salt")))
	m := lt.expect("mut", 20*time.Second)
	require.Equal(t, hex.EncodeToString(mut.V), m["mut"])
	require.EqualValues(t, 7, m["seq"])

	// A signed item from libtorrent verifies here. libtorrent wants the
	// expanded secret key: SHA-512 of the seed, clamped.
	h := sha512.Sum512(priv.Seed())
	h[0] &= 248
	h[31] &= 127
	h[31] |= 64
	lt.send("put_mut %s %s %s %s", hex.EncodeToString(h[:]), hex.EncodeToString(pub),
		hex.EncodeToString([]byte("from libtorrent")), hex.EncodeToString([]byte("lt-salt")))
	require.Positive(t, lt.expect("put_done", 20*time.Second)["put_done"])
	fromLT, err := nodes[5].GetMutable(ctx, pub, []byte("lt-salt"))
	require.NoError(t, err)
	require.Equal(t, "15:from libtorrent", string(fromLT.V))
	require.EqualValues(t, 1, fromLT.Seq)

	// BEP 51 both ways.
	ih := metainfo.InfoHash(RandomID())
	s.mu.Lock()
	s.peers.add(ih, addrN(1))
	s.mu.Unlock()
	lt.send("sample %s %s", s.Addr(), hex.EncodeToString(ih[:]))
	sm := lt.expect("samples", 20*time.Second)
	require.EqualValues(t, 1, sm["num"])
	require.Equal(t, []any{ih.String()}, sm["samples"])
	ours, err := s.SampleInfohashes(ctx, netip4(port), RandomID())
	require.NoError(t, err, "libtorrent answers our sample_infohashes")
	require.Positive(t, ours.Interval)
}
