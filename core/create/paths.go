package create

import (
	"errors"
	"fmt"
	"strings"
)

// validPath reports the first element of p that is not a safe single path element.
func validPath(p []string) error {
	for _, c := range p {
		if err := checkComponent(c); err != nil {
			return fmt.Errorf("path component %q %v", clip(c), err)
		}
	}
	return nil
}

// checkComponent reports why c is not a safe single path component, or nil. Create uses it
// for the names it writes; parsing sanitises instead (sanitize.go).
//
// Rejected: "", ".", "..", anything containing '/', '\\' or NUL (which
// also excludes absolute paths), and drive-letter prefixes like "C:".
// Not handled (documented): Windows reserved names (CON, NUL, ...) and
// trailing dots or spaces, which are harmless on the Linux targets.
func checkComponent(c string) error {
	switch {
	case c == "":
		return errors.New("is empty")
	case c == ".":
		return errors.New("is \".\"")
	case c == "..":
		return errors.New("escapes the save directory")
	case strings.ContainsAny(c, "/\\"):
		return errors.New("contains a path separator")
	case strings.IndexByte(c, 0) >= 0:
		return errors.New("contains a NUL byte")
	case len(c) >= 2 && c[1] == ':' && (c[0]|0x20 >= 'a' && c[0]|0x20 <= 'z'):
		return errors.New("starts with a drive letter")
	}
	return nil
}

// clip shortens s for error messages.
func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}
