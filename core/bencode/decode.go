package bencode

import (
	"reflect"
	"strconv"
)

// Decoder holds decoding options. The zero value is ready to use.
type Decoder struct {
	// MaxDepth limits nesting of lists and dicts; 0 means DefaultMaxDepth.
	// Deeper input fails with a *limits.Error naming LimitDepth.
	MaxDepth int
	// MaxTokens limits the number of tokens (values, dict keys and ends of lists and dicts,
	// counted as libtorrent's bdecode does); 0 means no limit. More fails with a
	// *limits.Error naming LimitTokens, found while validating, before anything is decoded.
	MaxTokens int
	// Lenient accepts what libtorrent's bdecode accepts beyond canonical bencoding: dict keys
	// in any order (for a duplicate key the first value wins), leading zeros in integers and
	// string lengths, and "-0". A RawMessage still holds the exact input bytes.
	Lenient bool
}

// Unmarshal decodes exactly one bencoded value from data into v, which must
// be a non-nil pointer. Trailing bytes are an error.
//
// Targets: structs (tags `bencode:"key"`, `bencode:"key,omitempty"`,
// `bencode:"-"`; unknown keys are ignored), map[string]T, []T and [N]T
// (lists; [N]T needs exactly N items), string, []byte and [N]byte (strings;
// [N]byte needs exactly N bytes), all int and uint kinds (range-checked),
// bool (from i0e or i1e), pointers (allocated as needed), RawMessage,
// Unmarshaler, and any (int64, string, []any, map[string]any).
func Unmarshal(data []byte, v any) error {
	return (&Decoder{}).Unmarshal(data, v)
}

// UnmarshalPrefix decodes the first bencoded value in data into v and
// returns the number of bytes it occupied; bytes after it are left alone
// (ut_metadata puts raw piece data after a dict).
func UnmarshalPrefix(data []byte, v any) (n int, err error) {
	return (&Decoder{}).UnmarshalPrefix(data, v)
}

// Unmarshal is like the package-level Unmarshal with d's options.
func (d *Decoder) Unmarshal(data []byte, v any) error {
	_, err := d.decode(data, v, false)
	return err
}

// UnmarshalPrefix is like the package-level UnmarshalPrefix with d's options.
func (d *Decoder) UnmarshalPrefix(data []byte, v any) (int, error) {
	return d.decode(data, v, true)
}

func (d *Decoder) decode(data []byte, v any, prefix bool) (int, error) {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return 0, &InvalidUnmarshalError{Type: reflect.TypeOf(v)}
	}
	maxDepth := d.MaxDepth
	if maxDepth <= 0 {
		maxDepth = DefaultMaxDepth
	}
	sc := scanner{data: data, maxDepth: maxDepth, maxTokens: d.MaxTokens, lenient: d.Lenient, recordLists: true}
	end, err := sc.value(0, 0)
	if err != nil {
		return 0, err
	}
	if !prefix && end != len(data) {
		return 0, syntaxErr(end, "%d trailing bytes after value", len(data)-end)
	}
	ds := decodeState{data: data[:end], maxDepth: maxDepth, lenient: d.Lenient, bigLists: sc.bigLists}
	if err := ds.value(rv.Elem()); err != nil {
		return 0, err
	}
	return end, nil
}

// decodeState fills Go values from input that scan has already validated.
type decodeState struct {
	data     []byte
	pos      int
	maxDepth int
	lenient  bool
	bigLists map[int]int // item counts of large lists by offset (scanner.bigLists)
	path     []pathElem
}

// scanFrom returns the end of the (already validated) value at pos.
func (d *decodeState) scanFrom(pos int) (int, error) {
	sc := scanner{data: d.data, maxDepth: d.maxDepth, lenient: d.lenient}
	return sc.value(pos, 0)
}

func (d *decodeState) typeErr(what string, t reflect.Type) error {
	return &UnmarshalTypeError{Offset: d.pos, Path: formatPath(d.path), Value: what, Type: t}
}

func (d *decodeState) kindName() string {
	switch c := d.data[d.pos]; c {
	case 'i':
		return "integer"
	case 'l':
		return "list"
	case 'd':
		return "dict"
	default:
		return "string"
	}
}

