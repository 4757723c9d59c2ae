// Package peerconn is one peer connection's I/O: a writer goroutine that drains a bounded send
// buffer (everything queued since the last write in one system call, keep-alives when idle, the
// upload rate limit) and a reader goroutine that decodes messages and hands them to the
// connection's owner in batches (the download rate limit, disk back-pressure). What the messages
// mean is the owner's business: core/session's torrent goroutine.
//
// Ownership: the writer goroutine (WriteLoop) owns the socket's write side, the reader
// (ReadLoop) its read side; the send buffer is guarded by a mutex, so Send is safe from any
// goroutine and never blocks on the network. The Config functions are called on the reader
// and writer goroutines and must not block except where they say so.
package peerconn

import (
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/libbt/libbt/core/limits"
	"github.com/libbt/libbt/core/peerwire"
	"github.com/libbt/libbt/core/picker"
)

const (
	// KeepAliveEvery is how long the writer waits idle before it sends a keep-alive.
	KeepAliveEvery = 90 * time.Second
	// MaxReadBatch bounds the messages handed to the owner at once.
	MaxReadBatch = 32
	// maxSpareWriteBuffer is the largest batch buffer the writer keeps for reuse.
	maxSpareWriteBuffer = 1 << 20
)

// Config is what a connection needs of its owner.
type Config struct {
	// SendLimit bounds the send buffer, queued bytes plus the batch being written: a peer that
	// lets it grow past this by not reading is disconnected with a *limits.Error
	// (send_buffer_backlog).
	SendLimit int
	// SendBytes counts the bytes held in send buffers (the owner's, shared by its connections).
	SendBytes *atomic.Int64
	// Done is closed when the owner stops: rate-limit and back-pressure waits end.
	Done <-chan struct{}
	// UploadWait and DownloadWait wait until n bytes may be written or were read under the rate
	// limits (they block, until Done at most); nil for none.
	UploadWait, DownloadWait func(n int, done <-chan struct{})
	// WriteQueueFull reports disk back-pressure: the reader hands over its batch after a piece
	// and then waits in WaitWritable (blocking, until Done at most) before reading more.
	WriteQueueFull func() bool
	WaitWritable   func(done <-chan struct{})
	// AfterWrite runs on the writer after each write that drained the buffer.
	AfterWrite func()
	// Deliver hands a batch of messages to the owner; it may wait for the owner to take earlier
	// batches. False means the owner stopped: the reader returns.
	Deliver func(batch []*peerwire.Message) bool
	// Disconnected is told why the reader stopped (the writer's reason if the writer closed the
	// socket); it is not called when Deliver returned false.
	Disconnected func(err error)
}

// Conn is one peer connection's socket, send buffer and read/write loops.
type Conn struct {
	conn     net.Conn
	cfg      Config
	lastRecv atomic.Int64 // unix nanoseconds; written by the reader

	// Outgoing bytes; guarded by wmu, drained by the writer goroutine. writing is the size of
	// the batch being written; len(wbuf)+writing never exceeds cfg.SendLimit (see Send).
	wmu     sync.Mutex
	wbuf    []byte
	writing int
	wclosed bool
	wErr    error // why the writer closed the connection, reported by the reader
	wake    chan struct{}
}

// New wraps c; nothing runs until the owner starts WriteLoop and ReadLoop.
func New(c net.Conn, cfg Config) *Conn {
	if cfg.SendBytes == nil {
		cfg.SendBytes = new(atomic.Int64)
	}
	p := &Conn{conn: c, cfg: cfg, wake: make(chan struct{}, 1)}
	p.lastRecv.Store(time.Now().UnixNano())
	return p
}

// NetConn is the connection's socket (an *mse.Conn after an encrypted handshake).
func (p *Conn) NetConn() net.Conn { return p.conn }

// LastReceived is when the last message (a keep-alive included) arrived, or New ran.
func (p *Conn) LastReceived() time.Time { return time.Unix(0, p.lastRecv.Load()) }

