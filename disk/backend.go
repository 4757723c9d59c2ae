package disk

import "time"

// Backend is the seam between Storage and the operating system: positional
// I/O on a torrent's files by index. Storage does the offset arithmetic, pad
// files and error wrapping; a Backend only touches files. Tests wrap the OS
// backend (StorageOptions.WrapBackend) to inject faults or delays; the
// block cache (cache.go) sits above this seam.
//
// Implementations must be safe for concurrent use: disk workers call them in
// parallel, for different files and for disjoint ranges of one file.
type Backend interface {
	// ReadAt reads len(p) bytes of file f at off. A missing file returns an
	// error wrapping fs.ErrNotExist; a short file returns n < len(p) and
	// io.EOF.
	ReadAt(f FileIndex, p []byte, off int64) (int, error)
	// ReadAtV is ReadAt into several buffers back to back (preadv): the
	// cache reads a run of blocks into non-contiguous slots with it.
	ReadAtV(f FileIndex, bufs [][]byte, off int64) (int, error)
	// WriteAt writes bufs back to back at off in file f, creating the file
	// and its parent directories on first use. With no bytes to write it
	// only makes sure the file exists.
	WriteAt(f FileIndex, bufs [][]byte, off int64) (int, error)
	// Size returns the on-disk size of file f, or an error wrapping
	// fs.ErrNotExist when it does not exist.
	Size(f FileIndex) (int64, error)
	// ModTime returns the modification time of file f (fast resume checks
	// it), or an error wrapping fs.ErrNotExist.
	ModTime(f FileIndex) (time.Time, error)
	// Discard frees the disk space of n bytes of file f at off, which then
	// read as zeros (a hole). Where the file system cannot, or f does not
	// exist, it does nothing and returns nil.
	Discard(f FileIndex, off, n int64) error
	// Remove deletes file f (a missing file is not an error) and then every
	// parent directory of f below the save directory that is now empty.
	Remove(f FileIndex) error
	// Sync flushes written data of the files it has open for writing.
	Sync() error
	// Close closes every open file. Further calls fail with ErrClosed.
	Close() error
}
