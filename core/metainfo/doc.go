// Package metainfo owns the description of a torrent's content: the typed
// IDs (InfoHash, PieceIndex, FileIndex), parsing and validating v1 .torrent
// files (BEP 3, 12, 17, 19, 27, 47; hybrid v1+v2 torrents are read through
// their v1 fields, v2-only torrents are rejected), creating torrents from
// files on disk, and magnet URIs (BEP 9).
//
// Loading is as liberal as libtorrent's and bounded like it: ParseLimits /
// ParseInfoLimits / ReadFile apply Limits (max_buffer_size, max_decode_depth,
// max_decode_tokens, max_pieces, max_directory_depth, max_duplicate_filenames;
// libtorrent's names and defaults) while reading and decoding, and refuse input
// past them with a *limits.Error. Dict keys in any order, bytes after the
// torrent and odd paths are accepted; what loading changed is listed in
// MetaInfo.Sanitized / Info.Sanitized.
//
// Path safety is enforced here, once, for everyone: every path element and the
// torrent name are sanitised as libtorrent does (sanitize.go: ".", ".." and
// separators dropped, control characters and invalid UTF-8 replaced, long names
// cut) and clashing paths renamed (dedupe.go), so that joining them under a save
// directory can never leave it and no two files share a path. Consumers may join
// File.Path elements directly. Symlink entries (BEP 47) are listed, not created.
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
