package mse

import "errors"

var (
	// ErrBadPublicKey: the peer's DH public key is outside [2, P-2].
	ErrBadPublicKey = errors.New("mse: peer's public key is out of range")
	// ErrNoSync: the synchronisation marker (HASH('req1', S) or the encrypted VC) did not
	// appear within the spec's bound; the peer does not speak MSE or computed another secret.
	ErrNoSync = errors.New("mse: synchronisation marker not found")
	// ErrUnknownInfoHash: the receiver has no torrent for the initiator's SKEY hash.
	ErrUnknownInfoHash = errors.New("mse: unknown info-hash")
	// ErrBadVC: the verification constant did not decrypt to zeros.
	ErrBadVC = errors.New("mse: bad verification constant")
	// ErrPadTooLong: a pad length above 512.
	ErrPadTooLong = errors.New("mse: pad longer than 512 bytes")
	// ErrNoCommonMethod: no crypto method both offered and allowed.
	ErrNoCommonMethod = errors.New("mse: no crypto method in common")
	// ErrBadSelect: the receiver selected a method that was not offered, or several.
	ErrBadSelect = errors.New("mse: peer selected a method that was not provided")
	// ErrInvalidArgument: a caller error (no method to provide, payload too long).
	ErrInvalidArgument = errors.New("mse: invalid argument")
)
