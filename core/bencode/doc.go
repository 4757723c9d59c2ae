// Package bencode implements a strict decoder and encoder for bencoding
// (BEP 3), the serialisation used by .torrent files, tracker responses,
// the DHT and the extension protocol.
//
// The package owns only the byte format: it knows nothing about torrents.
//
// Strictness: the decoder accepts only canonical input — integers without
// leading zeros or "-0", string lengths without leading zeros, dict keys
// that are strings in strictly increasing raw-byte order, exactly one value
// (Unmarshal) — so that Marshal(Unmarshal(x)) reproduces x byte for byte.
// This is what makes RawMessage safe for the info-hash: the raw bytes kept
// are the bytes that were hashed.
//
// Bounded memory on hostile input: nesting is limited (DefaultMaxDepth,
// Decoder.MaxDepth), a string length can never exceed the remaining input,
// so no allocation is larger than the input, and integers that overflow
// int64 are rejected.
//
// Decoding first validates the whole value (a linear scan that allocates
// nothing), then fills the target; a syntax error therefore never leaves the
// target half-filled. A type error (for example a string where a struct
// field wants an integer) may leave earlier fields set.
//
// Concurrency: all functions are safe for concurrent use; there is no
// shared mutable state except an internal, synchronised cache of struct
// field layouts.
package bencode
