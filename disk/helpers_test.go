package disk

import (
	"crypto/sha1"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// faultBackend wraps a Backend to inject failures, latency and count calls.
type faultBackend struct {
	Backend
	writeErr  func(f FileIndex, off int64) error // nil: no fault
	readErr   func(f FileIndex, off int64, n int) error
	delay     time.Duration
	reads     atomic.Int64
	readBytes atomic.Int64
	writes    atomic.Int64
	shortBy   int // if > 0, every write writes this many bytes less and reports no error

	mu       sync.Mutex
	writeLog []int64 // offsets of writes, in file order of calls
}

func (b *faultBackend) writeOffsets() []int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]int64(nil), b.writeLog...)
}

func (b *faultBackend) ReadAt(f FileIndex, p []byte, off int64) (int, error) {
	b.reads.Add(1)
	b.readBytes.Add(int64(len(p)))
	if b.readErr != nil {
		if err := b.readErr(f, off, len(p)); err != nil {
			return 0, err
		}
	}
	return b.Backend.ReadAt(f, p, off)
}

func (b *faultBackend) ReadAtV(f FileIndex, bufs [][]byte, off int64) (int, error) {
	b.reads.Add(1)
	n := 0
	for _, p := range bufs {
		n += len(p)
	}
	b.readBytes.Add(int64(n))
	if b.readErr != nil {
		if err := b.readErr(f, off, n); err != nil {
			return 0, err
		}
	}
	return b.Backend.ReadAtV(f, bufs, off)
}

func (b *faultBackend) WriteAt(f FileIndex, bufs [][]byte, off int64) (int, error) {
	b.writes.Add(1)
	b.mu.Lock()
	b.writeLog = append(b.writeLog, off)
	b.mu.Unlock()
	if b.delay > 0 {
		time.Sleep(b.delay)
	}
	if b.writeErr != nil {
		if err := b.writeErr(f, off); err != nil {
			return 0, err
		}
	}
	if b.shortBy > 0 {
		n := 0
		for _, p := range bufs {
			n += len(p)
		}
		// Write all but the last shortBy bytes and report success.
		return b.Backend.WriteAt(f, sliceBufs(nil, bufs, 0, int64(max(n-b.shortBy, 0))), off)
	}
	return b.Backend.WriteAt(f, bufs, off)
}

func openWithFaults(t *testing.T, dir string, files []FileSpec, fb *faultBackend) *Storage {
	t.Helper()
	st, err := OpenStorage(dir, files, StorageOptions{WrapBackend: func(b Backend) Backend {
		fb.Backend = b
		return fb
	}})
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	return st
}

func openStorage(t *testing.T, dir string, files []FileSpec) *Storage {
	t.Helper()
	st, err := OpenStorage(dir, files, StorageOptions{})
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	return st
}

// randomBytes is deterministic pseudo-random data.
func randomBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := 0; i+8 <= n; i += 8 {
		v := r.Uint64()
		for k := range 8 {
			b[i+k] = byte(v >> (8 * k))
		}
	}
	for i := n &^ 7; i < n; i++ {
		b[i] = byte(r.Uint32())
	}
	return b
}

// pieceHashes returns the concatenated SHA-1 of each piece of data.
func pieceHashes(data []byte, pieceLength int) []byte {
	var out []byte
	for off := 0; off < len(data); off += pieceLength {
		s := sha1.Sum(data[off:min(off+pieceLength, len(data))])
		out = append(out, s[:]...)
	}
	return out
}

// withPads returns data with the bytes of pad files zeroed, as a correct
// torrent would have them.
func withPads(files []FileSpec, data []byte) []byte {
	out := append([]byte(nil), data...)
	var off int64
	for _, f := range files {
		if f.Pad {
			clear(out[off : off+f.Length])
		}
		off += f.Length
	}
	return out
}

func totalLen(files []FileSpec) int64 {
	var n int64
	for _, f := range files {
		n += f.Length
	}
	return n
}
