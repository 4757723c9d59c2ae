package metainfo

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/libbt/libbt/core/bencode"
	"github.com/libbt/libbt/core/merkle"
)

// v2Seeds returns the libtorrent-made v2 and hybrid torrents of testdata/v2.
func v2Seeds(f *testing.F) [][]byte {
	names, err := filepath.Glob("testdata/v2/*.torrent")
	if err != nil || len(names) == 0 {
		f.Fatalf("no seeds: %v", err)
	}
	var out [][]byte
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// rawValue returns the bencoded value of key in the top-level dict of data, or nil.
func rawValue(data []byte, key string) []byte {
	var v []byte
	bencode.EachEntry(data, func(k, val []byte) error {
		if string(k) == key {
			v = val
		}
		return nil
	})
	return v
}

// fuzzLimits bound the fuzzers' memory: 1 MiB of input, 100,000 tokens.
var fuzzLimits = Limits{MaxBufferSize: 1 << 20, MaxDecodeTokens: 100_000}

// checkV2 fails unless an accepted v2 or hybrid torrent is consistent: files contiguous from
// offset 0, each file with data starting a piece and having a pieces root, pad files without
// one, paths safe, the pieces covering the stream, and every piece layer kept hashing to its
// file's root.
func checkV2(t *testing.T, m *MetaInfo) {
	in := &m.Info
	if !in.HasV2() || len(in.PiecesRoots) != len(in.Files) || m.InfoHashes.V2.IsZero() {
		t.Fatalf("v2 %v, %d roots for %d files", in.HasV2(), len(in.PiecesRoots), len(in.Files))
	}
	var off int64
	for i, f := range in.Files {
		if f.Offset != off || f.Length < 0 {
			t.Fatalf("file %d at %d length %d, want offset %d", i, f.Offset, f.Length, off)
		}
		for _, e := range f.Path {
			if !safeElement(e) {
				t.Fatalf("unsafe path %q", f.Path)
			}
		}
		hasData := !f.Pad && f.Length > 0 && f.Symlink == ""
		if hasData && (f.Offset%in.PieceLength != 0 || in.PiecesRoots[i].IsZero()) {
			t.Fatalf("file %d at %d (pieces of %d), root %s", i, f.Offset, in.PieceLength, in.PiecesRoots[i])
		}
		if f.Pad && !in.PiecesRoots[i].IsZero() {
			t.Fatalf("pad file %d has a root", i)
		}
		off += f.Length
	}
	if off != in.TotalLength || int64(in.NumPieces()) != (off+in.PieceLength-1)/in.PieceLength {
		t.Fatalf("total %d vs %d, %d pieces", off, in.TotalLength, in.NumPieces())
	}
	for i, f := range in.Files {
		if layer := m.PieceLayer(FileIndex(i)); layer != nil {
			if err := merkle.VerifyPieceLayer(layer, f.Length, in.PieceLength, in.PiecesRoots[i]); err != nil {
				t.Fatalf("file %d: kept layer fails: %v", i, err)
			}
		}
	}
}

// FuzzParseV2 checks ParseAny on whole v2 and hybrid torrents (seeded with libtorrent's): it
// never panics, what it accepts is consistent (checkV2), and ParseLimits agrees except for
// refusing v2-only torrents.
func FuzzParseV2(f *testing.F) {
	for _, s := range v2Seeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseAny(data, fuzzLimits)
		if err != nil {
			return
		}
		if m.Info.HasV2() {
			checkV2(t, m)
		}
		m1, err := ParseLimits(data, fuzzLimits)
		if m.Info.HasV1() != (err == nil) || (err == nil && m1.InfoHashes != m.InfoHashes) {
			t.Fatalf("ParseLimits disagrees: %v", err)
		}
		back, err := ParseMagnetAny(m.Magnet().String())
		if err != nil || back.InfoHashes() != m.InfoHashes {
			t.Fatalf("own magnet: %v", err)
		}
	})
}

// FuzzFileTree checks the file tree alone: fuzzed bytes as the "file tree" of a v2 info dict
// with pieces of 16 KiB (seeded with libtorrent's trees).
func FuzzFileTree(f *testing.F) {
	for _, s := range v2Seeds(f) {
		f.Add(rawValue(rawValue(s, "info"), "file tree"))
	}
	f.Add([]byte("d1:ad0:d6:lengthi1e11:pieces root32:00000000000000000000000000000000ee1:bd1:cd0:d6:lengthi0eeee"))
	f.Add([]byte("d1:ad0:d4:attr1:l12:symlink pathl2:..1:beee1:bd0:d6:lengthi5e11:pieces root32:0123456789abcdef0123456789abcdefeee"))
	f.Fuzz(func(t *testing.T, tree []byte) {
		var b bytes.Buffer
		b.WriteString("d9:file tree")
		b.Write(tree)
		b.WriteString("12:meta versioni2e4:name1:t12:piece lengthi16384ee")
		in, err := ParseInfoAny(b.Bytes(), fuzzLimits)
		if err != nil {
			return
		}
		checkV2(t, &MetaInfo{Info: *in, InfoHashes: InfoHashes{V2: InfoHashV2{1}}})
	})
}

// FuzzPieceLayers checks the "piece layers" dict alone: fuzzed bytes beside libtorrent's
// multi-file v2 info dict. Whatever is accepted keeps only layers that hash to their roots.
func FuzzPieceLayers(f *testing.F) {
	seed, err := os.ReadFile("testdata/v2/multi.v2.torrent")
	if err != nil {
		f.Fatal(err)
	}
	info := rawValue(seed, "info")
	f.Add(rawValue(seed, "piece layers"))
	f.Add([]byte("de"))
	f.Add([]byte("d32:0123456789abcdef0123456789abcdef0:e"))
	f.Fuzz(func(t *testing.T, layers []byte) {
		var b bytes.Buffer
		b.WriteString("d4:info")
		b.Write(info)
		b.WriteString("12:piece layers")
		b.Write(layers)
		b.WriteString("e")
		m, err := ParseAny(b.Bytes(), fuzzLimits)
		if err != nil {
			return
		}
		checkV2(t, m)
	})
}
