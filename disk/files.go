package disk

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
)

// route maps a segment to the file that holds it: its own file, or, for a
// skipped file that does not exist, the part file at the segment's torrent
// offset (sparse, so it takes only the bytes written). prioMu is held.
func (s *Storage) route(seg segment) (FileIndex, int64) {
	if s.toPart != nil && s.toPart[seg.file] {
		return s.partIdx, s.layout.starts[seg.file] + seg.fileOff
	}
	return seg.file, seg.fileOff
}

// skipped reports whether file i has priority 0.
func (s *Storage) skipped(i FileIndex) bool {
	s.prioMu.RLock()
	defer s.prioMu.RUnlock()
	return s.prio != nil && s.prio[i] == 0
}

// PartFilePath returns the absolute path of the part file.
func (s *Storage) PartFilePath() string {
	s.prioMu.RLock()
	defer s.prioMu.RUnlock()
	return s.abs[s.partIdx]
}

// SetFilePriorities records file priorities (0 = skip) once every earlier
// job on st has finished, and before any later one. Bytes of a skipped file
// that shares a piece with a wanted one are then written to the part file
// instead of creating the skipped file; a skipped file that already exists
// keeps being used. When a file stops being skipped, its bytes are moved
// from the part file into it: the first and last piece that overlap it
// (pieceLength is needed for that), which is all the part file can hold of
// it. The part file is deleted once no file uses it.
func (d *IO) SetFilePriorities(st *Storage, prio []int, pieceLength int64, done func(err error)) {
	d.barrier(st, func() error { return st.setFilePriorities(prio, pieceLength, &d.ctr) }, done)
}

func (s *Storage) setFilePriorities(prio []int, pieceLength int64, c *counters) error {
	if s.closed.Load() {
		return ErrClosed
	}
	if len(prio) != len(s.layout.files) {
		return fmt.Errorf("disk: %d file priorities for %d files", len(prio), len(s.layout.files))
	}
	if pieceLength <= 0 {
		return fmt.Errorf("disk: piece length %d", pieceLength)
	}
	s.prioMu.Lock()
	defer s.prioMu.Unlock()
	newPart := make([]bool, len(prio))
	anyPart := false
	for i, f := range s.layout.files {
		if prio[i] != 0 || f.Pad || f.Length == 0 {
			continue
		}
		if s.toPart == nil || !s.toPart[i] {
			if _, err := s.backend.Size(FileIndex(i)); err == nil {
				continue // already on disk: keep using it
			} else if !errors.Is(err, fs.ErrNotExist) {
				return s.wrap(FileIndex(i), "stat", err)
			}
		}
		newPart[i] = true
		anyPart = true
	}
	for i := range s.layout.files {
		if s.toPart != nil && s.toPart[i] && !newPart[i] {
			if err := s.exportLocked(FileIndex(i), pieceLength, c); err != nil {
				return err
			}
		}
	}
	hadPart := s.toPart != nil
	s.prio = append([]int(nil), prio...)
	s.toPart = nil
	if anyPart {
		s.toPart = newPart
	}
	if hadPart && !anyPart {
		if err := s.backend.Remove(s.partIdx); err != nil {
			return s.wrap(s.partIdx, "remove", err)
		}
	}
	return nil
}

// exportLocked moves what the part file holds of file i (its first and
// last piece's bytes) into the file itself, and frees that space of the
// part file (a hole), which other skipped files may still be using.
func (s *Storage) exportLocked(i FileIndex, pieceLength int64, c *counters) error {
	start := s.layout.starts[i]
	end := start + s.layout.files[i].Length
	firstEnd := min(end, (start/pieceLength+1)*pieceLength)
	lastStart := max(start, (end-1)/pieceLength*pieceLength)
	ranges := [][2]int64{{start, firstEnd}}
	if lastStart >= firstEnd {
		ranges = append(ranges, [2]int64{lastStart, end})
	}
	for _, r := range ranges {
		buf := make([]byte, r[1]-r[0])
		n, err := s.backend.ReadAt(s.partIdx, buf, r[0])
		c.read(n)
		if errors.Is(err, fs.ErrNotExist) {
			return nil // nothing was ever written there
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return s.wrap(s.partIdx, "read", err)
		}
		if n == 0 {
			continue
		}
		m, err := s.backend.WriteAt(i, [][]byte{buf[:n]}, r[0]-start)
		c.write(m)
		if err == nil && m < n {
			err = io.ErrShortWrite
		}
		if err != nil {
			return s.wrap(i, "write", err)
		}
		if err := s.backend.Discard(s.partIdx, r[0], int64(n)); err != nil {
			return s.wrap(s.partIdx, "discard", err)
		}
	}
	return nil
}