// skip returns the raw bytes of the current value and moves past it.
func (d *decodeState) skip() []byte {
	start := d.pos
	end, err := d.scanFrom(d.pos)
	if err != nil { // cannot happen: the input was validated
		panic("bencode: internal error: " + err.Error())
	}
	d.pos = end
	return d.data[start:end]
}

func (d *decodeState) value(v reflect.Value) error {
	t := v.Type()
	if t == rawType {
		v.SetBytes(append([]byte(nil), d.skip()...))
		return nil
	}
	if t.Kind() != reflect.Pointer && v.CanAddr() && reflect.PointerTo(t).Implements(unmarshalerType) {
		return d.callUnmarshaler(v.Addr().Interface().(Unmarshaler))
	}
	switch t.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(t.Elem()))
		}
		return d.value(v.Elem())
	case reflect.Interface:
		if t.NumMethod() != 0 {
			return d.typeErr(d.kindName(), t)
		}
		x, err := d.generic()
		if err != nil {
			return err
		}
		v.Set(reflect.ValueOf(x))
		return nil
	}
	switch c := d.data[d.pos]; c {
	case 'i':
		return d.intValue(v)
	case 'l':
		return d.listValue(v)
	case 'd':
		return d.dictValue(v)
	default:
		return d.stringValue(v)
	}
}

func (d *decodeState) callUnmarshaler(u Unmarshaler) error {
	start := d.pos
	raw := d.skip()
	if err := u.UnmarshalBencode(raw); err != nil {
		return &UnmarshalTypeError{Offset: start, Path: formatPath(d.path), Msg: err.Error()}
	}
	return nil
}

func (d *decodeState) intValue(v reflect.Value) error {
	n, end, err := parseInt(d.data, d.pos, d.lenient)
	if err != nil {
		return err
	}
	switch v.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if v.OverflowInt(n) {
			return d.rangeErr(n, v.Type())
		}
		v.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if n < 0 || v.OverflowUint(uint64(n)) {
			return d.rangeErr(n, v.Type())
		}
		v.SetUint(uint64(n))
	case reflect.Bool:
		if n != 0 && n != 1 {
			return d.rangeErr(n, v.Type())
		}
		v.SetBool(n == 1)
	default:
		return d.typeErr("integer", v.Type())
	}
	d.pos = end
	return nil
}

func (d *decodeState) rangeErr(n int64, t reflect.Type) error {
	return &UnmarshalTypeError{Offset: d.pos, Path: formatPath(d.path), Value: strconv.FormatInt(n, 10), Type: t,
		Msg: "integer " + strconv.FormatInt(n, 10) + " out of range for " + t.String()}
}

func (d *decodeState) stringValue(v reflect.Value) error {
	s, end, err := parseString(d.data, d.pos, d.lenient)
	if err != nil {
		return err
	}
	t := v.Type()
	switch {
	case t.Kind() == reflect.String:
		v.SetString(string(s))
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8:
		v.SetBytes(append(make([]byte, 0, len(s)), s...))
	case t.Kind() == reflect.Array && t.Elem().Kind() == reflect.Uint8:
		if t.Len() != len(s) {
			return &UnmarshalTypeError{Offset: d.pos, Path: formatPath(d.path), Value: "string", Type: t,
				Msg: "string of " + strconv.Itoa(len(s)) + " bytes, want " + strconv.Itoa(t.Len())}
		}
		reflect.Copy(v, reflect.ValueOf(s))
	default:
		return d.typeErr("string", t)
	}
	d.pos = end
	return nil
}

