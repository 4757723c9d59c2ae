// Package create makes .torrent files from files on disk, as libtorrent 2.0's create_torrent
// makes them: v1 (SHA-1 pieces across the files), v2-only (a BEP 52 file tree with SHA-256
// merkle roots, and piece layers beside the info dict) or hybrid (both, with BEP 47 pad files
// so that every file starts a piece; the default). For the same files and piece length the
// info dict and piece layers are byte for byte libtorrent's, so the info-hashes are too.
//
// Build walks the files (regular files only, ordered by path component by component), hashes
// them on Options.Workers goroutines of its own (started through core/guard; each reads one
// piece at a time with one open file) and calls Progress only from the goroutine that called
// Build. It closes every file before returning. core/metainfo's Create wraps it and parses the
// result.
package create
