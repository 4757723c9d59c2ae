// Package utp is uTP, the Micro Transport Protocol of BEP 29: reliable ordered byte streams
// over UDP with LEDBAT delay-based congestion control, as libtorrent and µTorrent speak it.
//
// This file's first increment is the packet codec (codec.go): the 20-byte header, the
// extension chain (selective ack, libtorrent's close reason; unknown extensions skipped as
// libtorrent does) and sequence arithmetic. Decoding never allocates: a Header's SACK and the
// payload alias the datagram.
package utp
