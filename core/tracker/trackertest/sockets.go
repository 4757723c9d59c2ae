package trackertest

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// UDPSockets counts the UDP sockets (IPv4 and IPv6) this process holds open: the socket
// inodes among /proc/self/fd that /proc/net/udp and /proc/net/udp6 list. Tests use it to see
// that announces share a socket rather than open one each.
func UDPSockets() (int, error) {
	socks, err := UDPSocketAddrs()
	return len(socks), err
}

// UDPSocketAddrs lists the local addresses (as /proc/net/udp{,6} spell them, hex ip:port)
// of the UDP sockets this process holds open.
func UDPSocketAddrs() ([]string, error) {
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return nil, fmt.Errorf("trackertest: %w", err)
	}
	mine := map[string]bool{}
	for _, fd := range fds {
		target, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name()))
		if err == nil && strings.HasPrefix(target, "socket:[") {
			mine[strings.TrimSuffix(strings.TrimPrefix(target, "socket:["), "]")] = true
		}
	}
	var out []string
	for _, table := range []string{"/proc/net/udp", "/proc/net/udp6"} {
		f, err := os.Open(table)
		if err != nil {
			if os.IsNotExist(err) && strings.HasSuffix(table, "6") {
				continue // no IPv6 in this kernel
			}
			return nil, fmt.Errorf("trackertest: %w", err)
		}
		sc := bufio.NewScanner(f)
		sc.Scan() // header
		for sc.Scan() {
			// sl local rem st tx:rx tr:when retrnsmt uid timeout inode ...
			if fields := strings.Fields(sc.Text()); len(fields) > 9 && mine[fields[9]] {
				out = append(out, fields[1])
			}
		}
		err = sc.Err()
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("trackertest: %s: %w", table, err)
		}
	}
	return out, nil
}
