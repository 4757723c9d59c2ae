// Package guard starts the engine's goroutines so that a panic in one of them is recovered and
// reported instead of killing the host process: libbt runs inside other people's programs (C,
// Python, Node), where an unrecovered Go panic aborts the whole process.
//
// Every `go` statement in core/, disk/, dht/ and capi/ goes through Go or Supervise (a test in
// this package walks the source tree and fails on a bare one). Run recovers a panic of a
// function called on the current goroutine, for loops that must survive one bad step (a
// torrent's goroutine runs each closure of its inbox under Run).
//
// What a recovered panic means is the caller's business: onPanic is where it decides (a
// torrent goes to its error state, a session-wide component reports a session error and is
// restarted by Supervise). guard itself holds no state and starts nothing but the goroutines
// it is asked for.
//
// Not recoverable, by Go's design: fatal runtime errors (concurrent map writes, out of memory,
// stack exhaustion) and faults in C code. Those still end the process.
package guard
