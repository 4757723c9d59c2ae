package krpc

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/libbt/libbt/core/bencode"
)

// Message kinds (the "y" key).
const (
	KindQuery    = "q"
	KindResponse = "r"
	KindError    = "e"
)

// Query method names (the "q" key).
const (
	MethodPing             = "ping"
	MethodFindNode         = "find_node"
	MethodGetPeers         = "get_peers"
	MethodAnnouncePeer     = "announce_peer"
	MethodGet              = "get"
	MethodPut              = "put"
	MethodSampleInfohashes = "sample_infohashes"
)

// Error codes (BEP 5, BEP 44).
const (
	ErrGeneric         = 201
	ErrServer          = 202
	ErrProtocol        = 203
	ErrMethodUnknown   = 204
	ErrValueTooBig     = 205
	ErrBadSignature    = 206
	ErrSaltTooBig      = 207
	ErrCASMismatch     = 301
	ErrSeqLessThanHave = 302
)

// Limits from BEP 44.
const (
	MaxValueSize = 1000
	MaxSaltSize  = 64
	MaxTIDSize   = 16
)

// Msg is one KRPC message. Exactly one of A (y=q), R (y=r), E (y=e) is set.
type Msg struct {
	T  string  `bencode:"t"`
	Y  string  `bencode:"y"`
	Q  string  `bencode:"q,omitempty"`
	A  *Args   `bencode:"a,omitempty"`
	R  *Return `bencode:"r,omitempty"`
	E  *Error  `bencode:"e,omitempty"`
	V  string  `bencode:"v,omitempty"`  // client version
	IP []byte  `bencode:"ip,omitempty"` // BEP 42: the requester's address as the responder sees it
	RO int     `bencode:"ro,omitempty"` // BEP 43: the sender is read-only
}

// Args are the arguments of a query.
type Args struct {
	ID          ID       `bencode:"id"`
	Target      *ID      `bencode:"target,omitempty"`    // find_node, get, sample_infohashes
	InfoHash    *ID      `bencode:"info_hash,omitempty"` // get_peers, announce_peer
	Token       []byte   `bencode:"token,omitempty"`
	Port        int      `bencode:"port,omitempty"`
	ImpliedPort int      `bencode:"implied_port,omitempty"`
	Want        []string `bencode:"want,omitempty"` // BEP 32: "n4", "n6"
	// BEP 44 put/get.
	V    bencode.RawMessage `bencode:"v,omitempty"`
	K    []byte             `bencode:"k,omitempty"`
	Sig  []byte             `bencode:"sig,omitempty"`
	Seq  *int64             `bencode:"seq,omitempty"`
	Cas  *int64             `bencode:"cas,omitempty"`
	Salt []byte             `bencode:"salt,omitempty"`
}

// Return is the body of a response.
type Return struct {
	ID     ID       `bencode:"id"`
	Nodes  []byte   `bencode:"nodes,omitempty"`
	Nodes6 []byte   `bencode:"nodes6,omitempty"`
	Values [][]byte `bencode:"values,omitempty"`
	Token  []byte   `bencode:"token,omitempty"`
	// BEP 44.
	V   bencode.RawMessage `bencode:"v,omitempty"`
	K   []byte             `bencode:"k,omitempty"`
	Sig []byte             `bencode:"sig,omitempty"`
	Seq *int64             `bencode:"seq,omitempty"`
	// BEP 51.
	Interval int    `bencode:"interval,omitempty"`
	Num      int    `bencode:"num,omitempty"`
	Samples  []byte `bencode:"samples,omitempty"`
}

// Error is the body of an error message: a list [code, message].
type Error struct {
	Code int
	Msg  string
}

func (e *Error) Error() string { return "krpc: remote error " + strconv.Itoa(e.Code) + ": " + e.Msg }

// MarshalBencode encodes the error as [code, message].
func (e Error) MarshalBencode() ([]byte, error) {
	return bencode.Marshal([]any{int64(e.Code), e.Msg})
}

// UnmarshalBencode decodes [code, message].
func (e *Error) UnmarshalBencode(b []byte) error {
	var l []bencode.RawMessage
	if err := bencode.Unmarshal(b, &l); err != nil {
		return err
	}
	if len(l) != 2 {
		return fmt.Errorf("error list of %d items, want 2", len(l))
	}
	var code int
	if err := bencode.Unmarshal(l[0], &code); err != nil {
		return err
	}
	var msg string
	if err := bencode.Unmarshal(l[1], &msg); err != nil {
		return err
	}
	if len(msg) > 256 {
		msg = msg[:256]
	}
	e.Code, e.Msg = code, msg
	return nil
}

