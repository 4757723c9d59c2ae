package metainfo

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/libbt/libbt/core/limits"
)

// Renaming clashing paths as libtorrent does (resolve_duplicate_filenames): every directory
// of every file is taken first; then each file in order, compared without regard to ASCII
// case, keeps its path if no directory or earlier file has it, or else gets the first free
// name "stem.N.ext" for N = 1, 2, ... So "a" beside "a/b" becomes "a.1", and a second
// "A.txt" beside "a.txt" becomes "A.1.txt". Pad files and symlinks are never on disk and
// take part in nothing.
//
// Cost: linear in the total length of the paths. Directories are nodes of a trie keyed by
// (parent node, lower-cased element), so no path prefix is ever built or hashed whole; the
// search for a free name resumes where the last search for the same stem and extension in
// the same directory stopped (names are only ever added, so the names it skips stay taken),
// and every taken name it tries counts against max_duplicate_filenames. Memory: one map entry
// (~60 bytes) per distinct directory or file.

type trieKey struct {
	parent int32
	name   string // lower-cased element
}

type renameKey struct {
	parent    int32
	stem, ext string // lower-cased
}

type pathTrie struct {
	nodes map[trieKey]int32
	next  int32
}

// child returns the node for name under parent, adding it if add is set (0 when absent).
func (t *pathTrie) child(parent int32, name string, add bool) int32 {
	k := trieKey{parent, asciiLower(name)}
	if id, ok := t.nodes[k]; ok || !add {
		return id
	}
	t.next++
	t.nodes[k] = t.next
	return t.next
}

// renameDuplicates renames files whose paths clash, in place, noting each rename.
func renameDuplicates(files []File, maxTries int, n *notes) error {
	t := pathTrie{nodes: make(map[trieKey]int32, len(files))}
	parents := make([]int32, len(files))
	for i := range files {
		f := &files[i]
		if !f.OnDisk() {
			continue
		}
		var dir int32 // the root
		for _, e := range f.Path[:len(f.Path)-1] {
			dir = t.child(dir, e, true)
		}
		parents[i] = dir
	}
	resume := map[renameKey]int{}
	tries := 0
	for i := range files {
		f := &files[i]
		if !f.OnDisk() {
			continue
		}
		dir, last := parents[i], f.Path[len(f.Path)-1]
		if t.child(dir, last, false) == 0 {
			t.child(dir, last, true)
			continue
		}
		stem, ext := last, ""
		if dot := strings.LastIndexByte(last, '.'); dot >= 0 {
			stem, ext = last[:dot], last[dot:]
		}
		rk := renameKey{dir, asciiLower(stem), asciiLower(ext)}
		var name string
		for cnt := resume[rk] + 1; ; cnt++ {
			name = stem + "." + strconv.Itoa(cnt) + ext
			if t.child(dir, name, false) == 0 {
				resume[rk] = cnt
				break
			}
			tries++
			if err := limits.Check(LimitDuplicateFilenames, int64(tries), int64(maxTries)); err != nil {
				return err
			}
		}
		t.child(dir, name, true)
		old := f.DisplayPath()
		p := append([]string(nil), f.Path...)
		p[len(p)-1] = name
		f.Path = p
		n.add("file %d: %q renamed to %q (its path was taken)", i, clip(old), clip(f.DisplayPath()))
	}
	return nil
}

// asciiLower lower-cases ASCII letters as libtorrent's to_lower does; it returns s itself
// (no allocation) when there is nothing to change.
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if c := b[j]; c >= 'A' && c <= 'Z' {
					b[j] = c + 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// notes collects what loading changed, for MetaInfo.Sanitized; it keeps the first maxNotes and
// counts the rest, so a torrent with a million odd names costs one line.
type notes struct {
	list []string
	more int
}

const maxNotes = 20

func (n *notes) add(format string, args ...any) {
	if len(n.list) >= maxNotes {
		n.more++
		return
	}
	n.list = append(n.list, fmt.Sprintf(format, args...))
}

func (n *notes) result() []string {
	if n.more > 0 {
		return append(n.list, fmt.Sprintf("and %d more changes", n.more))
	}
	return n.list
}
