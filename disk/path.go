package disk

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
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

// checkNoSymlinkEscape resolves symlinks in the deepest existing ancestor of
// abs and checks that it still lies under saveDir (itself resolved). Missing
// directories are fine: they will be created by os.Root, which refuses to
// follow links out of the root at use time anyway.
func checkNoSymlinkEscape(saveDir, abs string) error {
	realRoot, err := filepath.EvalSymlinks(saveDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil // nothing exists yet, nothing can point outside
	}
	if err != nil {
		return &FileError{Path: saveDir, Op: "stat", Err: err}
	}
	p := abs
	for {
		if _, err := os.Lstat(p); err == nil {
			break
		}
		parent := filepath.Dir(p)
		if parent == p || len(parent) < len(saveDir) {
			return nil
		}
		p = parent
	}
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		// A dangling link where the torrent's data goes: refuse rather than
		// guess where writing through it would end up.
		return fmt.Errorf("%w: %s: %v", ErrPathEscape, p, err)
	}
	if real != realRoot && !strings.HasPrefix(real, realRoot+string(filepath.Separator)) {
		return fmt.Errorf("%w: %s resolves to %s", ErrPathEscape, p, real)
	}
	return nil
}
