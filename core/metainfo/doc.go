// Package metainfo owns the description of a torrent's content: the typed
// IDs (InfoHash, InfoHashV2, InfoHashes, PieceIndex, FileIndex), parsing and
// validating .torrent files (BEP 3, 12, 17, 19, 27, 47, 52): v1, hybrid and
// v2-only, creating torrents from files on disk (core/create does the work),
// and magnet URIs (BEP 9, with btmh).
//
// v2 (BEP 52): the file tree is read by core/filetree and laid out as
// libtorrent lays it out (each file starts a piece; pad files between them),
// pieces roots are kept per file (Info.PiecesRoots) and the piece layers beside
// the info dict are checked against them with core/merkle. A hybrid's v1 file
// list must agree with its tree (ErrInconsistentFiles). ParseLimits, ReadFile,
// ParseInfoLimits and ParseMagnet give what the session downloads today: v1
// and hybrid torrents (the latter through their v1 half), refusing v2-only
// ones with ErrV2Only; ParseAny, ParseInfoAny and ParseMagnetAny take those.
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
