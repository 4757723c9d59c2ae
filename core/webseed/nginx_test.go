package webseed

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/libbt/libbt/core/metainfo"
	"github.com/libbt/libbt/core/webseed/webseedtest"
	"github.com/stretchr/testify/require"
)

// writeTree writes a torrent's non-pad files under root/<name>/... (or
// root/<name> for a single file), as a web server would hold them.
func writeTree(t *testing.T, root string, info *metainfo.Info, data [][]byte) {
	for i, f := range info.Files {
		if f.Pad {
			continue
		}
		p := filepath.Join(root, info.Name)
		if info.MultiFile {
			p = filepath.Join(append([]string{p}, f.Path...)...)
		}
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, data[i], 0o644))
	}
}

func TestFetchFromRealNginx(t *testing.T) {
	root := t.TempDir()
	info, data := multiTorrent()
	writeTree(t, root, info, data)
	single, sdata := testTorrent("single file.bin", false, 16<<10, testFile{path: []string{"single file.bin"}, size: 300_000})
	writeTree(t, root, single, sdata)
	base := webseedtest.StartNginx(t, root, webseedtest.Config{Extra: "location /loop { rewrite ^ /loop/x redirect; }"})

	t.Run("multi-file", func(t *testing.T) {
		c, err := New(GetRight, base+"/", metainfo.InfoHash{}, info, Options{})
		require.NoError(t, err)
		defer c.Close()
		all := stream(data)
		for _, r := range [][2]int64{{0, info.TotalLength}, {39_000, 2_000}, {41_000, 3_000}, {info.TotalLength - 1, 1}} {
			var buf bytes.Buffer
			require.NoError(t, c.Fetch(context.Background(), r[0], r[1], &buf))
			require.Equal(t, all[r[0]:r[0]+r[1]], buf.Bytes())
		}
	})
	t.Run("single file", func(t *testing.T) {
		for _, u := range []string{base + "/", base + "/single%20file.bin"} {
			c, err := New(GetRight, u, metainfo.InfoHash{}, single, Options{})
			require.NoError(t, err)
			var buf bytes.Buffer
			require.NoError(t, c.Fetch(context.Background(), 1000, 200_000, &buf))
			require.Equal(t, sdata[0][1000:201_000], buf.Bytes())
			c.Close()
		}
	})
	t.Run("404", func(t *testing.T) {
		c, err := New(GetRight, base+"/missing/", metainfo.InfoHash{}, info, Options{})
		require.NoError(t, err)
		err = c.Fetch(context.Background(), 0, 100, &bytes.Buffer{})
		require.ErrorIs(t, err, ErrStatus)
		require.Contains(t, err.Error(), "404 Not Found (an HTML page)")
	})
	t.Run("file of another size", func(t *testing.T) {
		other := *single
		other.Files = []metainfo.File{{Path: []string{"x"}, Length: 400_000}}
		other.TotalLength = 400_000
		c, err := New(GetRight, base+"/single%20file.bin", metainfo.InfoHash{}, &other, Options{})
		require.NoError(t, err)
		err = c.Fetch(context.Background(), 0, 100, &bytes.Buffer{})
		require.ErrorIs(t, err, ErrBadRange)
		require.Contains(t, err.Error(), "the server's file is 300000 bytes, the torrent's 400000")
		// A range beyond the server's file: nginx answers 416.
		err = c.Fetch(context.Background(), 350_000, 100, &bytes.Buffer{})
		require.ErrorIs(t, err, ErrStatus)
		require.Contains(t, err.Error(), "416")
	})
	t.Run("redirect loop", func(t *testing.T) {
		c, err := New(GetRight, base+"/loop/start", metainfo.InfoHash{}, single, Options{})
		require.NoError(t, err)
		err = c.Fetch(context.Background(), 0, 100, &bytes.Buffer{})
		require.ErrorIs(t, err, ErrRedirects)
	})
}
