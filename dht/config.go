package dht

import (
	"net/netip"
	"time"

	"github.com/libbt/libbt/core/guard"
)

// Config configures a Server. The zero value plus at least one address is
// a working node that contacts nobody until told to.
type Config struct {
	// Addrs are the UDP addresses to listen on, at most one per family
	// (e.g. 127.0.0.1:0 and [::1]:0): the node's own sockets, for a node that
	// runs alone (tests, tools). Required unless Conns is set.
	Addrs []netip.AddrPort
	// Conns, when set, are used instead of Addrs: sockets the node does not
	// open, at most one per family, such as core/udpmux's KRPC views of the
	// session's shared socket. The node closes them on Close (and when New fails).
	Conns []PacketConn
	// Bootstrap nodes as host:port. Empty by default: libbt never contacts
	// public routers on its own.
	Bootstrap []string
	// NodeID is our id; zero means the id from State, else a random one.
	NodeID NodeID
	// ReadOnly is BEP 43: we query but never answer, and others keep us
	// out of their routing tables.
	ReadOnly bool
	// EnforceNodeID applies BEP 42: nodes whose id does not match their IP
	// stay out of the routing table and out of lookups. Off by default
	// since loopback swarms cannot satisfy it on public addresses.
	EnforceNodeID bool
	// RestrictRoutingIPs keeps at most one node per IP address in each
	// routing table (libtorrent's dht_restrict_routing_ips), so one host
	// cannot fill our table with made-up nodes. Off by default since
	// loopback swarms run every node on 127.0.0.1.
	RestrictRoutingIPs bool
	// RateLimit bounds incoming queries per source IP.
	RateLimit RateLimit
	// State is a value from (*Server).State to restore (node id and nodes).
	State []byte
	// QueryTimeout bounds each outgoing query; default 2 s.
	QueryTimeout time.Duration
	// Alpha is the number of queries a lookup keeps in flight; default 3.
	Alpha int
	// MaintenanceInterval is how often buckets, tokens and stores are
	// maintained; default 1 minute.
	MaintenanceInterval time.Duration
	// Version is the KRPC "v" client string; default "LB01".
	Version string
	// OnPanic, if set, is told of a panic recovered on one of the node's
	// goroutines (a bug): a lookup query that panicked counts as failed, a
	// socket reader or the maintenance loop is started again. It must not
	// block. Without it the panic is written to stderr.
	OnPanic func(*guard.Panic)

	now func() time.Time // tests
}

func (c *Config) withDefaults() Config {
	d := *c
	if d.QueryTimeout <= 0 {
		d.QueryTimeout = 2 * time.Second
	}
	if d.Alpha <= 0 {
		d.Alpha = 3
	}
	if d.MaintenanceInterval <= 0 {
		d.MaintenanceInterval = time.Minute
	}
	if d.Version == "" {
		d.Version = "LB01"
	}
	if d.now == nil {
		d.now = time.Now
	}
	return d
}
