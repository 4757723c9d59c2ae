package disk

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// MoveStorage moves st's files (and its part file) to newSaveDir, keeping
// their relative paths, once every earlier job on st has finished: cached
// blocks are written first, files are renamed (copied and removed across
// file systems), and directories left empty in the old save directory are
// removed. Files that do not exist yet are simply expected in the new place.
// On failure what was moved is moved back and st keeps its old directory.
func (d *IO) MoveStorage(st *Storage, newSaveDir string, done func(err error)) {
	d.barrier(st, func() error {
		if err := d.cache.flushStorage(st, false); err != nil {
			return err
		}
		return st.Move(newSaveDir)
	}, done)
}

// RenameFile gives file i the new relative path (one element per
// component) once every earlier job on st has finished, renaming it on
// disk if it exists.
func (d *IO) RenameFile(st *Storage, i FileIndex, path []string, done func(err error)) {
	d.barrier(st, func() error { return st.RenameFile(i, path) }, done)
}

// Move is MoveStorage without the cache and ordering: the caller makes
// sure no I/O runs on s meanwhile.
func (s *Storage) Move(newSaveDir string) error {
	if s.closed.Load() {
		return ErrClosed
	}
	if newSaveDir == "" {
		return errors.New("disk: move: empty save directory")
	}
	dir, err := filepath.Abs(newSaveDir)
	if err != nil {
		return fmt.Errorf("disk: move to %q: %w", newSaveDir, err)
	}
	s.prioMu.Lock()
	defer s.prioMu.Unlock()
	if dir == s.saveDir {
		return nil
	}
	newAbs := make([]string, len(s.abs))
	for i, r := range s.rel {
		newAbs[i] = filepath.Join(dir, r)
		if i < len(s.layout.files) && !s.layout.files[i].Pad {
			if err := checkNoSymlinkEscape(dir, r); err != nil {
				return fmt.Errorf("disk: move: file %d: %w", i, err)
			}
		}
	}
	if err := s.backend.Close(); err != nil {
		return err
	}
	var moved []int
	for i := range s.rel {
		if i < len(s.layout.files) && s.layout.files[i].Pad {
			continue
		}
		ok, err := moveFile(s.abs[i], newAbs[i])
		if err != nil {
			for _, j := range moved { // best effort roll back
				moveFile(newAbs[j], s.abs[j])
			}
			s.backend = s.newBackend()
			return err
		}
		if ok {
			moved = append(moved, i)
		}
	}
	for _, i := range moved {
		pruneEmptyParents(s.saveDir, s.abs[i])
	}
	s.saveDir, s.abs = dir, newAbs
	s.backend = s.newBackend()
	return nil
}

// RenameFile is the synchronous form of IO.RenameFile.
func (s *Storage) RenameFile(i FileIndex, path []string) error {
	if s.closed.Load() {
		return ErrClosed
	}
	if int(i) < 0 || int(i) >= len(s.layout.files) || s.layout.files[i].Pad {
		return fmt.Errorf("disk: rename: no file %d", i)
	}
	s.prioMu.Lock()
	defer s.prioMu.Unlock()
	a, r, err := resolvePath(s.saveDir, path)
	if err != nil {
		return fmt.Errorf("disk: rename file %d: %w", i, err)
	}
	for j, other := range s.abs {
		if j != int(i) && other == a {
			return fmt.Errorf("disk: rename file %d: %q is file %d", i, r, j)
		}
	}
	if err := checkNoSymlinkEscape(s.saveDir, r); err != nil {
		return fmt.Errorf("disk: rename file %d: %w", i, err)
	}
	if err := s.backend.Close(); err != nil {
		return err
	}
	old := s.abs[i]
	ok, err := moveFile(old, a)
	if err != nil {
		s.backend = s.newBackend()
		return err
	}
	if ok {
		pruneEmptyParents(s.saveDir, old)
	}
	s.abs = append([]string(nil), s.abs...)
	s.rel = append([]string(nil), s.rel...)
	s.abs[i], s.rel[i] = a, r
	s.backend = s.newBackend()
	return nil
}

// moveFile renames from to to, creating to's directory, copying when the
// two are on different file systems. It reports whether from existed.
func moveFile(from, to string) (bool, error) {
	if _, err := os.Lstat(from); errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		return false, &FileError{Path: filepath.Dir(to), Op: "mkdir", Err: err}
	}
	err := os.Rename(from, to)
	if errors.Is(err, syscall.EXDEV) {
		err = copyFile(from, to)
		if err == nil {
			err = os.Remove(from)
		}
	}
	if err != nil {
		return false, &FileError{Path: from, Op: "move", Err: err}
	}
	return true, nil
}

func copyFile(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		os.Remove(to)
		return err
	}
	return dst.Close()
}

// pruneEmptyParents removes the now empty directories above file, up to
// (not including) root.
func pruneEmptyParents(root, file string) {
	for dir := filepath.Dir(file); len(dir) > len(root) && dir != root; dir = filepath.Dir(dir) {
		if os.Remove(dir) != nil {
			return
		}
	}
}
