package webseed

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/libbt/libbt/core/metainfo"
	"github.com/stretchr/testify/require"
)

// replay answers every request with the same raw HTTP response, parsed afresh.
type replay []byte

func (r replay) RoundTrip(req *http.Request) (*http.Response, error) {
	return http.ReadResponse(bufio.NewReader(bytes.NewReader(r)), req)
}

// countWriter counts what a fetch delivers.
type countWriter struct{ n int64 }

func (w *countWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

// FuzzResponse runs Fetch against any HTTP response a web seed could send (status,
// Content-Range, Content-Length, Content-Type, Retry-After, a BEP 17 503 body, redirects, the
// body itself), for a GetRight or a Hoffman seed and any range of a one-file torrent: a fetch
// succeeds only having delivered exactly the bytes asked for, and fails with an *Error of a
// known kind, never more bytes than asked for, and a retry hint that is not negative.
func FuzzResponse(f *testing.F) {
	const body100 = "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
	for _, s := range []struct {
		resp    string
		hoffman bool
	}{
		{"HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-99/40000\r\nContent-Length: 100\r\n\r\n" + body100, false},
		{"HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-99/*\r\n\r\n" + body100, false},
		{"HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-99/40000\r\nContent-Length: 100\r\n\r\n" + body100[:50], false},
		{"HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-99/40000\r\n\r\n" + body100 + "more", false},
		{"HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 1-100/40000\r\nContent-Length: 100\r\n\r\n" + body100, false},
		{"HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-99/40001\r\nContent-Length: 100\r\n\r\n" + body100, false},
		{"HTTP/1.1 206 Partial Content\r\nContent-Type: multipart/byteranges; boundary=x\r\n\r\n--x--", false},
		{"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + body100, true},
		{"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 7\r\n\r\n<html/>", false},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n64\r\n" + body100 + "\r\n0\r\n\r\n", true},
		{"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 2\r\n\r\n30", true},
		{"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 120\r\n\r\n", false},
		{"HTTP/1.1 404 Not Found\r\nRetry-After: -5\r\n\r\n", false},
		{"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:1/elsewhere\r\n\r\n", false},
		{"HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-18446744073709551615/1\r\n\r\n", false},
		{"not http at all", true},
	} {
		f.Add([]byte(s.resp), s.hoffman, uint16(0), uint16(99))
	}
	info := &metainfo.Info{Name: "f", PieceLength: 16 << 10, TotalLength: 40_000,
		Files: []metainfo.File{{Path: []string{"f"}, Length: 40_000}}, Pieces: make([]byte, 20*3)}
	f.Fuzz(func(t *testing.T, resp []byte, hoffman bool, offSel, nSel uint16) {
		kind := GetRight
		if hoffman {
			kind = Hoffman
		}
		c, err := New(kind, "http://127.0.0.1:1/seed", metainfo.InfoHash{1}, info, Options{Transport: replay(resp)})
		require.NoError(t, err)
		defer c.Close()
		off := int64(offSel) % info.TotalLength
		n := 1 + int64(nSel)%(info.TotalLength-off)
		var w countWriter
		err = c.Fetch(context.Background(), off, n, &w)
		if err == nil {
			require.Equal(t, n, w.n, "a fetch succeeds only with every byte asked for")
			return
		}
		require.LessOrEqual(t, w.n, n, "never more bytes than asked for")
		var we *Error
		require.True(t, errors.As(err, &we), "%T %v", err, err)
		require.Contains(t, []error{ErrStatus, ErrBadRange, ErrBadLength, ErrRedirects, ErrTimeout, ErrTransport}, we.Kind, err)
		require.GreaterOrEqual(t, we.RetryAfter, 0*we.RetryAfter, err)
	})
}
