package udpmux

import "sync/atomic"

// Stats is a snapshot of a Mux's counters.
type Stats struct {
	PacketsIn, PacketsOut uint64
	BytesIn, BytesOut     uint64
	// Delivered datagrams by kind.
	KRPCIn, TrackerIn, UTPIn uint64
	// Dropped is the sum of the Dropped* counters.
	Dropped            uint64
	DroppedUnknown     uint64 // not KRPC, not a tracker reply, not uTP
	DroppedNoDHT       uint64 // KRPC with no view open
	DroppedNoUTP       uint64 // uTP with no handler set
	DroppedUTPNoConn   uint64 // uTP the handler refused: no such connection and not a SYN
	DroppedQueueFull   uint64 // KRPC while the view's queue was full
	DroppedUnknownTx   uint64 // tracker replies with a transaction id nobody waits for
	DroppedWrongSource uint64 // tracker replies with a pending id from another address
	DroppedDuplicate   uint64 // a second reply to one transaction
	DroppedOversized   uint64 // KRPC over MaxKRPCSize, tracker replies over MaxTrackerReply
	// TxRefused counts NewTx calls refused by the MaxPendingTx bound.
	TxRefused uint64
	// ReadErrors and WriteErrors count socket errors.
	ReadErrors, WriteErrors uint64
	// PendingTx is the size of the transaction table now.
	PendingTx int
}

type counters struct {
	packetsIn, packetsOut, bytesIn, bytesOut atomic.Uint64
	krpcIn, trackerIn, utpIn                 atomic.Uint64
	dropped, unknown, noDHT, noUTP           atomic.Uint64
	queueFull, unknownTx, wrongSource        atomic.Uint64
	duplicate, oversized, txRefused          atomic.Uint64
	utpNoConn                                atomic.Uint64
	readErrors, writeErrors                  atomic.Uint64
}

func (c *counters) drop(reason *atomic.Uint64) {
	reason.Add(1)
	c.dropped.Add(1)
}

// Stats returns a snapshot of the counters.
func (m *Mux) Stats() Stats {
	m.mu.Lock()
	pending := len(m.txs)
	m.mu.Unlock()
	c := &m.st
	return Stats{
		PacketsIn: c.packetsIn.Load(), PacketsOut: c.packetsOut.Load(),
		BytesIn: c.bytesIn.Load(), BytesOut: c.bytesOut.Load(),
		KRPCIn: c.krpcIn.Load(), TrackerIn: c.trackerIn.Load(), UTPIn: c.utpIn.Load(),
		Dropped: c.dropped.Load(), DroppedUnknown: c.unknown.Load(),
		DroppedNoDHT: c.noDHT.Load(), DroppedNoUTP: c.noUTP.Load(),
		DroppedUTPNoConn: c.utpNoConn.Load(),
		DroppedQueueFull: c.queueFull.Load(), DroppedUnknownTx: c.unknownTx.Load(),
		DroppedWrongSource: c.wrongSource.Load(), DroppedDuplicate: c.duplicate.Load(),
		DroppedOversized: c.oversized.Load(), TxRefused: c.txRefused.Load(),
		ReadErrors: c.readErrors.Load(), WriteErrors: c.writeErrors.Load(),
		PendingTx: pending,
	}
}
