// Package webseedtest starts a real nginx (from the Debian package) on a
// loopback port for web seed tests and benchmarks. It is test support: it
// runs nginx in the foreground as a child process and never touches the
// system's nginx configuration, logs or pid file.
package webseedtest

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// NginxPath is the nginx binary the tests use.
const NginxPath = "/usr/sbin/nginx"

// Config tweaks the nginx configuration.
type Config struct {
	// Extra is placed inside the server block (e.g. extra locations).
	Extra string
}

// StartNginx serves root on 127.0.0.1 and returns the base URL ("http://127.0.0.1:PORT").
// It skips the test when nginx is not installed and stops nginx at cleanup.
func StartNginx(tb testing.TB, root string, cfg Config) string {
	tb.Helper()
	if _, err := os.Stat(NginxPath); err != nil {
		tb.Skipf("nginx not installed (%s)", NginxPath)
	}
	absRoot, err := filepath.Abs(root)
	if err != nil {
		tb.Fatal(err)
	}
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		url, err := startOnce(tb, absRoot, cfg)
		if err == nil {
			return url
		}
		lastErr = err
	}
	tb.Fatalf("nginx did not start: %v", lastErr)
	return ""
}

func startOnce(tb testing.TB, root string, cfg Config) (string, error) {
	port, err := freePort()
	if err != nil {
		return "", err
	}
	dir := tb.TempDir()
	conf := fmt.Sprintf(`daemon off;
master_process off;
worker_processes 1;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log warn;
events { worker_connections 256; }
http {
    access_log %[1]s/access.log;
    client_body_temp_path %[1]s/body;
    proxy_temp_path %[1]s/proxy;
    fastcgi_temp_path %[1]s/fastcgi;
    uwsgi_temp_path %[1]s/uwsgi;
    scgi_temp_path %[1]s/scgi;
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    server {
        listen 127.0.0.1:%[2]d;
        root %[3]s;
        %[4]s
    }
}
`, dir, port, root, cfg.Extra)
	confPath := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		return "", err
	}
	cmd := exec.Command(NginxPath, "-p", dir, "-e", filepath.Join(dir, "error.log"), "-c", confPath)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return "", err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			return "", fmt.Errorf("nginx exited: %v: %s %s", err, out.String(), log)
		default:
		}
		if c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 100*time.Millisecond); err == nil {
			c.Close()
			tb.Cleanup(func() {
				cmd.Process.Signal(os.Interrupt) // SIGINT: fast shutdown
				select {
				case <-exited:
				case <-time.After(5 * time.Second):
					cmd.Process.Kill()
					<-exited
				}
			})
			// Sanity: nginx answers HTTP.
			if resp, err := http.Get(base + "/"); err == nil {
				resp.Body.Close()
			}
			return base, nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Kill()
	<-exited
	return "", fmt.Errorf("nginx did not listen on port %d: %s", port, out.String())
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
