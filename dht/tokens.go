package dht

import (
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"net/netip"
	"time"
)

// tokenRotate is how often the token secret changes; a token stays valid
// for one to two periods (5 to 10 minutes), as BEP 5 suggests.
const tokenRotate = 5 * time.Minute

// tokens issues and checks announce/put write tokens: the first 8 bytes of
// SHA-1(secret || requester IP). Guarded by Server.mu.
type tokens struct {
	cur, prev [16]byte
	rotated   time.Time
	now       func() time.Time
}

func newTokens(now func() time.Time) *tokens {
	t := &tokens{now: now, rotated: now()}
	_, _ = rand.Read(t.cur[:])
	_, _ = rand.Read(t.prev[:])
	return t
}

func (t *tokens) maybeRotate() {
	now := t.now()
	for now.Sub(t.rotated) >= tokenRotate {
		t.prev = t.cur
		_, _ = rand.Read(t.cur[:])
		t.rotated = t.rotated.Add(tokenRotate)
		if now.Sub(t.rotated) >= 2*tokenRotate { // long sleep: both secrets are stale
			_, _ = rand.Read(t.prev[:])
			t.rotated = now
		}
	}
}

func tokenFor(secret [16]byte, ip netip.Addr) []byte {
	h := sha1.New()
	h.Write(secret[:])
	h.Write(ip.Unmap().AsSlice())
	return h.Sum(nil)[:8]
}

func (t *tokens) issue(ip netip.Addr) []byte {
	t.maybeRotate()
	return tokenFor(t.cur, ip)
}

func (t *tokens) valid(tok []byte, ip netip.Addr) bool {
	t.maybeRotate()
	return subtle.ConstantTimeCompare(tok, tokenFor(t.cur, ip)) == 1 ||
		subtle.ConstantTimeCompare(tok, tokenFor(t.prev, ip)) == 1
}
