// Package bencode implements a strict decoder and encoder for bencoding
// (BEP 3), the serialisation used by .torrent files, tracker responses,
// the DHT and the extension protocol.
//
// The package owns only the byte format: it knows nothing about torrents.
//
// Strictness: by default the decoder accepts only canonical input — integers without
// leading zeros or "-0", string lengths without leading zeros, dict keys
// that are strings in strictly increasing raw-byte order, exactly one value
// (Unmarshal) — so that Marshal(Unmarshal(x)) reproduces x byte for byte.
// This is what makes RawMessage safe for the info-hash: the raw bytes kept
// are the bytes that were hashed. Decoder.Lenient accepts what libtorrent
// accepts for .torrent files (unsorted and duplicate keys, leading zeros);
// a RawMessage still holds the exact bytes, so an info-hash stays that of
// the bytes as given. CheckCanonical tells whether input was canonical.
//
// Bounded work and memory on hostile input: nesting is limited
// (DefaultMaxDepth, Decoder.MaxDepth) and so is the number of tokens
// (Decoder.MaxTokens), both checked while validating, before anything is
// decoded, and reported as a *limits.Error naming libtorrent's setting
// (max_decode_depth, max_decode_tokens); a string length can never exceed
// the remaining input, so no allocation is larger than the input, and
// integers that overflow int64 are rejected.
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
