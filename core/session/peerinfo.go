package session

import (
	"net/netip"

	"github.com/libbt/libbt/core/mse"
)

// PeerSource says how we learned about a peer.
type PeerSource int

const (
	SourceUser     PeerSource = PeerSource(sourceUser)     // ConnectPeer or a magnet's x.pe
	SourceTracker  PeerSource = PeerSource(sourceTracker)  // a tracker reply
	SourceIncoming PeerSource = PeerSource(sourceIncoming) // it connected to us
	SourcePEX      PeerSource = PeerSource(sourcePEX)      // peer exchange
	SourceLSD      PeerSource = PeerSource(sourceLSD)      // local service discovery (BEP 14)
	SourceDHT      PeerSource = PeerSource(sourceDHT)      // the DHT (BEP 5)
	SourceWebSeed  PeerSource = PeerSource(sourceWebSeed)  // an HTTP seed (BEP 19/17); see PeerInfo.URL
)

func (s PeerSource) String() string {
	switch s {
	case SourceUser:
		return "user"
	case SourceTracker:
		return "tracker"
	case SourceIncoming:
		return "incoming"
	case SourcePEX:
		return "pex"
	case SourceLSD:
		return "lsd"
	case SourceDHT:
		return "dht"
	case SourceWebSeed:
		return "web_seed"
	}
	return "unknown"
}

// PeerInfo describes one connected peer.
type PeerInfo struct {
	Addr                     netip.AddrPort // zero for a web seed
	URL                      string         // a web seed's URL
	Client                   string         // from the extended handshake's "v", if any
	Source                   PeerSource
	Incoming                 bool
	Seed                     bool
	Progress                 float64 // share of the pieces it has
	DownloadRate, UploadRate int64   // payload bytes/s from and to it
	Downloaded, Uploaded     int64   // payload bytes this connection
	Choked, Interested       bool    // we choke it / we are interested in it
	PeerChoked, PeerInterest bool    // it chokes us / it is interested in us
	Snubbed                  bool
	Encrypted                bool // MSE/PE with an RC4 stream
	Obfuscated               bool // MSE/PE handshake, plaintext stream after it
}

// Peers lists the connected peers.
func (t *Torrent) Peers() []PeerInfo {
	var out []PeerInfo
	t.do(func() error {
		for p := range t.peers {
			info := PeerInfo{
				Addr: p.addr, Client: p.client, Source: PeerSource(p.source), Incoming: p.incoming,
				DownloadRate: p.down.Rate(), UploadRate: p.up.Rate(),
				Downloaded: p.down.Total(), Uploaded: p.up.Total(),
				Choked: p.amChoking, Interested: p.amInterested,
				PeerChoked: p.peerChoking, PeerInterest: p.peerInterested, Snubbed: p.out.Snubbed(),
			}
			switch p.encryption() {
			case mse.RC4:
				info.Encrypted = true
			case mse.Plaintext:
				info.Obfuscated = true
			}
			if n := p.has.Len(); n > 0 {
				info.Progress = float64(p.has.Count()) / float64(n)
				info.Seed = p.has.All()
			}
			out = append(out, info)
		}
		// Web seeds that are fetching count as peers too, as in libtorrent's peer list.
		for _, ws := range t.webSeeds {
			if len(ws.jobs) > 0 {
				out = append(out, PeerInfo{URL: ws.url, Source: SourceWebSeed, Seed: true, Progress: 1,
					DownloadRate: ws.down.Rate(), Downloaded: ws.down.Total(), Interested: true})
			}
		}
		return nil
	})
	return out
}
