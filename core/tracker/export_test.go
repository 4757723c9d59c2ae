package tracker

import "time"

// SetClock replaces the Client's clock, for connection-id expiry tests.
func SetClock(c *Client, now func() time.Time) { c.now = now }
