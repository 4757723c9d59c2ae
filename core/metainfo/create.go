package metainfo

import (
	"fmt"

	"github.com/libbt/libbt/core/create"
)

// Piece length bounds for Create.
const (
	MinCreatePieceLength = create.MinPieceLength
	MaxAutoPieceLength   = create.MaxAutoPieceLength
)

// CreateOptions describes a torrent to create (see core/create): a hybrid v1+v2 torrent by
// default, as libtorrent makes, or v1-only or v2-only by its Mode.
type CreateOptions = create.Options

// Kinds of torrent Create makes (CreateOptions.Mode).
const (
	CreateHybrid = create.Hybrid
	CreateV1Only = create.V1Only
	CreateV2Only = create.V2Only
)

// Create hashes the file or directory at opts.Path and returns the bencoded .torrent and its
// parsed form (ParseAny's, so a v2-only torrent too).
func Create(opts CreateOptions) ([]byte, *MetaInfo, error) {
	out, err := create.Build(opts)
	if err != nil {
		return nil, nil, fmt.Errorf("metainfo: %w", err)
	}
	m, err := ParseAny(out, DefaultLimits())
	if err != nil {
		return nil, nil, fmt.Errorf("metainfo: create produced an invalid torrent: %w", err)
	}
	return out, m, nil
}
