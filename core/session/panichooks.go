//go:build libbt_panic_hooks

package session

import (
	"os"
	"strings"
	"sync/atomic"
)

// Built only into the test library of tests/capi-panic (scripts/capi-panic.sh builds it with
// -tags libbt_panic_hooks): LIBBT_TEST_PANIC lists where the engine panics, once each per
// process, so that a C host can show that a panic inside libbt does not end it.
//
//	torrent_tick   the torrent goroutine's tick, once the torrent seeds
//	dht_bootstrap  the session's DHT bootstrap goroutine
func init() {
	for _, where := range strings.Split(os.Getenv("LIBBT_TEST_PANIC"), ",") {
		var fired atomic.Bool
		switch where {
		case "torrent_tick":
			defaultTestHooks.tick = func(t *Torrent) {
				if t.state == StateSeeding && fired.CompareAndSwap(false, true) {
					panic("LIBBT_TEST_PANIC: torrent_tick")
				}
			}
		case "dht_bootstrap":
			defaultTestHooks.dhtBootstrap = func() {
				if fired.CompareAndSwap(false, true) {
					panic("LIBBT_TEST_PANIC: dht_bootstrap")
				}
			}
		}
	}
}
