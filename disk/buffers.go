package disk

import "sync"

// BlockSize is the BitTorrent request size and the size of pooled buffers.
const BlockSize = 16 * 1024

// Pooled buffers are stored as array pointers so that Get and Put do not
// allocate (a []byte in an interface would).
var blockPool = sync.Pool{New: func() any { return new([BlockSize]byte) }}

// GetBuffer returns a BlockSize-long buffer from the shared pool, with
// unspecified contents. Hand it back with ReleaseBuffer when done.
func GetBuffer() []byte { return blockPool.Get().(*[BlockSize]byte)[:] }

// ReleaseBuffer returns a buffer obtained from GetBuffer or IO.Read to the
// pool. Buffers of other capacities are ignored (left to the GC), so it is
// always safe to call on data from IO.Read. The caller must not use b
// afterwards.
func ReleaseBuffer(b []byte) {
	if cap(b) != BlockSize {
		return
	}
	blockPool.Put((*[BlockSize]byte)(b[:BlockSize]))
}
