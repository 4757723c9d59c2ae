package session

import (
	"os"
	"runtime"
	"runtime/pprof"
	"testing"
	"time"
)

func TestZZHeapProfile(t *testing.T) {
	if os.Getenv("ZZPROF") == "" {
		t.Skip()
	}
	s := newTestSession(t, "127.0.0.1:0")
	datas := synthTorrents(t, 0, 2000)
	runtime.MemProfileRate = 1
	ts := addPaused(t, s, datas, t.TempDir())
	time.Sleep(2 * time.Second)
	s.PopAlerts()
	runtime.GC()
	runtime.GC()
	f, _ := os.Create("/tmp/pprof/heap.prof")
	pprof.Lookup("heap").WriteTo(f, 0)
	f.Close()
	runtime.KeepAlive(ts)
}
