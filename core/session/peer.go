package session

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/libbt/libbt/core/bitfield"
	"github.com/libbt/libbt/core/inflight"
	"github.com/libbt/libbt/core/limits"
	"github.com/libbt/libbt/core/peerwire"
	"github.com/libbt/libbt/core/picker"
	"github.com/libbt/libbt/core/upload"
)

// peerConn is one connected peer. The reader and writer goroutines own the socket; everything
// else is owned by the torrent goroutine unless marked otherwise.
type peerConn struct {
	t        *Torrent
	conn     net.Conn
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
	down, up                    rateMeter
	extIDs                      map[string]int
	listenPort                  uint16                  // from the extended handshake
	uploadOnly                  bool                    // BEP 21, from the extended handshake
	exts                        map[uint8]PeerExtension // by our extension id
	superPieces                 map[int]bool            // BEP 16: pieces we offered this peer
	closed                      bool
	pickBuf                     []picker.Block

	lastRecv    atomic.Int64  // unix nanoseconds; written by the reader
	inboxCredit chan struct{} // one token per batch of the reader's waiting in the torrent's inbox (inbox.go)

	// Serving the peer (upload.go). upq is safe from any goroutine; the rest is the torrent
	// goroutine's. fillPosted keeps at most one fillSendBuffer queued for the torrent.
	upq         *upload.Queue
	watermark   int64 // send_buffer_watermark scheme, recomputed every tick from the upload rate
	readBuf     []picker.Block
	reqqAlerted bool // the performance alert for max_allowed_in_request_queue was raised
	fillPosted  atomic.Bool
	fillFn      func()

	// Outgoing bytes; guarded by wmu, drained by the writer goroutine. writing is the size of
	// the batch being written; len(wbuf)+writing never exceeds sendLimit (see send).
	wmu       sync.Mutex
	wbuf      []byte
	writing   int
	sendLimit int
	wclosed   bool
	wErr      error // why the writer closed the connection, reported by the reader
	wake      chan struct{}
}

const (
	defaultPeerReqq  = 250
	ourReqq          = 2000
	minRequestQueue  = 16
	maxBlockRequest  = 128 << 10
	keepAliveEvery   = 90 * time.Second
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
		sendLimit:   int(t.wire.highWatermark) + sendBacklog,
		wake:        make(chan struct{}, 1),
		inboxCredit: make(chan struct{}, peerInboxBatches),
		connectedAt: time.Now(),
	}
	p.lastRecv.Store(time.Now().UnixNano())
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

func (p *peerConn) lastReceived() time.Time { return time.Unix(0, p.lastRecv.Load()) }

// sendBacklog is how far past send_buffer_watermark a peer's send buffer may grow with
// messages other than piece data (haves, rejects, extension messages) before the peer counts
// as not reading and is disconnected. Piece data alone stays under the watermark plus one
// request (upload.Queue), so this is the bound on everything else.
const sendBacklog = 512 << 10

