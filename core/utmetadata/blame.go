package utmetadata

import "crypto/sha1"

// suspect is one piece of a complete copy that failed the info-hash while it mixed senders:
// which sender, and the hash of what it sent. It is kept after the sender leaves, until a
// copy passes and the two can be compared.
type suspect struct {
	piece int
	size  int // the copy's size, which the sender reported too
	hash  [20]byte
	from  sender
}

// maxSuspects bounds the remembered pieces: a few complete copies' worth of records (a record
// is about 80 bytes; a piece 16 KiB).
func (f *Fetch) maxSuspects() int { return 4 * ((f.cfg.MaxSize + PieceSize - 1) / PieceSize) }

// verify checks a complete copy. One that passes is the metadata, and names every remembered
// piece that differs from it. One that fails names its sender when it had only one; otherwise
// its pieces are remembered and every later copy comes from a single source, so that the next
// failure names its sender and the next success names the senders of the wrong pieces here.
func (f *Fetch) verify() Result {
	if sha1.Sum(f.buf) == f.cfg.InfoHash {
		res := Result{Metadata: f.buf, Liars: f.blameSuspects()}
		f.done = true
		f.buf, f.pieces, f.suspects, f.peers, f.source = nil, nil, nil, nil, nil
		return res
	}
	res := Result{Failed: true}
	if s, ok := f.onlySender(); ok {
		if f.markLiar(s.who) {
			res.Liars = append(res.Liars, s.who)
		}
	} else {
		for i := range f.pieces {
			if len(f.suspects) >= f.maxSuspects() {
				break
			}
			f.suspects = append(f.suspects, suspect{piece: i, size: f.size, hash: sha1.Sum(f.piece(i)), from: f.pieces[i].from})
		}
		f.single = true
	}
	f.source = nil
	f.newCopy()
	return res
}

// blameSuspects compares the remembered pieces with the verified copy in f.buf: a piece that
// differs, or that belonged to a copy of another size, was a lie. An honest sender's piece is
// byte for byte the verified one, so it is never named.
func (f *Fetch) blameSuspects() []Peer {
	var liars []Peer
	for _, s := range f.suspects {
		if s.size == f.size && sha1.Sum(f.piece(s.piece)) == s.hash {
			continue
		}
		if f.markLiar(s.from.who) {
			liars = append(liars, s.from.who)
		}
	}
	return liars
}

func (f *Fetch) piece(i int) []byte {
	return f.buf[i*PieceSize : i*PieceSize+f.pieceLen(i)]
}

// onlySender returns the sender of every piece of the current copy, if there was one.
func (f *Fetch) onlySender() (sender, bool) {
	first := f.pieces[0].from
	for _, ps := range f.pieces[1:] {
		if ps.from.key != first.key {
			return sender{}, false
		}
	}
	return first, true
}

// markLiar remembers a liar by IP and by peer id; it reports whether it was new.
func (f *Fetch) markLiar(who Peer) bool {
	if f.IsLiar(who) {
		return false
	}
	if len(f.liarIDs) < maxLiars {
		f.liarIPs[who.Addr.Addr()] = true
		f.liarIDs[who.ID] = true
	}
	return true
}
