package tracker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// AnnounceURL returns the HTTP announce URL for req: base with the BEP 3
// query parameters appended (after '&' when base already has a query).
// info_hash and peer_id are percent-encoded byte by byte.
func AnnounceURL(base string, req AnnounceRequest) string {
	var b strings.Builder
	b.Grow(len(base) + 256)
	b.WriteString(base)
	switch {
	case !strings.Contains(base, "?"):
		b.WriteByte('?')
	case strings.HasSuffix(base, "?"), strings.HasSuffix(base, "&"):
	default:
		b.WriteByte('&')
	}
	b.WriteString("info_hash=")
	escapeBytes(&b, req.InfoHash[:])
	b.WriteString("&peer_id=")
	escapeBytes(&b, req.PeerID[:])
	fmt.Fprintf(&b, "&port=%d&uploaded=%d&downloaded=%d&left=%d&compact=1",
		req.Port, max(req.Uploaded, 0), max(req.Downloaded, 0), max(req.Left, 0))
	if req.Event != None {
		b.WriteString("&event=")
		b.WriteString(req.Event.String())
	}
	if req.NumWant >= 0 {
		b.WriteString("&numwant=")
		b.WriteString(strconv.Itoa(req.NumWant))
	}
	fmt.Fprintf(&b, "&key=%08X", req.Key)
	if req.TrackerID != "" {
		b.WriteString("&trackerid=")
		escapeBytes(&b, []byte(req.TrackerID))
	}
	return b.String()
}

// escapeBytes percent-encodes every byte except RFC 3986 unreserved ones.
func escapeBytes(b *strings.Builder, p []byte) {
	const hex = "0123456789ABCDEF"
	for _, c := range p {
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
}

func (c *Client) announceHTTP(ctx context.Context, base string, req AnnounceRequest) (*AnnounceResponse, error) {
	hreq, err := http.NewRequestWithContext(ctx, http.MethodGet, AnnounceURL(base, req), nil)
	if err != nil {
		return nil, err
	}
	hreq.Header.Set("User-Agent", c.userAgent())
	hresp, err := c.httpClient().Do(hreq)
	if err != nil {
		return nil, err
	}
	defer hresp.Body.Close()
	body, err := readBody(hresp)
	if err != nil {
		return nil, err
	}
	resp, err := ParseHTTPResponse(body)
	if hresp.StatusCode != http.StatusOK {
		// Some trackers explain a non-200 status with a failure reason.
		var fe *FailureError
		if errors.As(err, &fe) {
			return nil, err
		}
		return nil, fmt.Errorf("http status %s", hresp.Status)
	}
	return resp, err
}

// readBody reads at most MaxHTTPResponse bytes. net/http's transport asks
// for gzip and decodes it transparently, so the bound applies after
// decompression.
func readBody(hresp *http.Response) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(hresp.Body, MaxHTTPResponse+1))
	if err != nil {
		return nil, fmt.Errorf("reading body: %w", err)
	}
	if len(body) > MaxHTTPResponse {
		return nil, fmt.Errorf("%w: body larger than %d bytes", ErrMalformedResponse, MaxHTTPResponse)
	}
	return body, nil
}
