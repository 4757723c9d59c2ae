package tracker

import (
	"math"
	"net/netip"
	"strings"
	"time"

	"github.com/libbt/libbt/core/bencode"
)

// maxIntervalSeconds bounds "interval" and "min interval" (about 68 years).
const maxIntervalSeconds = math.MaxInt32

// ParseHTTPResponse parses a bencoded HTTP tracker reply (BEP 3, 23, 7). A
// "failure reason" yields a *FailureError; a reply of the wrong shape an
// error wrapping ErrMalformedResponse. Peers come from the compact "peers"
// string (6-byte entries) or the list-of-dicts form, then "peers6" (18-byte
// entries); entries with port 0, or a dict "ip" that is not an IP literal,
// are dropped.
func ParseHTTPResponse(body []byte) (*AnnounceResponse, error) {
	var v any
	if err := bencode.Unmarshal(body, &v); err != nil {
		return nil, malformed("%v", err)
	}
	d, ok := v.(map[string]any)
	if !ok {
		return nil, malformed("reply is %s, want a dictionary", typeName(v))
	}
	if r, ok := d["failure reason"]; ok {
		s, ok := r.(string)
		if !ok {
			return nil, malformed("failure reason is %s, want a string", typeName(r))
		}
		return nil, failureReply(strings.ToValidUTF8(s, "\uFFFD"), d)
	}
	resp := &AnnounceResponse{Seeders: -1, Leechers: -1}
	var err error
	if resp.Warning, err = optString(d, "warning message"); err != nil {
		return nil, err
	}
	resp.Warning = strings.ToValidUTF8(resp.Warning, "\uFFFD")
	if resp.TrackerID, err = optString(d, "tracker id"); err != nil {
		return nil, err
	}
	if resp.Interval, err = optInterval(d, "interval"); err != nil {
		return nil, err
	}
	if resp.MinInterval, err = optInterval(d, "min interval"); err != nil {
		return nil, err
	}
	if resp.Seeders, err = optCount(d, "complete"); err != nil {
		return nil, err
	}
	if resp.Leechers, err = optCount(d, "incomplete"); err != nil {
		return nil, err
	}
	switch p := d["peers"].(type) {
	case nil:
		if _, present := d["peers"]; present {
			return nil, malformed("peers is %s", typeName(p))
		}
	case string:
		if resp.Peers, err = parseCompactPeers([]byte(p), false); err != nil {
			return nil, malformed("peers: %v", err)
		}
	case []any:
		if resp.Peers, err = parseDictPeers(p); err != nil {
			return nil, err
		}
	default:
		return nil, malformed("peers is %s, want a string or a list", typeName(p))
	}
	if p6, ok := d["peers6"]; ok {
		s, ok := p6.(string)
		if !ok {
			return nil, malformed("peers6 is %s, want a string", typeName(p6))
		}
		peers6, err := parseCompactPeers([]byte(s), true)
		if err != nil {
			return nil, malformed("peers6: %v", err)
		}
		resp.Peers = append(resp.Peers, peers6...)
	}
	return resp, nil
}

// failureReply reads when a refusing tracker wants to hear from us again:
// BEP 31's "retry in" (minutes, or "never"), else its "min interval" or
// "interval". The refusal stands whatever these hold, so values of the wrong
// type or out of range are ignored.
func failureReply(reason string, d map[string]any) *FailureError {
	fe := &FailureError{Reason: reason}
	switch v := d["retry in"].(type) {
	case string:
		fe.Never = v == "never"
	case int64:
		if v >= 0 && v <= maxIntervalSeconds/60 {
			fe.RetryIn = time.Duration(v) * time.Minute
		}
	}
	if fe.RetryIn == 0 {
		for _, key := range []string{"min interval", "interval"} {
			if n, err := optInterval(d, key); err == nil {
				fe.RetryIn = max(fe.RetryIn, n)
			}
		}
	}
	return fe
}

func parseDictPeers(list []any) ([]netip.AddrPort, error) {
	peers := make([]netip.AddrPort, 0, len(list))
	for i, e := range list {
		pd, ok := e.(map[string]any)
		if !ok {
			return nil, malformed("peers[%d] is %s, want a dictionary", i, typeName(e))
		}
		ip, ok := pd["ip"].(string)
		if !ok {
			return nil, malformed("peers[%d].ip is %s, want a string", i, typeName(pd["ip"]))
		}
		port, ok := pd["port"].(int64)
		if !ok {
			return nil, malformed("peers[%d].port is %s, want an integer", i, typeName(pd["port"]))
		}
		if port < 0 || port > math.MaxUint16 {
			return nil, malformed("peers[%d].port %d out of range", i, port)
		}
		addr, err := netip.ParseAddr(ip)
		if err != nil || addr.Zone() != "" || port == 0 {
			continue // a host name, a zoned address or port 0: not usable
		}
		peers = append(peers, netip.AddrPortFrom(addr.Unmap(), uint16(port)))
	}
	return peers, nil
}

func optString(d map[string]any, key string) (string, error) {
	v, ok := d[key]
	if !ok {
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", malformed("%s is %s, want a string", key, typeName(v))
	}
	return s, nil
}

func optInterval(d map[string]any, key string) (time.Duration, error) {
	v, ok := d[key]
	if !ok {
		return 0, nil
	}
	n, ok := v.(int64)
	if !ok {
		return 0, malformed("%s is %s, want an integer", key, typeName(v))
	}
	if n < 0 || n > maxIntervalSeconds {
		return 0, malformed("%s %d out of range", key, n)
	}
	return time.Duration(n) * time.Second, nil
}

func optCount(d map[string]any, key string) (int, error) {
	v, ok := d[key]
	if !ok {
		return -1, nil
	}
	n, ok := v.(int64)
	if !ok {
		return 0, malformed("%s is %s, want an integer", key, typeName(v))
	}
	if n < 0 || n > math.MaxInt32 {
		return 0, malformed("%s %d out of range", key, n)
	}
	return int(n), nil
}

func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "missing"
	case string:
		return "a string"
	case int64:
		return "an integer"
	case []any:
		return "a list"
	case map[string]any:
		return "a dictionary"
	default:
		return "an unknown type"
	}
}
