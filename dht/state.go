package dht

import (
	"fmt"

	"github.com/libbt/libbt/core/bencode"
	"github.com/libbt/libbt/dht/krpc"
)

// savedState is the bencoded form of State.
type savedState struct {
	ID     NodeID `bencode:"id"`
	Nodes  []byte `bencode:"nodes,omitempty"`
	Nodes6 []byte `bencode:"nodes6,omitempty"`
}

const maxSavedNodes = 200 // per family

func parseState(b []byte) (*savedState, error) {
	var st savedState
	if err := bencode.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("dht: saved state: %w", err)
	}
	if len(st.Nodes)%krpc.CompactNode4 != 0 || len(st.Nodes6)%krpc.CompactNode6 != 0 {
		return nil, fmt.Errorf("dht: saved state: node lists of %d/%d bytes", len(st.Nodes), len(st.Nodes6))
	}
	return &st, nil
}

func (st *savedState) nodes() []NodeInfo {
	n4, _ := krpc.ParseNodes(st.Nodes, false)
	n6, _ := krpc.ParseNodes(st.Nodes6, true)
	return append(n4, n6...)
}

// State returns our node id and known good nodes, bencoded, to pass as
// Config.State on the next start so that it is not cold.
func (s *Server) State() []byte {
	s.mu.Lock()
	st := savedState{ID: s.id}
	n4 := s.tables[famV4].goodNodes()
	n6 := s.tables[famV6].goodNodes()
	if len(n4)+len(n6) == 0 { // not bootstrapped yet: keep what we restored
		for _, n := range s.seeds {
			if is6(n.Addr) {
				n6 = append(n6, n)
			} else {
				n4 = append(n4, n)
			}
		}
	}
	s.mu.Unlock()
	st.Nodes = krpc.AppendNodes(nil, n4[:min(len(n4), maxSavedNodes)], false)
	st.Nodes6 = krpc.AppendNodes(nil, n6[:min(len(n6), maxSavedNodes)], true)
	b, _ := bencode.Marshal(st)
	return b
}
