package bencode

import (
	"reflect"
	"slices"
	"strconv"
)

// maxEncodeDepth guards against cyclic pointer structures.
const maxEncodeDepth = 1000

// Marshal returns the canonical bencoding of v.
//
// Structs become dicts (tags as for Unmarshal; omitempty drops false, 0,
// "", nil pointers/interfaces and empty slices/maps/arrays), maps need
// string-kind keys and are written sorted by raw key bytes, slices and
// arrays become lists except []byte and [N]byte which become strings, bool
// becomes i1e or i0e, pointers and interfaces are followed (nil ones are an
// error unless omitted), RawMessage and Marshaler output is written
// verbatim after validation. Floats, channels, funcs and complex numbers are
// errors, as are unsigned values above MaxInt64.
func Marshal(v any) ([]byte, error) {
	e := encodeState{buf: make([]byte, 0, 256)}
	if err := e.value(reflect.ValueOf(v)); err != nil {
		return nil, err
	}
	return e.buf, nil
}

type encodeState struct {
	buf   []byte
	path  []pathElem
	depth int
}

func (e *encodeState) err(msg string) error {
	return &MarshalError{Path: formatPath(e.path), Msg: msg}
}

func (e *encodeState) str(s string) {
	e.buf = strconv.AppendInt(e.buf, int64(len(s)), 10)
	e.buf = append(e.buf, ':')
	e.buf = append(e.buf, s...)
}

func (e *encodeState) bytes(b []byte) {
	e.buf = strconv.AppendInt(e.buf, int64(len(b)), 10)
	e.buf = append(e.buf, ':')
	e.buf = append(e.buf, b...)
}

func (e *encodeState) raw(b []byte, what string) error {
	if !Valid(b) {
		return e.err(what + " is not exactly one valid bencoded value")
	}
	e.buf = append(e.buf, b...)
	return nil
}

func (e *encodeState) value(v reflect.Value) error {
	if !v.IsValid() {
		return e.err("cannot encode nil")
	}
	e.depth++
	defer func() { e.depth-- }()
	if e.depth > maxEncodeDepth {
		return e.err("nesting too deep (cyclic value?)")
	}
	t := v.Type()
	if t == rawType {
		return e.raw(v.Bytes(), "RawMessage")
	}
	if t.Implements(marshalerType) && !(t.Kind() == reflect.Pointer && v.IsNil()) {
		return e.marshaler(v.Interface().(Marshaler))
	}
	if t.Kind() != reflect.Pointer && v.CanAddr() && reflect.PointerTo(t).Implements(marshalerType) {
		return e.marshaler(v.Addr().Interface().(Marshaler))
	}
	switch t.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return e.err("cannot encode nil " + t.String())
		}
		return e.value(v.Elem())
	case reflect.Bool:
		if v.Bool() {
			e.buf = append(e.buf, "i1e"...)
		} else {
			e.buf = append(e.buf, "i0e"...)
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		e.buf = append(e.buf, 'i')
		e.buf = strconv.AppendInt(e.buf, v.Int(), 10)
		e.buf = append(e.buf, 'e')
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		u := v.Uint()
		if u > 1<<63-1 {
			return e.err("unsigned value " + strconv.FormatUint(u, 10) + " overflows int64")
		}
		e.buf = append(e.buf, 'i')
		e.buf = strconv.AppendUint(e.buf, u, 10)
		e.buf = append(e.buf, 'e')
	case reflect.String:
		e.str(v.String())
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			e.bytes(v.Bytes())
			return nil
		}
		return e.list(v)
	case reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			b := make([]byte, v.Len())
			reflect.Copy(reflect.ValueOf(b), v)
			e.bytes(b)
			return nil
		}
		return e.list(v)
	case reflect.Map:
		return e.mapValue(v)
	case reflect.Struct:
		return e.structValue(v)
	default:
		return e.err("cannot encode " + t.String())
	}
	return nil
}

func (e *encodeState) marshaler(m Marshaler) error {
	b, err := m.MarshalBencode()
	if err != nil {
		return e.err(err.Error())
	}
	return e.raw(b, "MarshalBencode output")
}

func (e *encodeState) list(v reflect.Value) error {
	e.buf = append(e.buf, 'l')
	for i := 0; i < v.Len(); i++ {
		e.path = append(e.path, pathElem{index: i})
		if err := e.value(v.Index(i)); err != nil {
			return err
		}
		e.path = e.path[:len(e.path)-1]
	}
	e.buf = append(e.buf, 'e')
	return nil
}

func (e *encodeState) mapValue(v reflect.Value) error {
	t := v.Type()
	if t.Key().Kind() != reflect.String {
		return e.err("map key type " + t.Key().String() + " is not a string kind")
	}
	keys := make([]string, 0, v.Len())
	vals := make(map[string]reflect.Value, v.Len())
	it := v.MapRange()
	for it.Next() {
		k := it.Key().String()
		keys = append(keys, k)
		vals[k] = it.Value()
	}
	slices.Sort(keys) // Go string order is raw byte order
	e.buf = append(e.buf, 'd')
	for _, k := range keys {
		e.str(k)
		e.path = append(e.path, pathElem{key: k, isKey: true})
		if err := e.value(vals[k]); err != nil {
			return err
		}
		e.path = e.path[:len(e.path)-1]
	}
	e.buf = append(e.buf, 'e')
	return nil
}

func (e *encodeState) structValue(v reflect.Value) error {
	fields := cachedFields(v.Type())
	e.buf = append(e.buf, 'd')
	for i := range fields.sorted {
		f := &fields.sorted[i]
		fv := v.FieldByIndex(f.index)
		if f.omitEmpty && isEmpty(fv) {
			continue
		}
		e.str(f.key)
		e.path = append(e.path, pathElem{key: f.key, isKey: true})
		if err := e.value(fv); err != nil {
			return err
		}
		e.path = e.path[:len(e.path)-1]
	}
	e.buf = append(e.buf, 'e')
	return nil
}

func isEmpty(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool:
		return !v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int() == 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return v.Uint() == 0
	case reflect.Interface, reflect.Pointer:
		return v.IsNil()
	}
	return false
}
