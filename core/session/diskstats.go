package session

import "github.com/libbt/libbt/disk"

// DiskStats returns the counters of the session's disk layer: block cache hits and misses,
// read and write system calls, blocks in the read and write cache, queued write bytes, locked
// cache memory and flush reasons (see disk.Stats). Safe from any goroutine.
func (s *Session) DiskStats() disk.Stats { return s.disk.Stats() }
