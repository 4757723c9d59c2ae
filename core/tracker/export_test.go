package tracker

import "time"

// SetClock replaces the Client's clock, for connection-id expiry tests.
func SetClock(c *Client, now func() time.Time) { c.now = now }

// AttemptWait is how long attempt n of a UDP request waits.
func AttemptWait(c *Client, n int) time.Duration { return c.attemptWait(n) }
