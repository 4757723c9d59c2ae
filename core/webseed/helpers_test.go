package webseed

import (
	"bytes"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/libbt/libbt/core/metainfo"
)

// testFile is one file of a hand-built torrent.
type testFile struct {
	path []string
	size int
	pad  bool
}

// testTorrent builds an Info (without real piece hashes: the web seed never
// looks at them) and the bytes of each file; pad files are zeros.
func testTorrent(name string, multi bool, pieceLen int64, files ...testFile) (*metainfo.Info, [][]byte) {
	rng := rand.New(rand.NewPCG(3, 4))
	info := &metainfo.Info{Name: name, PieceLength: pieceLen, MultiFile: multi}
	var data [][]byte
	var off int64
	for _, f := range files {
		b := make([]byte, f.size)
		if !f.pad {
			for i := range b {
				b[i] = byte(rng.Uint32())
			}
		}
		data = append(data, b)
		info.Files = append(info.Files, metainfo.File{Path: f.path, Length: int64(f.size), Offset: off, Pad: f.pad})
		off += int64(f.size)
	}
	info.TotalLength = off
	info.Pieces = make([]byte, 20*((off+pieceLen-1)/pieceLen))
	return info, data
}

func stream(data [][]byte) []byte { return bytes.Join(data, nil) }

// multiTorrent is a multi-file torrent whose files cross piece boundaries,
// with names that need percent-encoding, a zero-length file and a pad file.
func multiTorrent() (*metainfo.Info, [][]byte) {
	return testTorrent("my torrent", true, 16<<10,
		testFile{path: []string{"a.bin"}, size: 40_000},
		testFile{path: []string{"sub dir", "b+c&d.bin"}, size: 5},
		testFile{path: []string{"empty"}, size: 0},
		testFile{path: []string{".pad", "1000"}, size: 1000, pad: true},
		testFile{path: []string{"sub dir", "ünï?#%.bin"}, size: 70_001},
		testFile{path: []string{"z"}, size: 1},
	)
}

// fileServer serves the torrent's files under /<prefix>/<name>/<path> (or
// /<prefix>/<name> for a single file) with http.ServeContent, which supports
// ranges, and records every request.
type fileServer struct {
	*httptest.Server
	mu       sync.Mutex
	files    map[string][]byte
	requests []*http.Request
	conns    int
}

func newFileServer(t *testing.T, info *metainfo.Info, data [][]byte) *fileServer {
	fs := &fileServer{files: map[string][]byte{}}
	for i, f := range info.Files {
		if f.Pad {
			continue // web servers do not have padding files
		}
		p := "/seed/" + info.Name
		if info.MultiFile {
			p += "/" + strings.Join(f.Path, "/")
		}
		fs.files[p] = data[i]
	}
	fs.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fs.mu.Lock()
		fs.requests = append(fs.requests, r)
		b, ok := fs.files[r.URL.Path]
		fs.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(b))
	}))
	fs.Server.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			fs.mu.Lock()
			fs.conns++
			fs.mu.Unlock()
		}
	}
	fs.Start()
	t.Cleanup(fs.Close)
	return fs
}

func (fs *fileServer) numRequests() int {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return len(fs.requests)
}

func (fs *fileServer) numConns() int {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.conns
}

func (fs *fileServer) requestedPaths() []string {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	var out []string
	for _, r := range fs.requests {
		out = append(out, r.URL.Path)
	}
	return out
}

func escapeAll(parts ...string) string {
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
}
