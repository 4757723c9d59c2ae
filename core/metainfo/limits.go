package metainfo

import (
	"fmt"
	"io"
	"os"

	"github.com/libbt/libbt/core/bencode"
	"github.com/libbt/libbt/core/limits"
)

// Names of the load limits, as libtorrent's load_torrent_limits calls them; a *limits.Error
// from this package names one of these (or bencode.LimitDepth / bencode.LimitTokens, which
// are max_decode_depth and max_decode_tokens).
const (
	LimitBufferSize         = "max_buffer_size"
	LimitDecodeDepth        = bencode.LimitDepth
	LimitDecodeTokens       = bencode.LimitTokens
	LimitPieces             = "max_pieces"
	LimitDirectoryDepth     = "max_directory_depth"
	LimitDuplicateFilenames = "max_duplicate_filenames"
)

// Limits bound the work and memory of loading a torrent (a .torrent file, or an info dict
// from peers). Every bound is checked while the input is read or decoded, so input past it is
// refused before it costs more than the bound. Memory: the bytes (at most MaxBufferSize) plus
// what decoding allocates, under 80 bytes per decode token (45 measured for a torrent of
// 370,000 files at the default token limit: 129 MB in all, less of it live at once), so at most
// about 250 MB at the defaults. The defaults are libtorrent's (DefaultLimits).
type Limits struct {
	// MaxBufferSize is the largest .torrent accepted, in bytes; a file is read through a
	// reader that stops one byte past it (libtorrent: 10,000,000).
	MaxBufferSize int64
	// MaxDecodeDepth bounds the nesting of lists and dicts (libtorrent: 100).
	MaxDecodeDepth int
	// MaxDecodeTokens bounds the bencode tokens of the whole input: every value, dict key and
	// end of a list or dict (libtorrent: 3,000,000).
	MaxDecodeTokens int
	// MaxPieces bounds the number of pieces (libtorrent: 0x200000).
	MaxPieces int
	// MaxDirectoryDepth bounds the elements of one file's path (libtorrent: 100).
	MaxDirectoryDepth int
	// MaxDuplicateFilenames bounds the work of renaming files whose paths clash: the number
	// of new names tried that were taken too (libtorrent: 500).
	MaxDuplicateFilenames int
}

// DefaultLimits returns libtorrent's load_torrent_limits defaults.
func DefaultLimits() Limits {
	return Limits{
		MaxBufferSize:         10_000_000,
		MaxDecodeDepth:        100,
		MaxDecodeTokens:       3_000_000,
		MaxPieces:             0x200000,
		MaxDirectoryDepth:     100,
		MaxDuplicateFilenames: 500,
	}
}

// orDefault replaces zero (unset) or negative fields with the defaults.
func (l Limits) orDefault() Limits {
	d := DefaultLimits()
	if l.MaxBufferSize <= 0 {
		l.MaxBufferSize = d.MaxBufferSize
	}
	if l.MaxDecodeDepth <= 0 {
		l.MaxDecodeDepth = d.MaxDecodeDepth
	}
	if l.MaxDecodeTokens <= 0 {
		l.MaxDecodeTokens = d.MaxDecodeTokens
	}
	if l.MaxPieces <= 0 {
		l.MaxPieces = d.MaxPieces
	}
	if l.MaxDirectoryDepth <= 0 {
		l.MaxDirectoryDepth = d.MaxDirectoryDepth
	}
	if l.MaxDuplicateFilenames <= 0 {
		l.MaxDuplicateFilenames = d.MaxDuplicateFilenames
	}
	return l
}

func (l Limits) decoder() *bencode.Decoder {
	return &bencode.Decoder{MaxDepth: l.MaxDecodeDepth, MaxTokens: l.MaxDecodeTokens, Lenient: true}
}

// ReadLimited reads all of r, failing with a *limits.Error (max_buffer_size) as soon as it
// has seen more than max bytes: a reader that never ends (/dev/zero, a FIFO) costs at most
// max+1 bytes and the time to read them.
func ReadLimited(r io.Reader, max int64) ([]byte, error) { return readLimited(nil, r, max) }

// readLimited is ReadLimited appending to buf.
func readLimited(buf []byte, r io.Reader, max int64) ([]byte, error) {
	lr := io.LimitReader(r, max+1)
	b := buf
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := lr.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	if int64(len(b)) > max {
		return nil, &limits.Error{Limit: LimitBufferSize, Value: int64(len(b)), Max: max}
	}
	return b, nil
}

// ReadFile reads the .torrent file at path, at most lim.MaxBufferSize bytes of it, and parses
// it with lim. File system errors are returned as they are (wrapped), limits as *limits.Error.
func ReadFile(path string, lim Limits) (*MetaInfo, error) {
	lim = lim.orDefault()
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("metainfo: %w", err)
	}
	defer f.Close()
	var data []byte
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		if st.Size() > lim.MaxBufferSize {
			// Refused without reading: the size is known.
			return nil, fmt.Errorf("metainfo: %s: %w", path, &limits.Error{Limit: LimitBufferSize, Value: st.Size(), Max: lim.MaxBufferSize})
		}
		data = make([]byte, 0, st.Size()+1) // read in one buffer (it may still grow, bounded, if the file does)
	}
	data, err = readLimited(data, f, lim.MaxBufferSize)
	if err != nil {
		return nil, fmt.Errorf("metainfo: %s: %w", path, err)
	}
	return ParseLimits(data, lim)
}
