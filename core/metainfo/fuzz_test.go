package metainfo

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParse checks ParseLimits never panics, and that whatever it accepts is internally
// consistent and path-safe, with every path element joinable under a directory. Memory is
// bounded by the limits it runs with (1 MiB of input, 100,000 tokens).
func FuzzParse(f *testing.F) {
	f.Add(torrentWithInfo(f, singleInfo(40000, 16384)))
	f.Add(torrentWithInfo(f, multiInfo(16, fileEntry(10, "a"), fileEntry(0, "e"), fileEntry(20, "s", "b"))))
	f.Add(torrentWithInfo(f, multiInfo(16, fileEntry(10, ".."))))
	f.Add([]byte("d4:infod6:lengthi1e4:name1:a12:piece lengthi1e6:pieces20:aaaaaaaaaaaaaaaaaaaaee"))
	// Shapes libtorrent loads: unsorted keys, trailing bytes, hostile and clashing paths,
	// symlinks without length; and limits hit: a path deeper than max_directory_depth.
	f.Add([]byte("d4:infod6:lengthi1e4:name1:x6:pieces20:aaaaaaaaaaaaaaaaaaaa12:piece lengthi16384eee"))
	f.Add([]byte("d4:infod6:lengthi1e4:name1:x12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaaeex"))
	f.Add(torrentWithInfo(f, multiInfo(16, fileEntry(1, "a", "..", "/etc", ""), fileEntry(1, "A"), fileEntry(1, "a"),
		fileEntry(1, "\x00\u202e"+strings.Repeat("x", 300)+".mkv"),
		map[string]any{"attr": "l", "path": []any{"l"}, "symlink path": []any{"..", "x"}})))
	deep := make([]string, 150)
	for i := range deep {
		deep[i] = "d"
	}
	f.Add(torrentWithInfo(f, multiInfo(16, fileEntry(1, deep...))))
	lim := Limits{MaxBufferSize: 1 << 20, MaxDecodeTokens: 100_000}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseLimits(data, lim)
		if err != nil {
			return
		}
		in := &m.Info
		if !safeElement(in.Name) {
			t.Fatalf("unsafe name %q accepted", in.Name)
		}
		var off int64
		for i, f := range in.Files {
			if len(f.Path) == 0 || len(f.Path) > DefaultLimits().MaxDirectoryDepth+1 {
				t.Fatalf("file %d path %q", i, f.Path)
			}
			for _, e := range f.Path {
				if !safeElement(e) {
					t.Fatalf("unsafe path %q accepted", f.Path)
				}
			}
			if f.Offset != off || f.Length < 0 {
				t.Fatalf("file %d offset %d length %d, want offset %d", i, f.Offset, f.Length, off)
			}
			off += f.Length
		}
		if off != in.TotalLength || in.NumPieces() == 0 {
			t.Fatalf("total %d vs %d, %d pieces", off, in.TotalLength, in.NumPieces())
		}
		if len(m.Sanitized) > maxNotes+3 {
			t.Fatalf("%d notes", len(m.Sanitized))
		}
		var sum int64
		for p := 0; p < in.NumPieces() && p < 4096; p++ {
			sum += in.PieceSize(PieceIndex(p))
			first, last := in.FileRange(PieceIndex(p))
			if first > last || int(last) >= len(in.Files) {
				t.Fatalf("piece %d file range %d..%d", p, first, last)
			}
		}
		if in.NumPieces() <= 4096 && sum != in.TotalLength {
			t.Fatalf("piece sizes sum to %d, want %d", sum, in.TotalLength)
		}
		if again, err := ParseInfoLimits(m.InfoBytes, lim); err != nil || !bytes.Equal(again.Pieces, in.Pieces) {
			t.Fatalf("ParseInfo disagrees with Parse: %v", err)
		}
		var raw any
		if err := looseDecoder.Unmarshal(m.InfoBytes, &raw); err != nil {
			t.Fatal(err)
		}
		if _, err := ParseMagnet(m.Magnet().String()); err != nil {
			t.Fatalf("own magnet does not parse: %v", err)
		}
	})
}

// safeElement reports whether e can be joined under a directory without leaving it on Linux.
func safeElement(e string) bool {
	return e != "" && e != "." && e != ".." && !strings.ContainsAny(e, "/\\\x00")
}

// FuzzParseMagnet checks ParseMagnet never panics and that String output
// parses back to the same value.
func FuzzParseMagnet(f *testing.F) {
	f.Add("magnet:?xt=urn:btih:" + hexHash + "&dn=x&tr=udp://127.0.0.1:1&ws=http://127.0.0.1/&x.pe=127.0.0.1:1")
	f.Add("magnet:?xt=urn:btih:YEX6DQDLXISUVHOJ6UM3GNNKPQJWPKEK")
	f.Add("magnet:?xt=urn:btmh:1220abcd")
	f.Add("magnet:?xt.1=urn:btih:" + hexHash + "&tr.2=%41")
	f.Fuzz(func(t *testing.T, uri string) {
		m, err := ParseMagnet(uri)
		if err != nil {
			return
		}
		back, err := ParseMagnet(m.String())
		if err != nil {
			t.Fatalf("String() output %q does not parse: %v", m.String(), err)
		}
		if back.InfoHash != m.InfoHash || back.InfoHashV2 != m.InfoHashV2 || back.Name != m.Name ||
			len(back.Trackers) != len(m.Trackers) || len(back.WebSeeds) != len(m.WebSeeds) || len(back.Peers) != len(m.Peers) {
			t.Fatalf("round trip changed %#v into %#v", m, back)
		}
	})
}

// FuzzSanitizeElement checks that a sanitised element is always safe to join under a
// directory, bounded in length and valid UTF-8. (Sanitising twice may cut once more, as in
// libtorrent: a '_' put for an invalid byte counts towards the cut only once it is valid.)
func FuzzSanitizeElement(f *testing.F) {
	for _, s := range []string{"", ".", "..", "...", "a/b", `..\x`, "a\x00b", "\xe9abc", "a\u202eb",
		strings.Repeat("x", 300) + ".mkv", strings.Repeat("é", 200) + ".tar.gz", "\xf8\x88\x80\x80\x80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, e string) {
		out, ok := sanitizeElement(e)
		if !ok {
			return
		}
		if !safeElement(out) || len(out) > maxNameBytes+9 {
			t.Fatalf("%q sanitised to %q", e, out)
		}
		if !utf8.ValidString(out) {
			t.Fatalf("%q sanitised to invalid UTF-8 %q", e, out)
		}
	})
}
