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
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return 0, fmt.Errorf("trackertest: %w", err)
	}
	mine := map[string]bool{}
	for _, fd := range fds {
		target, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name()))
		if err == nil && strings.HasPrefix(target, "socket:[") {
			mine[strings.TrimSuffix(strings.TrimPrefix(target, "socket:["), "]")] = true
		}
	}
	n := 0
	for _, table := range []string{"/proc/net/udp", "/proc/net/udp6"} {
		f, err := os.Open(table)
		if err != nil {
			if os.IsNotExist(err) && strings.HasSuffix(table, "6") {
				continue // no IPv6 in this kernel
			}
			return 0, fmt.Errorf("trackertest: %w", err)
		}
		sc := bufio.NewScanner(f)
		sc.Scan() // header
		for sc.Scan() {
			// sl local rem st tx:rx tr:when retrnsmt uid timeout inode ...
			if fields := strings.Fields(sc.Text()); len(fields) > 9 && mine[fields[9]] {
				n++
			}
		}
		err = sc.Err()
		f.Close()
		if err != nil {
			return 0, fmt.Errorf("trackertest: %s: %w", table, err)
		}
	}
	return n, nil
}
