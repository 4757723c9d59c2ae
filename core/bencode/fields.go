package bencode

import (
	"reflect"
	"sort"
	"strings"
	"sync"
)

// field is one struct field as seen by the codec.
type field struct {
	key       string
	index     []int // for reflect.Value.FieldByIndex (embedded structs are flattened)
	omitEmpty bool
}

type structFields struct {
	sorted []field // by key, raw-byte order (the encoding order)
	byKey  map[string]int
}

var fieldCache sync.Map // reflect.Type -> *structFields

// cachedFields returns the codec view of struct type t.
//
// Rules (like encoding/json): exported fields are keyed by their tag name,
// else by the Go field name; `bencode:"-"` skips a field; embedded
// (anonymous, non-pointer) structs without a tag are flattened; when two
// fields claim a key, the shallower wins and equally deep ones are both
// dropped.
func cachedFields(t reflect.Type) *structFields {
	if f, ok := fieldCache.Load(t); ok {
		return f.(*structFields)
	}
	type cand struct {
		field
		depth int
	}
	var all []cand
	var walk func(t reflect.Type, index []int, depth int)
	walk = func(t reflect.Type, index []int, depth int) {
		for i := 0; i < t.NumField(); i++ {
			sf := t.Field(i)
			tag := sf.Tag.Get("bencode")
			if tag == "-" {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			idx := append(append([]int(nil), index...), i)
			if sf.Anonymous && name == "" && sf.Type.Kind() == reflect.Struct {
				if depth < 16 {
					walk(sf.Type, idx, depth+1)
				}
				continue
			}
			if !sf.IsExported() {
				continue
			}
			if name == "" {
				name = sf.Name
			}
			omit := false
			for _, o := range strings.Split(opts, ",") {
				if o == "omitempty" {
					omit = true
				}
			}
			all = append(all, cand{field{key: name, index: idx, omitEmpty: omit}, depth})
		}
	}
	walk(t, nil, 0)

	sort.SliceStable(all, func(i, j int) bool {
		if all[i].key != all[j].key {
			return all[i].key < all[j].key
		}
		return all[i].depth < all[j].depth
	})
	sf := &structFields{byKey: map[string]int{}}
	for i := 0; i < len(all); {
		j := i + 1
		for j < len(all) && all[j].key == all[i].key {
			j++
		}
		if j == i+1 || all[i+1].depth > all[i].depth {
			sf.byKey[all[i].key] = len(sf.sorted)
			sf.sorted = append(sf.sorted, all[i].field)
		}
		i = j
	}
	f, _ := fieldCache.LoadOrStore(t, sf)
	return f.(*structFields)
}
