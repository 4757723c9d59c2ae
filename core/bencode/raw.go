package bencode

import "reflect"

// RawMessage is a raw encoded bencode value. Decoding into a RawMessage
// stores a copy of the exact bytes of the value (validated); encoding a
// RawMessage writes it verbatim after checking it is one valid value.
// The info-hash of a torrent is the SHA-1 of the RawMessage of its info dict.
type RawMessage []byte

// Marshaler is implemented by types that encode themselves. The returned
// bytes must be exactly one valid bencoded value.
type Marshaler interface {
	MarshalBencode() ([]byte, error)
}

// Unmarshaler is implemented by types that decode themselves. The argument
// is exactly one valid bencoded value; implementations must copy it if they
// keep it.
type Unmarshaler interface {
	UnmarshalBencode([]byte) error
}

var (
	rawType         = reflect.TypeFor[RawMessage]()
	marshalerType   = reflect.TypeFor[Marshaler]()
	unmarshalerType = reflect.TypeFor[Unmarshaler]()
)
