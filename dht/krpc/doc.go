// Package krpc owns the wire format of the Mainline DHT (BEP 5): KRPC
// messages (queries, responses, errors) bencoded over UDP, with the
// extensions of BEP 32 (nodes6, want), BEP 42 (ip), BEP 43 (ro), BEP 44
// (get/put items) and BEP 51 (sample_infohashes).
//
// Decode is strict and bounded: a message is accepted only if it is
// canonical bencode no larger than MaxMessageSize, has a well-formed
// envelope (t, y and the part y names), and every compact field has an
// exact length (nodes 26 bytes, nodes6 38 bytes, values 6 or 18 bytes,
// ids 20 bytes). A message that fails any rule is rejected with an error;
// the caller drops and counts it.
//
// The package holds no state and starts no goroutines; all functions are
// safe for concurrent use.
package krpc
