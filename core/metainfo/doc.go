// Package metainfo owns the description of a torrent's content: the typed
// IDs (InfoHash, PieceIndex, FileIndex), parsing and validating v1 .torrent
// files (BEP 3, 12, 17, 19, 27, 47; hybrid v1+v2 torrents are read through
// their v1 fields, v2-only torrents are rejected), creating torrents from
// files on disk, and magnet URIs (BEP 9).
//
// Path safety is enforced here, once, for everyone: every File.Path
// component and the torrent name are checked so that joining them under a
// save directory can never leave it (no "", ".", "..", separators, NUL or
// drive letters). Consumers may join File.Path components directly.
//
// The package never touches the network. Create reads files (and closes
// them before returning); nothing else does I/O.
//
// Concurrency: parsed values (MetaInfo, Info, Magnet) are plain data, safe
// to read from many goroutines once built; nothing in them is mutated by
// this package after it returns them. Create hashes pieces on
// CreateOptions.Workers goroutines of its own and calls Progress only from
// the goroutine that called Create.
package metainfo
