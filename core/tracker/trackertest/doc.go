// Package trackertest provides small, real trackers for other packages'
// tests: an HTTP tracker (NewHTTP) and a UDP tracker (NewUDP), both on
// loopback, keeping one swarm per info-hash, returning compact peers and
// recording every announce for assertions.
//
// Each server runs its own goroutine(s) until Close; the swarm and the
// announce log are guarded by a mutex, so the accessors may be called from
// any goroutine while the server runs. Failure injection (a failure reason,
// dropped UDP packets) is set through methods, also safe at any time.
package trackertest
