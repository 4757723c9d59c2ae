package session

import (
	"crypto/sha1"
	"fmt"

	"github.com/libbt/libbt/core/bencode"
	"github.com/libbt/libbt/core/metainfo"
	"github.com/libbt/libbt/core/peerwire"
)

// ut_metadata (BEP 9): fetching the info dictionary for a magnet link, and serving it.

type metadataMsg struct {
	MsgType   int `bencode:"msg_type"`
	Piece     int `bencode:"piece"`
	TotalSize int `bencode:"total_size,omitempty"`
}

const (
	metadataRequest = 0
	metadataData    = 1
	metadataReject  = 2
)

// metadataFetch assembles the info dictionary from ut_metadata pieces (BEP 9).
type metadataFetch struct {
	size     int
	pieces   [][]byte
	asked    map[int]*peerConn
	contribs map[*peerConn]bool
}

func (t *Torrent) requestMetadata(p *peerConn) {
	if t.meta != nil || p.metadataSize == 0 || p.extIDs["ut_metadata"] == 0 || t.metadataLiars[p.peerID] {
		return
	}
	f := t.metadata
	if f == nil {
		n := (p.metadataSize + metadataPieceSize - 1) / metadataPieceSize
		f = &metadataFetch{size: p.metadataSize, pieces: make([][]byte, n), asked: map[int]*peerConn{},
			contribs: map[*peerConn]bool{}}
		t.metadata = f
	}
	if p.metadataSize != f.size {
		return
	}
	for i := range f.pieces {
		if f.pieces[i] != nil || f.asked[i] != nil {
			continue
		}
		f.asked[i] = p
		hdr, _ := bencode.Marshal(metadataMsg{MsgType: metadataRequest, Piece: i})
		p.sendMessage(&peerwire.Message{ID: peerwire.Extended, ExtendedID: uint8(p.extIDs["ut_metadata"]), Payload: hdr})
	}
}

func (t *Torrent) metadataPeerGone(p *peerConn) {
	if f := t.metadata; f != nil {
		for i, q := range f.asked {
			if q == p {
				delete(f.asked, i)
			}
		}
		delete(f.contribs, p)
		for q := range t.peers {
			if q != p {
				t.requestMetadata(q)
			}
		}
	}
}

func (t *Torrent) onMetadataMessage(p *peerConn, payload []byte) error {
	var m metadataMsg
	n, err := bencode.UnmarshalPrefix(payload, &m)
	if err != nil {
		return protocolError("ut_metadata: %v", err)
	}
	switch m.MsgType {
	case metadataRequest:
		t.serveMetadata(p, m.Piece)
	case metadataReject:
		if f := t.metadata; f != nil && f.asked[m.Piece] == p {
			delete(f.asked, m.Piece)
		}
	case metadataData:
		return t.onMetadataPiece(p, m, payload[n:])
	}
	return nil
}

func (t *Torrent) serveMetadata(p *peerConn, piece int) {
	id := uint8(p.extIDs["ut_metadata"])
	if id == 0 {
		return
	}
	if t.meta == nil || piece < 0 || piece*metadataPieceSize >= len(t.meta.InfoBytes) {
		hdr, _ := bencode.Marshal(metadataMsg{MsgType: metadataReject, Piece: piece})
		p.sendMessage(&peerwire.Message{ID: peerwire.Extended, ExtendedID: id, Payload: hdr})
		return
	}
	info := t.meta.InfoBytes
	end := min((piece+1)*metadataPieceSize, len(info))
	hdr, _ := bencode.Marshal(metadataMsg{MsgType: metadataData, Piece: piece, TotalSize: len(info)})
	p.sendMessage(&peerwire.Message{ID: peerwire.Extended, ExtendedID: id, Payload: append(hdr, info[piece*metadataPieceSize:end]...)})
}

func (t *Torrent) onMetadataPiece(p *peerConn, m metadataMsg, data []byte) error {
	f := t.metadata
	if t.meta != nil || f == nil || f.asked[m.Piece] != p {
		return nil // unsolicited; ignore
	}
	delete(f.asked, m.Piece)
	want := metadataPieceSize
	if last := len(f.pieces) - 1; m.Piece == last {
		want = f.size - last*metadataPieceSize
	}
	if m.Piece < 0 || m.Piece >= len(f.pieces) || len(data) != want {
		return protocolError("ut_metadata piece %d has %d bytes, want %d", m.Piece, len(data), want)
	}
	f.pieces[m.Piece] = append([]byte(nil), data...)
	f.contribs[p] = true
	for _, piece := range f.pieces {
		if piece == nil {
			return nil
		}
	}
	raw := make([]byte, 0, f.size)
	for _, piece := range f.pieces {
		raw = append(raw, piece...)
	}
	if sha1.Sum(raw) != [20]byte(t.infoHash) {
		t.s.alerts.push(Alert{Type: AlertMetadataFailed, Torrent: t, InfoHash: t.infoHash, Endpoint: p.addr.String(),
			Message: fmt.Sprintf("%s: metadata from peers does not match the info-hash; discarded", t.name)})
		for q := range f.contribs {
			if t.metadataLiars == nil {
				t.metadataLiars = map[[20]byte]bool{}
			}
			t.metadataLiars[q.peerID] = true
		}
		t.metadata = nil
		for q := range t.peers {
			t.requestMetadata(q)
		}
		return nil
	}
	info, err := metainfo.ParseInfo(raw)
	if err != nil {
		t.s.alerts.push(Alert{Type: AlertMetadataFailed, Torrent: t, InfoHash: t.infoHash, Err: err,
			Message: fmt.Sprintf("%s: metadata is invalid: %v", t.name, err)})
		t.fail(fmt.Errorf("metadata: %w", err))
		return nil
	}
	mi := &metainfo.MetaInfo{Info: *info, InfoBytes: raw, InfoHash: t.infoHash}
	if t.magnet != nil {
		for _, tr := range t.magnet.Trackers {
			mi.AnnounceList = append(mi.AnnounceList, []string{tr})
		}
		mi.URLList = t.magnet.WebSeeds
	}
	t.metadata = nil
	if err := t.setMetadata(mi); err != nil {
		t.fail(err)
		return nil
	}
	t.s.alerts.push(Alert{Type: AlertMetadataReceived, Torrent: t, InfoHash: t.infoHash, Message: t.name + ": metadata received"})
	return nil
}
