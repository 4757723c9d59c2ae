package webseed

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/libbt/libbt/core/metainfo"
)

// Kind says which protocol a web seed speaks.
type Kind int

const (
	GetRight Kind = iota + 1 // BEP 19 "url-list": byte ranges of the torrent's files
	Hoffman                  // BEP 17 "httpseeds": pieces asked for by info-hash and index
)

func (k Kind) String() string {
	switch k {
	case GetRight:
		return "url-seed"
	case Hoffman:
		return "http-seed"
	}
	return "unknown"
}

// ValidateURL checks that raw is an absolute http or https URL with a host.
func ValidateURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("webseed: URL %q: %v", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("webseed: URL %q: scheme %q is not http or https", raw, u.Scheme)
	}
	if u.Host == "" {
		return fmt.Errorf("webseed: URL %q has no host", raw)
	}
	if u.Fragment != "" {
		return fmt.Errorf("webseed: URL %q has a fragment", raw)
	}
	return nil
}

// FileURL returns the URL of file f of a torrent on a BEP 19 web seed at
// base: for a single-file torrent base itself, or base + name when base ends
// in "/"; for a multi-file torrent base + "/" + name + "/" + path, each
// component percent-encoded. A query string on base is kept at the end.
func FileURL(base string, info *metainfo.Info, f metainfo.FileIndex) string {
	path, query, hasQuery := strings.Cut(base, "?")
	var b strings.Builder
	b.WriteString(path)
	switch {
	case info.MultiFile:
		if !strings.HasSuffix(path, "/") {
			b.WriteByte('/')
		}
		b.WriteString(url.PathEscape(info.Name))
		for _, c := range info.Files[f].Path {
			b.WriteByte('/')
			b.WriteString(url.PathEscape(c))
		}
	case strings.HasSuffix(path, "/"):
		b.WriteString(url.PathEscape(info.Name))
	}
	if hasQuery {
		b.WriteByte('?')
		b.WriteString(query)
	}
	return b.String()
}

// PieceURL returns the BEP 17 request URL for bytes [begin, end] (inclusive)
// of piece; whole says the range is the whole piece, which is then asked for
// without a ranges parameter (the form every HTTP seed script supports).
func PieceURL(base string, infoHash metainfo.InfoHash, piece metainfo.PieceIndex, begin, end int64, whole bool) string {
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	u := fmt.Sprintf("%s%sinfo_hash=%s&piece=%d", base, sep, url.QueryEscape(string(infoHash[:])), piece)
	if !whole {
		u += fmt.Sprintf("&ranges=%d-%d", begin, end)
	}
	return u
}

// segment is a part of a stream range that lies in one file.
type segment struct {
	file    metainfo.FileIndex
	fileOff int64 // offset inside the file
	n       int64
	pad     bool
}

// segments splits the stream range [off, off+n) by file, skipping
// zero-length files.
func segments(info *metainfo.Info, off, n int64) []segment {
	var out []segment
	end := off + n
	for i := info.FileAt(off); i >= 0 && int(i) < len(info.Files) && off < end; i++ {
		f := &info.Files[i]
		if f.Length == 0 || f.Offset+f.Length <= off {
			continue
		}
		take := min(end, f.Offset+f.Length) - off
		out = append(out, segment{file: i, fileOff: off - f.Offset, n: take, pad: f.Pad})
		off += take
	}
	return out
}
