package disk

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// checkComponents rejects path components that are empty, "." or "..",
// or contain a separator or NUL. metainfo should already have done this;
// this is the second line of defence.
func checkComponents(parts []string) error {
	if len(parts) == 0 {
		return fmt.Errorf("%w: empty path", ErrPathEscape)
	}
	for _, p := range parts {
		if p == "" || p == "." || p == ".." || strings.ContainsAny(p, "/\x00") ||
			(filepath.Separator != '/' && strings.ContainsRune(p, filepath.Separator)) {
			return fmt.Errorf("%w: component %q", ErrPathEscape, p)
		}
	}
	return nil
}

// resolvePath joins saveDir and parts, and checks lexically that the result
// stays strictly under saveDir. It returns the absolute path and the
// slash-free relative path (as used with os.Root).
func resolvePath(saveDir string, parts []string) (abs, rel string, err error) {
	if err := checkComponents(parts); err != nil {
		return "", "", err
	}
	rel = filepath.Join(parts...)
	abs = filepath.Clean(filepath.Join(saveDir, rel))
	prefix := saveDir
	if !strings.HasSuffix(prefix, string(filepath.Separator)) {
		prefix += string(filepath.Separator)
	}
	if !strings.HasPrefix(abs, prefix) || filepath.IsAbs(rel) || !filepath.IsLocal(rel) {
		return "", "", fmt.Errorf("%w: %q", ErrPathEscape, rel)
	}
	return abs, rel, nil
}

// checkNoSymlinkEscape checks that the part of saveDir/rel that already exists does not lead
// outside saveDir through a symlink, and that no dangling link sits where the data goes.
// Missing directories are fine: they will be created by os.Root, which refuses to follow
// links out of the root at use time anyway.
//
// It walks rel one element at a time, each looked up relative to the directory before it
// (fstatat, openat), so the cost is linear in the number of elements and stops at the first
// that does not exist (for a new download, the first); the kernel never resolves a long path.
// Only a symlink met on the way is resolved whole (it cannot come from a torrent: libbt
// creates none).
func checkNoSymlinkEscape(saveDir, rel string) error {
	fd, err := unix.Open(saveDir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if errors.Is(err, unix.ENOENT) {
		return nil // nothing exists yet, nothing can point outside
	}
	if err != nil {
		return &FileError{Path: saveDir, Op: "open", Err: err}
	}
	defer func() { unix.Close(fd) }()
	elems := strings.Split(rel, string(filepath.Separator))
	for i, e := range elems {
		var st unix.Stat_t
		if err := unix.Fstatat(fd, e, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return nil // missing (or not a directory above it): created or refused at use
		}
		isDir := st.Mode&unix.S_IFMT == unix.S_IFDIR
		if st.Mode&unix.S_IFMT == unix.S_IFLNK {
			target, err := resolvesInside(saveDir, filepath.Join(elems[:i+1]...))
			if err != nil {
				return err
			}
			isDir = target.IsDir()
		}
		if i == len(elems)-1 || !isDir {
			return nil
		}
		next, err := unix.Openat(fd, e, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			return nil
		}
		unix.Close(fd)
		fd = next
	}
	return nil
}

// resolvesInside resolves the symlink saveDir/rel and checks it lies under saveDir (itself
// resolved); a dangling link is refused rather than guessing where writing through it would
// end up.
func resolvesInside(saveDir, rel string) (fs.FileInfo, error) {
	p := filepath.Join(saveDir, rel)
	realRoot, err := filepath.EvalSymlinks(saveDir)
	if err != nil {
		return nil, &FileError{Path: saveDir, Op: "stat", Err: err}
	}
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrPathEscape, p, err)
	}
	if real != realRoot && !strings.HasPrefix(real, realRoot+string(filepath.Separator)) {
		return nil, fmt.Errorf("%w: %s resolves to %s", ErrPathEscape, p, real)
	}
	fi, err := os.Stat(real)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrPathEscape, p, err)
	}
	return fi, nil
}

// checkNoFileIsADirectory rejects layouts where one file's path is a parent directory of
// another's ("a" and "a/b"): they cannot both exist. Linear in the total length of the paths:
// the directories are nodes of a trie keyed by (parent node, element), so no prefix of a path
// is built or hashed whole (taking filepath.Dir of a path once per level, as this did, is
// quadratic in its depth: minutes for one file 300,000 directories deep).
func checkNoFileIsADirectory(files []FileSpec) error {
	type key struct {
		parent int
		name   string
	}
	nodes := make(map[key]int, len(files))
	dirOf := make([]int, len(files))
	next := 0
	for i, f := range files {
		if f.Pad {
			continue
		}
		dir := 0 // the save directory
		for _, e := range f.Path[:len(f.Path)-1] {
			k := key{dir, e}
			id, ok := nodes[k]
			if !ok {
				next++
				id = next
				nodes[k] = id
			}
			dir = id
		}
		dirOf[i] = dir
	}
	for i, f := range files {
		if !f.Pad {
			if _, isDir := nodes[key{dirOf[i], f.Path[len(f.Path)-1]}]; isDir {
				return fmt.Errorf("disk: file %d: %q is also a directory of another file", i, strings.Join(f.Path, "/"))
			}
		}
	}
	return nil
}