// send appends encoded messages to the write buffer and wakes the writer. Safe from any goroutine.
//
// Bound: a peer's send buffer (queued plus being written) holds at most send_buffer_watermark +
// sendBacklog bytes; a peer that lets it grow past that by not reading is disconnected with a
// limits.Error, so a reader that never reads costs at most that much memory here.
func (p *peerConn) send(encode func(buf []byte) []byte) {
	p.wmu.Lock()
	if p.wclosed {
		p.wmu.Unlock()
		return
	}
	before := len(p.wbuf)
	p.wbuf = encode(p.wbuf)
	added := len(p.wbuf) - before
	p.t.s.peerSendBytes.Add(int64(added))
	if n := len(p.wbuf) + p.writing; n > p.sendLimit {
		p.wErr = fmt.Errorf("peer does not read what we send: %w",
			&limits.Error{Limit: "send_buffer_backlog", Value: int64(n), Max: int64(p.sendLimit)})
		p.closeWriterLocked()
		p.wmu.Unlock()
		p.conn.Close() // the reader reports wErr
		return
	}
	p.wmu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// sendBuffered returns the bytes in the send buffer, the batch being written included.
func (p *peerConn) sendBuffered() int64 {
	p.wmu.Lock()
	defer p.wmu.Unlock()
	return int64(len(p.wbuf) + p.writing)
}

// closeWriterLocked stops all further sends and releases the buffered bytes from the session's
// count. wmu must be held.
func (p *peerConn) closeWriterLocked() {
	if p.wclosed {
		return
	}
	p.wclosed = true
	p.t.s.peerSendBytes.Add(-int64(len(p.wbuf)))
	p.wbuf = nil
}

func (p *peerConn) sendMessage(m *peerwire.Message) {
	p.send(func(buf []byte) []byte { return peerwire.AppendMessage(buf, m) })
}

// writeLoop drains the write buffer, batching everything queued since the last write into one
// system call, and sends keep-alives when idle. After each write it asks the torrent goroutine
// for more piece data if the peer has requests waiting (the buffer just drained).
func (p *peerConn) writeLoop() {
	var spare []byte
	keepAlive := time.NewTimer(keepAliveEvery)
	defer keepAlive.Stop()
	for {
		select {
		case <-p.wake:
		case <-keepAlive.C:
			p.send(func(buf []byte) []byte { return peerwire.AppendMessage(buf, &peerwire.Message{KeepAlive: true}) })
		}
		p.wmu.Lock()
		if p.wclosed {
			p.wmu.Unlock()
			return
		}
		out := p.wbuf
		p.wbuf = spare[:0]
		p.writing = len(out)
		p.wmu.Unlock()
		if len(out) > 0 {
			p.t.s.upLimit.wait(len(out), p.t.ctx.Done())
			_, err := p.conn.Write(out)
			p.wmu.Lock()
			p.writing = 0
			p.wmu.Unlock()
			p.t.s.peerSendBytes.Add(-int64(len(out)))
			if err != nil {
				p.wmu.Lock()
				p.closeWriterLocked()
				p.wmu.Unlock()
				p.conn.Close() // the reader notices and reports the disconnect
				return
			}
			keepAlive.Reset(keepAliveEvery)
			if p.upq.Queued() > 0 {
				p.requestFill()
			}
		}
		if cap(out) > maxSpareWriteBuffer {
			out = nil // don't keep a large buffer after a burst
		}
		spare = out
	}
}

// maxSpareWriteBuffer is the largest batch buffer the writer keeps for reuse.
const maxSpareWriteBuffer = 1 << 20

// requestFill asks the torrent goroutine to start more disk reads for the peer; at most one
// such request is queued at a time. Safe from any goroutine.
func (p *peerConn) requestFill() {
	if p.fillPosted.CompareAndSwap(false, true) {
		p.t.post(p.fillFn)
	}
}

// readLoop reads messages and hands them to the torrent goroutine, several at a time when
// they are already buffered: one hand-off per batch rather than per 16 KiB block.
func (p *peerConn) readLoop() {
	t := p.t
	r := peerwire.NewReader(p.conn, peerwire.DefaultMaxMessage)
	r.BlockBuf = getBlock
	for {
		var batch []*peerwire.Message
		var err error
		for len(batch) < maxReadBatch {
			m := new(peerwire.Message)
			if err = r.ReadMessage(m); err != nil {
				break
			}
			p.lastRecv.Store(time.Now().UnixNano())
			if !m.KeepAlive {
				batch = append(batch, m)
			}
			if m.ID == peerwire.Piece && !m.KeepAlive {
				t.s.downLimit.wait(len(m.Block), t.ctx.Done())
				// Back-pressure, not loss: while the disk's write queue is over its limit,
				// stop reading this socket (after handing over this batch); TCP then slows
				// the sender.
				if t.s.disk.WriteQueueFull() {
					break
				}
			}
			if !r.MessageBuffered() {
				break // the next message is not all here yet: hand over what we have
			}
		}
		if len(batch) > 0 && !t.postFromPeer(p, func() {
			for _, m := range batch {
				t.onMessage(p, m)
			}
		}) {
			return // the torrent stopped
		}
		if err != nil {
			p.wmu.Lock()
			if p.wErr != nil {
				err = p.wErr // the writer closed the socket: say why
			}
			p.wmu.Unlock()
			t.post(func() { t.dropPeer(p, err, isProtocolError(err) || errors.Is(err, limits.ErrLimit)) })
			return
		}
		if t.s.disk.WriteQueueFull() {
			t.s.disk.WaitWritable(t.ctx.Done())
		}
	}
}

// maxReadBatch bounds the messages handed to the torrent goroutine at once.
const maxReadBatch = 32

// closeConn stops both goroutines; owned by the torrent goroutine.
func (p *peerConn) closeConn() {
	p.wmu.Lock()
	p.closeWriterLocked()
	p.wmu.Unlock()
	p.upq.Clear(nil)
	select {
	case p.wake <- struct{}{}:
	default:
	}
	p.conn.Close()
}

// Block buffers for received payload, recycled after the disk write so payload stays out of
// the garbage collector's way.
var blockPool = sync.Pool{New: func() any { b := make([]byte, picker.BlockSize); return &b }}

func getBlock(n int) []byte {
	if n > picker.BlockSize {
		return make([]byte, n)
	}
	bp := blockPool.Get().(*[]byte)
	return (*bp)[:n]
}

func putBlock(b []byte) {
	if cap(b) != picker.BlockSize {
		return
	}
	b = b[:cap(b)]
	blockPool.Put(&b)
}
