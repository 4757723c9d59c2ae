package session

import (
	"errors"
	"net"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/libbt/libbt/core/bitfield"
	"github.com/libbt/libbt/core/inflight"
	"github.com/libbt/libbt/core/limits"
	"github.com/libbt/libbt/core/peerconn"
	"github.com/libbt/libbt/core/peerwire"
	"github.com/libbt/libbt/core/picker"
	"github.com/libbt/libbt/core/rate"
	"github.com/libbt/libbt/core/upload"
)

// peerConn is one connected peer. The reader and writer goroutines (core/peerconn) own the
// socket; everything else is owned by the torrent goroutine unless marked otherwise.
type peerConn struct {
	t        *Torrent
	conn     net.Conn       // set once at creation: any goroutine may read it
	wire     *peerconn.Conn // the socket's reader, writer and send buffer; safe from any goroutine
	addr     netip.AddrPort
	key      picker.PeerKey
	peerID   [20]byte
	incoming bool
	source   peerSource
	client   string // the extended handshake's "v"
	fast     bool   // BEP 6 on both sides
	extended bool   // BEP 10 on both sides
	dht      bool   // the peer runs a DHT node (BEP 5 reserved bit)

	amChoking, amInterested     bool
	peerChoking, peerInterested bool
	has                         bitfield.Bitfield
	rawBitfield                 []byte             // a bitfield received before we had metadata
	peerHasAll                  bool               // have_all received before we had metadata
	registeredAll               bool               // reported to the picker as a seed (PeerHasAll)
	out                         *inflight.Requests // our requests to the peer (timeouts.go)
	allowedFast                 map[int]bool
	maxRequests                 int // the peer's reqq
	connectedAt                 time.Time
	down, up                    rate.Meter
	extIDs                      map[string]int
	listenPort                  uint16                  // from the extended handshake
	uploadOnly                  bool                    // BEP 21, from the extended handshake
	exts                        map[uint8]PeerExtension // by our extension id
	superPieces                 map[int]bool            // BEP 16: pieces we offered this peer
	closed                      bool
	pickBuf                     []picker.Block

	inboxCredit chan struct{} // one token per batch of the reader's waiting in the torrent's inbox (inbox.go)

	// Serving the peer (upload.go). upq is safe from any goroutine; the rest is the torrent
	// goroutine's. fillPosted keeps at most one fillSendBuffer queued for the torrent.
	upq         *upload.Queue
	watermark   int64 // send_buffer_watermark scheme, recomputed every tick from the upload rate
	readBuf     []picker.Block
	reqqAlerted bool // the performance alert for max_allowed_in_request_queue was raised
	fillPosted  atomic.Bool
	fillFn      func()
}

const (
	defaultPeerReqq  = 250
	ourReqq          = 2000
	minRequestQueue  = 16
	maxBlockRequest  = 128 << 10
	writeChunkTarget = 256 << 10
)

func newPeerConn(t *Torrent, c net.Conn, h peerwire.Handshake, incoming bool, key picker.PeerKey) *peerConn {
	ap, _ := netip.ParseAddrPort(c.RemoteAddr().String())
	p := &peerConn{
		t:           t,
		conn:        c,
		addr:        netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()),
		key:         key,
		peerID:      h.PeerID,
		incoming:    incoming,
		fast:        h.SupportsFast(),
		extended:    h.SupportsExtended(),
		dht:         h.SupportsDHT(),
		amChoking:   true,
		peerChoking: true,
		out:         inflight.New(time.Now()),
		allowedFast: map[int]bool{},
		maxRequests: defaultPeerReqq,
		upq:         upload.New(&t.s.peerSendBytes),
		watermark:   t.wire.lowWatermark,
		inboxCredit: make(chan struct{}, peerInboxBatches),
		connectedAt: time.Now(),
	}
	s := t.s
	p.wire = peerconn.New(c, peerconn.Config{
		SendLimit:      int(t.wire.highWatermark) + sendBacklog,
		SendBytes:      &s.peerSendBytes,
		Done:           t.ctx.Done(),
		UploadWait:     s.upLimit.Wait,
		DownloadWait:   s.downLimit.Wait,
		WriteQueueFull: s.disk.WriteQueueFull,
		WaitWritable:   func(done <-chan struct{}) { s.disk.WaitWritable(done) },
		AfterWrite: func() {
			if p.upq.Queued() > 0 {
				p.requestFill()
			}
		},
		Deliver: func(batch []*peerwire.Message) bool {
			return t.postFromPeer(p, func() {
				for _, m := range batch {
					t.onMessage(p, m)
				}
			})
		},
		Disconnected: func(err error) {
			t.post(func() { t.dropPeer(p, err, isProtocolError(err) || errors.Is(err, limits.ErrLimit)) })
		},
	})
	p.fillFn = func() {
		p.fillPosted.Store(false)
		t.fillSendBuffer(p)
	}
	if tc, ok := c.(*net.TCPConn); ok {
		// One fast peer on loopback needs deep socket buffers to keep the pipe full.
		tc.SetReadBuffer(4 << 20)
		tc.SetWriteBuffer(4 << 20)
		tc.SetNoDelay(true)
	}
	return p
}

func (p *peerConn) lastReceived() time.Time { return p.wire.LastReceived() }

// sendBacklog is how far past send_buffer_watermark a peer's send buffer may grow with
// messages other than piece data (haves, rejects, extension messages) before the peer counts
// as not reading and is disconnected. Piece data alone stays under the watermark plus one
// request (upload.Queue), so this is the bound on everything else.
const sendBacklog = 512 << 10

// send appends encoded messages to the send buffer and wakes the writer (peerconn.Conn.Send:
// bounded, never blocks). Safe from any goroutine.
func (p *peerConn) send(encode func(buf []byte) []byte) { p.wire.Send(encode) }

func (p *peerConn) sendMessage(m *peerwire.Message) { p.wire.SendMessage(m) }

// sendBuffered returns the bytes in the send buffer, the batch being written included.
func (p *peerConn) sendBuffered() int64 { return p.wire.Buffered() }

// requestFill asks the torrent goroutine to start more disk reads for the peer; at most one
// such request is queued at a time. Safe from any goroutine.
func (p *peerConn) requestFill() {
	if p.fillPosted.CompareAndSwap(false, true) {
		p.t.post(p.fillFn)
	}
}

// closeConn stops both goroutines; owned by the torrent goroutine.
func (p *peerConn) closeConn() {
	p.wire.Close()
	p.upq.Clear(nil)
}

func getBlock(n int) []byte { return peerconn.GetBlock(n) }
func putBlock(b []byte)     { peerconn.PutBlock(b) }
