package bencode

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// SyntaxError reports malformed or non-canonical bencoding at a byte offset.
type SyntaxError struct {
	Offset int    // byte offset in the input where the problem was found
	Msg    string // description, e.g. "leading zero in integer"
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("bencode: offset %d: %s", e.Offset, e.Msg)
}

// UnmarshalTypeError reports a well-formed value that cannot be stored in
// the Go value it was decoded into.
type UnmarshalTypeError struct {
	Offset int          // byte offset of the value
	Path   string       // key path, e.g. "info.files[3].length"; "" for the top level
	Value  string       // "integer", "string", "list" or "dict", or the offending value
	Type   reflect.Type // the Go type that could not hold it
	Msg    string       // optional extra detail
}

func (e *UnmarshalTypeError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "bencode: offset %d: ", e.Offset)
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	if e.Msg != "" {
		b.WriteString(e.Msg)
	} else {
		fmt.Fprintf(&b, "cannot decode %s into %v", e.Value, e.Type)
	}
	return b.String()
}

// InvalidUnmarshalError is returned when the target of Unmarshal is not a
// non-nil pointer.
type InvalidUnmarshalError struct {
	Type reflect.Type
}

func (e *InvalidUnmarshalError) Error() string {
	if e.Type == nil {
		return "bencode: Unmarshal(nil)"
	}
	if e.Type.Kind() != reflect.Pointer {
		return "bencode: Unmarshal(non-pointer " + e.Type.String() + ")"
	}
	return "bencode: Unmarshal(nil " + e.Type.String() + ")"
}

// MarshalError reports a Go value that has no bencode representation.
type MarshalError struct {
	Path string // field path, e.g. "info.files[2]"
	Msg  string
}

func (e *MarshalError) Error() string {
	if e.Path == "" {
		return "bencode: " + e.Msg
	}
	return "bencode: " + e.Path + ": " + e.Msg
}

// pathElem is one step of a key path: a dict key or a list index.
type pathElem struct {
	key   string
	bkey  []byte // decoder keys alias the input: no allocation unless an error is formatted
	index int
	isKey bool
}

func formatPath(p []pathElem) string {
	var b strings.Builder
	for _, e := range p {
		if e.isKey {
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(e.key)
			b.Write(e.bkey)
		} else {
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(e.index))
			b.WriteByte(']')
		}
	}
	return b.String()
}
