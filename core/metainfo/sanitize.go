package metainfo

import "strings"

// Path sanitising as libtorrent does it (torrent_info.cpp, sanitize_append_path_element, on
// Linux), so that libbt loads every torrent libtorrent loads and puts its files at the same
// paths. What the element rules guarantee: a kept element is never empty, ".", ".." or longer
// than ~250 bytes, and holds no '/', '\\', NUL or other control character; joining elements
// under a save directory therefore never leaves it.

// maxElementBytes is where an element is cut (an extension of up to 9 bytes is kept after it),
// under the 255-byte name limit of Linux file systems.
const maxElementBytes = 240

// maxNameBytes is the longest file name Linux file systems take.
const maxNameBytes = 255

// sanitizeElement returns element as libtorrent appends it to a path, or ok=false when it
// appends nothing: ".", "..", and elements that are nothing but separators (libtorrent 2.0.8
// drops them; 2.0.12 writes "_" instead). An empty element becomes "_". Separators and
// invisible formatting characters are removed, control characters and invalid UTF-8 become
// '_' (as libtorrent's newer releases do; 2.0.8 keeps DEL and C1 controls), and an element
// longer than maxElementBytes is cut there, keeping its extension (and one of '_'s for invalid
// bytes at maxNameBytes, where libtorrent makes a name too long to create).
func sanitizeElement(element string) (out string, ok bool) {
	if element == "." {
		return "", false
	}
	if element == "" {
		return "_", true
	}
	if isPlainElement(element) {
		return element, true // the common case: nothing to change, nothing allocated
	}
	var b strings.Builder
	b.Grow(min(len(element), maxElementBytes+10))
	added, dots := 0, 0
	foundExtension := false
	// cut reports whether to stop at byte i of element, or else moves i to the extension
	// (a '.' among the last 9 bytes) that is kept after the cut.
	cut := func(i *int, seqLen int) bool {
		foundExtension = true
		for j := len(element) - 1; j > max(len(element)-10, *i); j-- {
			if element[j] == '.' {
				*i = j - seqLen
				return false
			}
		}
		return true
	}
	for i, seqLen := 0, 0; i < len(element); i += seqLen {
		var cp int32
		cp, seqLen = parseCodepoint(element[i:])
		if cp >= 0 && filteredCharacter(cp) {
			continue
		}
		if cp < 0 || !validPathCharacter(cp) {
			b.WriteByte('_')
			added++
			// libtorrent looks at the length only after a valid character, so a run of
			// invalid ones makes a name no file system takes; libbt cuts it where such
			// a name would begin to fail (255 bytes).
			if added >= maxNameBytes && !foundExtension && cut(&i, seqLen) {
				break
			}
			continue
		}
		b.WriteString(element[i : i+seqLen])
		if cp == '.' {
			dots++
		}
		added += seqLen
		if added >= maxElementBytes && !foundExtension && cut(&i, seqLen) {
			break
		}
	}
	if added == dots && added <= 2 {
		return "", false // "", "." or ".." once filtered
	}
	return b.String(), true
}

// isPlainElement reports whether sanitizeElement would return element unchanged: printable
// ASCII other than separators, not only dots, and short.
func isPlainElement(s string) bool {
	if len(s) >= maxElementBytes {
		return false
	}
	onlyDots := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || c == '/' || c == '\\' {
			return false
		}
		if c != '.' {
			onlyDots = false
		}
	}
	return !onlyDots || len(s) > 2
}

// validPathCharacter is libtorrent's valid_path_character on Linux: no C0 or C1 controls, no DEL.
func validPathCharacter(c int32) bool {
	return c >= 32 && c != 0x7f && (c < 0x80 || c > 0x9f)
}

// filteredCharacter is libtorrent's filter_path_character: separators, and zero-width,
// invisible or direction-changing characters that can make a name look like another.
func filteredCharacter(c int32) bool {
	switch {
	case c == '/' || c == '\\':
		return true
	case c == 0x061c, c >= 0x200b && c <= 0x200f, c >= 0x202a && c <= 0x202e,
		c >= 0x2060 && c <= 0x2064, c >= 0x2066 && c <= 0x2069, c == 0xfeff:
		return true
	}
	return false
}

// parseCodepoint decodes one UTF-8 sequence at the start of s (non-empty) the way
// libtorrent's parse_utf8_codepoint does: it returns -1 for an invalid sequence, together with
// how many bytes that sequence takes (its lead byte's length, or the rest of s when s ends
// first), so that one '_' replaces the whole of it.
func parseCodepoint(s string) (int32, int) {
	b := s[0]
	var n int
	var ch int32
	switch {
	case b < 0x80:
		return int32(b), 1
	case b>>5 == 0b110:
		n, ch = 2, int32(b&0b11111)
	case b>>4 == 0b1110:
		n, ch = 3, int32(b&0b1111)
	case b>>3 == 0b11110:
		n, ch = 4, int32(b&0b111)
	case b>>2 == 0b111110:
		n = 5
	default:
		return -1, 1
	}
	if n > len(s) {
		return -1, len(s)
	}
	if n > 4 {
		return -1, n
	}
	for i := 1; i < n; i++ {
		c := s[i]
		if c < 0x80 || c > 0xbf {
			return -1, n
		}
		ch = ch<<6 | int32(c&0x3f)
	}
	switch {
	case n == 2 && ch < 0x80, n == 3 && ch < 0x800, n == 4 && ch < 0x10000: // overlong
		return -1, n
	case ch > 0x10ffff, ch >= 0xd800 && ch <= 0xdfff:
		return -1, n
	}
	return ch, n
}

// sanitizePath sanitises each element of a file's path; elements that append nothing are
// dropped, and a path left with none is "_". changed reports whether the result differs.
func sanitizePath(elements []string) (out []string, changed bool) {
	out = elements
	for i, e := range elements {
		s, ok := sanitizeElement(e)
		if ok && s == e && !changed {
			continue
		}
		if !changed {
			changed = true
			out = append(make([]string, 0, len(elements)), elements[:i]...)
		}
		if ok {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return []string{"_"}, true
	}
	return out, changed
}