// Send appends encoded messages to the send buffer and wakes the writer. Safe from any
// goroutine; it never blocks on the network.
//
// Bound: the send buffer (queued plus being written) holds at most Config.SendLimit bytes; a
// peer that lets it grow past that by not reading is disconnected with a limits.Error, so a
// reader that never reads costs at most that much memory here.
func (p *Conn) Send(encode func(buf []byte) []byte) {
	p.wmu.Lock()
	if p.wclosed {
		p.wmu.Unlock()
		return
	}
	before := len(p.wbuf)
	p.wbuf = encode(p.wbuf)
	added := len(p.wbuf) - before
	p.cfg.SendBytes.Add(int64(added))
	if n := len(p.wbuf) + p.writing; n > p.cfg.SendLimit {
		p.wErr = fmt.Errorf("peer does not read what we send: %w",
			&limits.Error{Limit: "send_buffer_backlog", Value: int64(n), Max: int64(p.cfg.SendLimit)})
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

// SendMessage queues one message.
func (p *Conn) SendMessage(m *peerwire.Message) {
	p.Send(func(buf []byte) []byte { return peerwire.AppendMessage(buf, m) })
}

// Buffered returns the bytes in the send buffer, the batch being written included.
func (p *Conn) Buffered() int64 {
	p.wmu.Lock()
	defer p.wmu.Unlock()
	return int64(len(p.wbuf) + p.writing)
}

// closeWriterLocked stops all further sends and releases the buffered bytes from the count.
// wmu must be held.
func (p *Conn) closeWriterLocked() {
	if p.wclosed {
		return
	}
	p.wclosed = true
	p.cfg.SendBytes.Add(-int64(len(p.wbuf)))
	p.wbuf = nil
}

// WriteLoop drains the send buffer, batching everything queued since the last write into one
// system call, and sends keep-alives when idle. It runs on its own goroutine until the
// connection closes.
func (p *Conn) WriteLoop() {
	var spare []byte
	keepAlive := time.NewTimer(KeepAliveEvery)
	defer keepAlive.Stop()
	for {
		select {
		case <-p.wake:
		case <-keepAlive.C:
			p.SendMessage(&peerwire.Message{KeepAlive: true})
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
			if p.cfg.UploadWait != nil {
				p.cfg.UploadWait(len(out), p.cfg.Done)
			}
			_, err := p.conn.Write(out)
			p.wmu.Lock()
			p.writing = 0
			p.wmu.Unlock()
			p.cfg.SendBytes.Add(-int64(len(out)))
			if err != nil {
				p.wmu.Lock()
				p.closeWriterLocked()
				p.wmu.Unlock()
				p.conn.Close() // the reader notices and reports the disconnect
				return
			}
			keepAlive.Reset(KeepAliveEvery)
			if p.cfg.AfterWrite != nil {
				p.cfg.AfterWrite()
			}
		}
		if cap(out) > maxSpareWriteBuffer {
			out = nil // don't keep a large buffer after a burst
		}
		spare = out
	}
}

// ReadLoop reads messages and hands them to the owner, several at a time when they are already
// buffered: one hand-off per batch rather than per 16 KiB block. It runs on its own goroutine
// until the connection fails or the owner stops. Piece payloads are read into GetBlock buffers.
func (p *Conn) ReadLoop() {
	r := peerwire.NewReader(p.conn, peerwire.DefaultMaxMessage)
	r.BlockBuf = GetBlock
	full := func() bool { return p.cfg.WriteQueueFull != nil && p.cfg.WriteQueueFull() }
	for {
		var batch []*peerwire.Message
		var err error
		for len(batch) < MaxReadBatch {
			m := new(peerwire.Message)
			if err = r.ReadMessage(m); err != nil {
				break
			}
			p.lastRecv.Store(time.Now().UnixNano())
			if !m.KeepAlive {
				batch = append(batch, m)
			}
			if m.ID == peerwire.Piece && !m.KeepAlive {
				if p.cfg.DownloadWait != nil {
					p.cfg.DownloadWait(len(m.Block), p.cfg.Done)
				}
				// Back-pressure, not loss: while the disk's write queue is over its limit,
				// stop reading this socket (after handing over this batch); TCP then slows
				// the sender.
				if full() {
					break
				}
			}
			if !r.MessageBuffered() {
				break // the next message is not all here yet: hand over what we have
			}
		}
		if len(batch) > 0 && !p.cfg.Deliver(batch) {
			return // the owner stopped
		}
		if err != nil {
			p.wmu.Lock()
			if p.wErr != nil {
				err = p.wErr // the writer closed the socket: say why
			}
			p.wmu.Unlock()
			p.cfg.Disconnected(err)
			return
		}
		if full() {
			p.cfg.WaitWritable(p.cfg.Done)
		}
	}
}

// Close stops both loops and drops what is buffered.
func (p *Conn) Close() {
	p.wmu.Lock()
	p.closeWriterLocked()
	p.wmu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
	p.conn.Close()
}

// Block buffers for received payload, recycled after the disk write so payload stays out of
// the garbage collector's way.
var blockPool = sync.Pool{New: func() any { b := make([]byte, picker.BlockSize); return &b }}

// GetBlock returns a buffer of n bytes, from the pool when n is at most a block.
func GetBlock(n int) []byte {
	if n > picker.BlockSize {
		return make([]byte, n)
	}
	bp := blockPool.Get().(*[]byte)
	return (*bp)[:n]
}

// PutBlock returns a GetBlock buffer to the pool (others are left to the collector).
func PutBlock(b []byte) {
	if cap(b) != picker.BlockSize {
		return
	}
	b = b[:cap(b)]
	blockPool.Put(&b)
}
