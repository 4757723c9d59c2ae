package disk

import (
	"fmt"
	"sort"
)

// FileIndex is the index of a file in a torrent's file list.
type FileIndex int

// FileSpec describes one file of a torrent's byte stream, in metainfo order.
type FileSpec struct {
	// Path is the relative path, one element per component. metainfo has
	// already sanitised it; OpenStorage checks it again.
	Path []string
	// Length of the file in bytes.
	Length int64
	// Pad marks a BEP 47 padding file: never written, reads return zeros,
	// verification treats it as present.
	Pad bool
}

// layout maps torrent offsets onto files. It is immutable after creation.
type layout struct {
	files  []FileSpec
	starts []int64 // starts[i] = offset of file i in the torrent stream
	total  int64
}

func newLayout(files []FileSpec) (*layout, error) {
	l := &layout{files: files, starts: make([]int64, len(files))}
	for i, f := range files {
		if f.Length < 0 {
			return nil, fmt.Errorf("disk: file %d: negative length %d", i, f.Length)
		}
		l.starts[i] = l.total
		if l.total+f.Length < l.total {
			return nil, fmt.Errorf("disk: file %d: total length overflows", i)
		}
		l.total += f.Length
	}
	return l, nil
}

// segment is the part of a torrent range that falls in one file.
type segment struct {
	file    FileIndex
	fileOff int64 // offset inside the file
	bufOff  int64 // offset inside the caller's range
	n       int64
}

// span calls fn for every non-empty file segment of [off, off+n), in order.
// Zero-length files are skipped. The range must be inside [0, total].
func (l *layout) span(off, n int64, fn func(s segment) error) error {
	if off < 0 || n < 0 || off > l.total || n > l.total-off {
		return fmt.Errorf("%w: [%d, +%d) of %d", ErrOutOfRange, off, n, l.total)
	}
	if n == 0 {
		return nil
	}
	// First file whose end is beyond off.
	i := sort.Search(len(l.files), func(i int) bool {
		return l.starts[i]+l.files[i].Length > off
	})
	var done int64
	for ; i < len(l.files) && done < n; i++ {
		flen := l.files[i].Length
		if flen == 0 {
			continue
		}
		fileOff := off + done - l.starts[i]
		take := min(flen-fileOff, n-done)
		if err := fn(segment{file: FileIndex(i), fileOff: fileOff, bufOff: done, n: take}); err != nil {
			return err
		}
		done += take
	}
	return nil
}