// ErrMalformed wraps every decode failure.
var ErrMalformed = errors.New("krpc: malformed message")

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}

// Decode parses and validates one datagram. The returned message's compact
// fields are checked (use ParseNodes/ParseValues to read them; they cannot
// fail on a decoded message except for port 0 entries).
func Decode(b []byte) (*Msg, error) {
	if len(b) > MaxMessageSize {
		return nil, malformed("%d bytes exceeds %d", len(b), MaxMessageSize)
	}
	m := new(Msg)
	if err := bencode.Unmarshal(b, m); err != nil {
		return nil, malformed("%v", err)
	}
	if err := m.validate(); err != nil {
		return nil, err
	}
	return m, nil
}

// Encode bencodes a message.
func Encode(m *Msg) ([]byte, error) {
	b, err := bencode.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("krpc: encode %s: %w", m.Y, err)
	}
	return b, nil
}

var zeroID ID

func (m *Msg) validate() error {
	if len(m.T) == 0 || len(m.T) > MaxTIDSize {
		return malformed("transaction id of %d bytes", len(m.T))
	}
	if len(m.IP) != 0 && len(m.IP) != CompactPeer4 && len(m.IP) != CompactPeer6 {
		return malformed("ip of %d bytes", len(m.IP))
	}
	switch m.Y {
	case KindQuery:
		if m.A == nil || m.Q == "" || m.R != nil || m.E != nil {
			return malformed("query without q/a or with r/e")
		}
		return m.A.validate(m.Q)
	case KindResponse:
		if m.R == nil || m.A != nil || m.E != nil {
			return malformed("response without r or with a/e")
		}
		return m.R.validate()
	case KindError:
		if m.E == nil || m.A != nil || m.R != nil {
			return malformed("error without e or with a/r")
		}
		return nil
	}
	return malformed("unknown y %q", m.Y)
}

func (a *Args) validate(q string) error {
	if a.ID == zeroID {
		return malformed("query without id")
	}
	switch q {
	case MethodFindNode, MethodGet, MethodSampleInfohashes:
		if a.Target == nil {
			return malformed("%s without target", q)
		}
	case MethodGetPeers:
		if a.InfoHash == nil {
			return malformed("get_peers without info_hash")
		}
	case MethodAnnouncePeer:
		if a.InfoHash == nil || len(a.Token) == 0 {
			return malformed("announce_peer without info_hash or token")
		}
		if a.ImpliedPort == 0 && (a.Port <= 0 || a.Port > 65535) {
			return malformed("announce_peer port %d", a.Port)
		}
		if a.Port < 0 || a.Port > 65535 {
			return malformed("announce_peer port %d", a.Port)
		}
	case MethodPut:
		if len(a.V) == 0 || len(a.Token) == 0 {
			return malformed("put without v or token")
		}
		if len(a.K) != 0 || len(a.Sig) != 0 || a.Seq != nil {
			if len(a.K) != 32 || len(a.Sig) != 64 || a.Seq == nil {
				return malformed("mutable put needs k (32), sig (64) and seq")
			}
		}
	}
	for _, w := range a.Want {
		if len(w) > 8 {
			return malformed("want entry of %d bytes", len(w))
		}
	}
	return nil
}

func (r *Return) validate() error {
	if r.ID == zeroID {
		return malformed("response without id")
	}
	if len(r.Nodes)%CompactNode4 != 0 {
		return malformed("nodes of %d bytes", len(r.Nodes))
	}
	if len(r.Nodes6)%CompactNode6 != 0 {
		return malformed("nodes6 of %d bytes", len(r.Nodes6))
	}
	for i, v := range r.Values {
		if len(v) != CompactPeer4 && len(v) != CompactPeer6 {
			return malformed("value %d of %d bytes", i, len(v))
		}
	}
	if len(r.Samples)%IDLen != 0 {
		return malformed("samples of %d bytes", len(r.Samples))
	}
	if len(r.K) != 0 && len(r.K) != 32 || len(r.Sig) != 0 && len(r.Sig) != 64 {
		return malformed("k or sig of the wrong size")
	}
	return nil
}

// WantsV4 and WantsV6 interpret BEP 32's want list; with no list the
// family of the socket the query arrived on is wanted (v6 reports that).
func (a *Args) WantsV4(v6 bool) bool { return a.wants("n4", !v6) }

// WantsV6 reports whether IPv6 nodes were asked for.
func (a *Args) WantsV6(v6 bool) bool { return a.wants("n6", v6) }

func (a *Args) wants(w string, def bool) bool {
	if len(a.Want) == 0 {
		return def
	}
	for _, x := range a.Want {
		if x == w {
			return true
		}
	}
	return false
}
