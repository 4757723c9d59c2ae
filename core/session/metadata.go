package session

import (
	"fmt"
	"time"

	"github.com/libbt/libbt/core/metainfo"
	"github.com/libbt/libbt/core/peerwire"
	"github.com/libbt/libbt/core/utmetadata"
)

// ut_metadata (BEP 9): the glue between peer connections and core/utmetadata, which holds the
// fetch's logic (sizes, requests and timeouts, the buffer, verification and blame).

// metadataFetch is a magnet torrent's fetch of its info dictionary; nil once the metadata is
// known.
type metadataFetch = utmetadata.Fetch

const metadataPieceSize = utmetadata.PieceSize

// metadataSendLimit bounds the send buffer under which metadata requests are served; past it
// they are rejected (libtorrent's send_buffer_limit for ut_metadata, 10 pieces). So serving
// metadata adds at most one piece past it to a peer's send buffer; rejects are small, and a peer
// that does not read them hits the send buffer's own bound (peer.go).
const metadataSendLimit = 10 * metadataPieceSize

func metadataKey(p *peerConn) utmetadata.PeerKey { return utmetadata.PeerKey(p.key) }

func (t *Torrent) metadataFetcher() *metadataFetch {
	if t.metadata == nil {
		t.metadata = utmetadata.New(utmetadata.Config{InfoHash: t.infoHash,
			MaxSize: t.s.conf().MaxMetadataSize})
	}
	return t.metadata
}

// onMetadataHandshake records the metadata_size a peer's extended handshake reported. A size
// over max_metadata_size disconnects the peer with a limits.Error.
func (t *Torrent) onMetadataHandshake(p *peerConn, size int) error {
	if t.meta != nil {
		return nil
	}
	f := t.metadataFetcher()
	if p.extIDs["ut_metadata"] <= 0 {
		f.PeerGone(metadataKey(p)) // a second handshake may withdraw it
		return nil
	}
	if err := f.SetPeer(metadataKey(p), utmetadata.Peer{Addr: p.addr, ID: p.peerID}, size); err != nil {
		return fmt.Errorf("%w: ut_metadata: %w", errProtocol, err)
	}
	t.requestMetadata(p, time.Now())
	return nil
}

// requestMetadata sends p the requests the fetch wants of it now.
func (t *Torrent) requestMetadata(p *peerConn, now time.Time) {
	f := t.metadata
	id := p.extIDs["ut_metadata"]
	if t.meta != nil || f == nil || p.closed || id <= 0 || id > 255 {
		return
	}
	for _, piece := range f.Requests(metadataKey(p), now) {
		p.sendMessage(&peerwire.Message{ID: peerwire.Extended, ExtendedID: uint8(id),
			Payload: utmetadata.AppendMessage(nil, utmetadata.Message{Type: utmetadata.MsgRequest, Piece: piece})})
	}
}

// tickMetadata lets the fetch notice timed-out requests and ask other peers.
func (t *Torrent) tickMetadata(now time.Time) {
	if t.meta != nil || t.metadata == nil {
		return
	}
	for p := range t.peers {
		t.requestMetadata(p, now)
	}
}

func (t *Torrent) metadataPeerGone(p *peerConn) {
	if f := t.metadata; f != nil && t.meta == nil {
		f.PeerGone(metadataKey(p))
		t.tickMetadata(time.Now())
	}
}

func (t *Torrent) onMetadataMessage(p *peerConn, payload []byte) error {
	m, err := utmetadata.ParseMessage(payload)
	if err != nil {
		return fmt.Errorf("%w: %w", errProtocol, err)
	}
	switch m.Type {
	case utmetadata.MsgRequest:
		t.serveMetadata(p, m.Piece)
	case utmetadata.MsgReject:
		if f := t.metadata; f != nil && t.meta == nil {
			now := time.Now()
			f.Rejected(metadataKey(p), m.Piece, now)
			t.tickMetadata(now) // the piece may go to another peer at once
		}
	case utmetadata.MsgData:
		return t.onMetadataPiece(p, m)
	}
	return nil // other types are ignored (BEP 9)
}

// serveMetadata answers a request from our info dictionary, unchanged. Out-of-range pieces,
// requests before we have the metadata and requests past metadataSendLimit are rejected.
func (t *Torrent) serveMetadata(p *peerConn, piece int) {
	id := p.extIDs["ut_metadata"]
	if id <= 0 || id > 255 {
		return
	}
	m := utmetadata.Message{Type: utmetadata.MsgReject, Piece: piece}
	if t.meta != nil && piece*metadataPieceSize < len(t.meta.InfoBytes) && p.sendBuffered() < metadataSendLimit {
		info := t.meta.InfoBytes
		m = utmetadata.Message{Type: utmetadata.MsgData, Piece: piece, TotalSize: len(info),
			Data: info[piece*metadataPieceSize : min((piece+1)*metadataPieceSize, len(info))]}
	}
	p.send(func(buf []byte) []byte {
		return peerwire.AppendExtended(buf, uint8(id), utmetadata.AppendMessage(nil, m))
	})
}

func (t *Torrent) onMetadataPiece(p *peerConn, m utmetadata.Message) error {
	f := t.metadata
	if t.meta != nil || f == nil {
		return nil
	}
	now := time.Now()
	res, err := f.Received(metadataKey(p), m, now)
	if err != nil {
		return fmt.Errorf("%w: %w", errProtocol, err)
	}
	for _, liar := range res.Liars {
		t.s.alerts.push(Alert{Type: AlertMetadataFailed, Torrent: t, InfoHash: t.infoHash, Endpoint: liar.Addr.String(),
			Message: fmt.Sprintf("%s: metadata from %s does not match the info-hash; that peer is not asked again", t.name, liar.Addr)})
	}
	if res.Failed && len(res.Liars) == 0 {
		t.s.alerts.push(Alert{Type: AlertMetadataFailed, Torrent: t, InfoHash: t.infoHash,
			Message: fmt.Sprintf("%s: metadata from several peers does not match the info-hash; fetching one peer's copy to find the sender", t.name)})
	}
	if res.Metadata != nil {
		t.metadata = nil
		t.installMetadata(res.Metadata)
		return nil
	}
	if res.Failed {
		t.tickMetadata(now) // a new copy, perhaps from another peer
	} else {
		t.requestMetadata(p, now)
	}
	return nil
}

// installMetadata parses the verified info dictionary and starts the torrent with it.
func (t *Torrent) installMetadata(raw []byte) {
	info, err := t.s.parseInfoFromPeers(raw)
	if err != nil {
		t.s.alerts.push(Alert{Type: AlertMetadataFailed, Torrent: t, InfoHash: t.infoHash, Err: err,
			Message: fmt.Sprintf("%s: metadata is invalid: %v", t.name, err)})
		t.fail(fmt.Errorf("metadata: %w", err))
		return
	}
	mi := &metainfo.MetaInfo{Info: *info, InfoBytes: raw, InfoHash: t.infoHash}
	if t.magnet != nil {
		for _, tr := range t.magnet.Trackers {
			mi.AnnounceList = append(mi.AnnounceList, []string{tr})
		}
		mi.URLList = t.magnet.WebSeeds
	}
	if err := t.setMetadata(mi); err != nil {
		t.fail(err)
		return
	}
	t.s.alerts.push(Alert{Type: AlertMetadataReceived, Torrent: t, InfoHash: t.infoHash, Message: t.name + ": metadata received"})
	t.reportSanitized(info.Sanitized)
}