func (d *decodeState) listValue(v reflect.Value) error {
	t := v.Type()
	isArray := t.Kind() == reflect.Array
	if !isArray && t.Kind() != reflect.Slice || t.Elem().Kind() == reflect.Uint8 {
		return d.typeErr("list", t) // []byte and [N]byte hold strings, not lists
	}
	if isArray {
		// Count first so a wrong length is reported before anything is set.
		n, _ := d.countList()
		if n != t.Len() {
			return &UnmarshalTypeError{Offset: d.pos, Path: formatPath(d.path), Value: "list", Type: t,
				Msg: "list of " + strconv.Itoa(n) + " items, want " + strconv.Itoa(t.Len())}
		}
	} else {
		v.Set(reflect.MakeSlice(t, 0, d.bigLists[d.pos]))
	}
	d.pos++ // 'l'
	for i := 0; d.data[d.pos] != 'e'; i++ {
		d.path = append(d.path, pathElem{index: i})
		var elem reflect.Value
		if isArray {
			elem = v.Index(i)
		} else {
			v.Grow(1)
			v.SetLen(i + 1)
			elem = v.Index(i)
		}
		if err := d.value(elem); err != nil {
			return err
		}
		d.path = d.path[:len(d.path)-1]
	}
	d.pos++ // 'e'
	return nil
}

// countList returns the number of items in the list at d.pos.
func (d *decodeState) countList() (int, error) {
	p := d.pos + 1
	n := 0
	for d.data[p] != 'e' {
		end, err := d.scanFrom(p)
		if err != nil {
			return 0, err
		}
		p = end
		n++
	}
	return n, nil
}

func (d *decodeState) dictValue(v reflect.Value) error {
	t := v.Type()
	switch {
	case t.Kind() == reflect.Map && t.Key().Kind() == reflect.String:
		if v.IsNil() {
			v.Set(reflect.MakeMap(t))
		}
		firstWins := d.lenient && v.Len() == 0 // a key seen twice in this dict keeps its first value
		d.pos++                                // 'd'
		for d.data[d.pos] != 'e' {
			key, end, _ := parseString(d.data, d.pos, d.lenient)
			d.pos = end
			mk := reflect.ValueOf(string(key)).Convert(t.Key())
			if firstWins && v.MapIndex(mk).IsValid() {
				d.skip() // a duplicate key: the first value wins, as in libtorrent
				continue
			}
			d.path = append(d.path, pathElem{bkey: key, isKey: true})
			elem := reflect.New(t.Elem()).Elem()
			if err := d.value(elem); err != nil {
				return err
			}
			v.SetMapIndex(mk, elem)
			d.path = d.path[:len(d.path)-1]
		}
		d.pos++
		return nil
	case t.Kind() == reflect.Struct:
		fields := cachedFields(t)
		var seen uint64 // fields set so far (the first 64), for duplicate keys in lenient input
		d.pos++
		for d.data[d.pos] != 'e' {
			key, end, _ := parseString(d.data, d.pos, d.lenient)
			d.pos = end
			i, ok := fields.byKey[string(key)]
			if ok && d.lenient && i < 64 {
				ok = seen&(1<<i) == 0 // a duplicate key: the first value wins, as in libtorrent
				seen |= 1 << i
			}
			if !ok {
				d.skip()
				continue
			}
			d.path = append(d.path, pathElem{bkey: key, isKey: true})
			if err := d.value(v.FieldByIndex(fields.sorted[i].index)); err != nil {
				return err
			}
			d.path = d.path[:len(d.path)-1]
		}
		d.pos++
		return nil
	default:
		return d.typeErr("dict", t)
	}
}

// generic decodes into int64, string, []any or map[string]any.
func (d *decodeState) generic() (any, error) {
	switch d.data[d.pos] {
	case 'i':
		n, end, err := parseInt(d.data, d.pos, d.lenient)
		d.pos = end
		return n, err
	case 'l':
		d.pos++
		list := []any{}
		for d.data[d.pos] != 'e' {
			x, err := d.generic()
			if err != nil {
				return nil, err
			}
			list = append(list, x)
		}
		d.pos++
		return list, nil
	case 'd':
		d.pos++
		m := map[string]any{}
		for d.data[d.pos] != 'e' {
			key, end, _ := parseString(d.data, d.pos, d.lenient)
			d.pos = end
			if _, dup := m[string(key)]; dup {
				d.skip() // only lenient input has duplicates: the first value wins
				continue
			}
			x, err := d.generic()
			if err != nil {
				return nil, err
			}
			m[string(key)] = x
		}
		d.pos++
		return m, nil
	default:
		s, end, err := parseString(d.data, d.pos, d.lenient)
		d.pos = end
		return string(s), err
	}
}
