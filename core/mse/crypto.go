package mse

import (
	"crypto/rc4"
	"crypto/sha1"
	"fmt"
	"math/big"
	"strings"
)

// CryptoMethod is one payload-stream method of the crypto_provide / crypto_select field.
// The zero value means "not negotiated with MSE" (a plain BitTorrent connection).
type CryptoMethod uint32

// CryptoMethods is a set of CryptoMethod bits, as in crypto_provide. The bit values are also
// libtorrent's allowed_enc_level values (pe_plaintext = 1, pe_rc4 = 2, pe_both = 3).
type CryptoMethods uint32

const (
	// Plaintext: only the handshake is obfuscated; the payload stream is sent as is.
	Plaintext CryptoMethod = 0x01
	// RC4: the payload stream is RC4-encrypted (drop 1024).
	RC4 CryptoMethod = 0x02

	// AllMethods is every method this package implements.
	AllMethods = CryptoMethods(Plaintext) | CryptoMethods(RC4)
)

func (m CryptoMethod) String() string {
	switch m {
	case 0:
		return "none"
	case Plaintext:
		return "plaintext"
	case RC4:
		return "rc4"
	}
	return fmt.Sprintf("method(%#x)", uint32(m))
}

// Has reports whether m is in the set.
func (s CryptoMethods) Has(m CryptoMethod) bool { return m != 0 && uint32(s)&uint32(m) == uint32(m) }

func (s CryptoMethods) String() string {
	var parts []string
	for _, m := range []CryptoMethod{Plaintext, RC4} {
		if s.Has(m) {
			parts = append(parts, m.String())
		}
	}
	if rest := uint32(s) &^ uint32(AllMethods); rest != 0 {
		parts = append(parts, fmt.Sprintf("%#x", rest))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, "|")
}

// SelectMethod picks the method a receiver answers with, as libtorrent does: among the methods
// both offered and allowed, RC4 when preferRC4, else plaintext; 0 when there is none in common.
func SelectMethod(provided, allowed CryptoMethods, preferRC4 bool) CryptoMethod {
	common := provided & allowed & AllMethods
	switch {
	case common == 0:
		return 0
	case common.Has(RC4) && (preferRC4 || !common.Has(Plaintext)):
		return RC4
	}
	return Plaintext
}

const (
	keyLen = 96  // bytes of Ya, Yb and S
	maxPad = 512 // PadA, PadB, PadC, PadD
	vcLen  = 8
)

// dhPrime is the spec's 768-bit safe prime (the Oakley group 1 prime); the generator is 2.
var (
	dhPrime, _   = new(big.Int).SetString("FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A63A36210000000000090563", 16)
	dhGenerator  = big.NewInt(2)
	dhPrimeMinus = new(big.Int).Sub(dhPrime, big.NewInt(1))
)

// privateKeyLen is the length of the random DH exponent: 160 bits, as the spec recommends.
const privateKeyLen = 20

// newKeyPair returns a random private exponent and the 96-byte public key 2^x mod P.
func newKeyPair(random func([]byte) error) (*big.Int, [keyLen]byte, error) {
	var pub [keyLen]byte
	var b [privateKeyLen]byte
	if err := random(b[:]); err != nil {
		return nil, pub, fmt.Errorf("mse: random private key: %w", err)
	}
	b[0] |= 0x80 // a full 160-bit exponent
	x := new(big.Int).SetBytes(b[:])
	new(big.Int).Exp(dhGenerator, x, dhPrime).FillBytes(pub[:])
	return x, pub, nil
}

// sharedSecret returns S = Y^x mod P as 96 bytes. Y outside [2, P-2] is refused: such a key
// would force a trivial secret.
func sharedSecret(x *big.Int, peer []byte) ([keyLen]byte, error) {
	var s [keyLen]byte
	y := new(big.Int).SetBytes(peer)
	if y.Cmp(big.NewInt(1)) <= 0 || y.Cmp(dhPrimeMinus) >= 0 {
		return s, ErrBadPublicKey
	}
	new(big.Int).Exp(y, x, dhPrime).FillBytes(s[:])
	return s, nil
}

// hash is SHA-1 over the concatenation of its arguments, the spec's HASH().
func hash(parts ...[]byte) [20]byte {
	h := sha1.New()
	for _, p := range parts {
		h.Write(p)
	}
	var out [20]byte
	h.Sum(out[:0])
	return out
}

// Req2Hash returns HASH('req2', SKEY): what Accept hands its lookup function for a torrent
// whose info-hash is skey.
func Req2Hash(skey [20]byte) [20]byte { return hash([]byte("req2"), skey[:]) }

// LookupList returns a lookup function for Accept over a fixed list of info-hashes.
func LookupList(skeys ...[20]byte) func(req2 [20]byte) ([20]byte, bool) {
	m := make(map[[20]byte][20]byte, len(skeys))
	for _, k := range skeys {
		m[Req2Hash(k)] = k
	}
	return func(req2 [20]byte) ([20]byte, bool) {
		k, ok := m[req2]
		return k, ok
	}
}

// newCipher returns RC4 keyed with HASH(name, S, SKEY) with its first 1024 bytes discarded.
func newCipher(name string, s [keyLen]byte, skey [20]byte) *rc4.Cipher {
	key := hash([]byte(name), s[:], skey[:])
	c, _ := rc4.NewCipher(key[:]) // a 20-byte key is always valid
	var discard [1024]byte
	c.XORKeyStream(discard[:], discard[:])
	return c
}
