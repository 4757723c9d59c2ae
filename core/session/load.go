package session

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/libbt/libbt/core/limits"
	"github.com/libbt/libbt/core/metainfo"
)

// Loading torrents under the session's limits (max_buffer_size, max_decode_depth,
// max_decode_tokens, max_pieces, max_directory_depth, max_duplicate_filenames; libtorrent's
// load_torrent_limits names and defaults). The same limits apply to .torrent files, .torrent
// bytes and info dicts received from peers.

// loadLimits returns the load limits as currently set.
func (s *Session) loadLimits() metainfo.Limits {
	st := s.conf()
	return metainfo.Limits{
		MaxBufferSize:         st.MaxBufferSize,
		MaxDecodeDepth:        st.MaxDecodeDepth,
		MaxDecodeTokens:       st.MaxDecodeTokens,
		MaxPieces:             st.MaxPieces,
		MaxDirectoryDepth:     st.MaxDirectoryDepth,
		MaxDuplicateFilenames: st.MaxDuplicateFilenames,
	}
}

// parseInfoFromPeers parses info-dict bytes received from peers under the session's load
// limits, as a .torrent's info dict would be; the caller has checked them against the
// info-hash and bounded their size. Info.Sanitized is to be reported with reportSanitized.
func (s *Session) parseInfoFromPeers(raw []byte) (*metainfo.Info, error) {
	info, err := metainfo.ParseInfoLimits(raw, s.loadLimits())
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidTorrent, err)
	}
	return info, nil
}

// reportSanitized raises AlertTorrentSanitized once with what loading changed, if anything.
func (t *Torrent) reportSanitized(notes []string) {
	if len(notes) == 0 {
		return
	}
	t.s.alerts.push(Alert{Type: AlertTorrentSanitized, Torrent: t, InfoHash: t.infoHash,
		Message: t.name + ": loaded with changes: " + strings.Join(notes, "; ")})
}

// loadSource turns p's TorrentFile or TorrentData into p.MetaInfo under the session's limits.
func (s *Session) loadSource(p *AddTorrentParams) error {
	n := 0
	for _, set := range []bool{p.MetaInfo != nil, p.Magnet != nil, p.TorrentFile != "", p.TorrentData != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return fmt.Errorf("%w: give exactly one of MetaInfo, Magnet, TorrentFile and TorrentData (%d given)", ErrInvalidArgument, n)
	}
	lim := s.loadLimits()
	var mi *metainfo.MetaInfo
	var err error
	switch {
	case p.TorrentFile != "":
		mi, err = metainfo.ReadFile(p.TorrentFile, lim)
	case p.TorrentData != nil:
		mi, err = metainfo.ParseLimits(p.TorrentData, lim)
	default:
		return nil
	}
	var pathErr *fs.PathError
	switch {
	case err == nil:
	case errors.As(err, &pathErr) && !errors.Is(err, limits.ErrLimit):
		return err // the file could not be opened or read
	default:
		return fmt.Errorf("%w: %w", ErrInvalidTorrent, err)
	}
	p.MetaInfo, p.TorrentFile, p.TorrentData = mi, "", nil
	return nil
}

// addFailed reports a refused add: AlertAddTorrentFailed with the error, and the info-hash if
// it is known.
func (s *Session) addFailed(p *AddTorrentParams, err error) {
	a := Alert{Type: AlertAddTorrentFailed, Err: err}
	switch {
	case p.MetaInfo != nil:
		a.InfoHash = p.MetaInfo.InfoHash
	case p.Magnet != nil:
		a.InfoHash = p.Magnet.InfoHash
	}
	what := "torrent"
	switch {
	case p.TorrentFile != "":
		what = p.TorrentFile
	case !a.InfoHash.IsZero():
		what = a.InfoHash.String()
	}
	a.Message = fmt.Sprintf("adding %s failed: %v", what, err)
	s.alerts.push(a)
}
