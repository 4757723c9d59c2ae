package disk

import (
	"crypto/sha1"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// BenchmarkDownloadPathCPU compares the CPU time (user+system, from getrusage) of the two ways
// to store a downloaded 256 MiB torrent of 1 MiB pieces: per-block writes followed by a
// read-back hash (IO.Write + IO.HashPiece, the path before the cache) and the write cache
// (WriteBlock + FinishPiece), with one write call per piece or 256 KiB ones. CPU time is
// less sensitive than wall time to a busy machine.
func BenchmarkDownloadPathCPU(b *testing.B) {
	b.Run("write+hashpiece", func(b *testing.B) { benchDownloadPathCPU(b, false, 0) })
	b.Run("writeblock+finishpiece", func(b *testing.B) { benchDownloadPathCPU(b, true, 0) })
	b.Run("writeblock+finishpiece/maxwrite=256KiB", func(b *testing.B) { benchDownloadPathCPU(b, true, 256<<10) })
}

func benchDownloadPathCPU(b *testing.B, cached bool, maxWrite int64) {
	const total = 256 << 20
	const pl = 1 << 20
	files := []FileSpec{{Path: []string{"w"}, Length: total}}
	data := randomBytes(pl, 3)
	want := sha1.Sum(data)
	var cpu time.Duration
	b.SetBytes(total)
	for b.Loop() {
		b.StopTimer()
		st, err := OpenStorage(b.TempDir(), files, StorageOptions{})
		if err != nil {
			b.Fatal(err)
		}
		d := NewIO(IOOptions{Cache: CacheOptions{MaxWriteSize: maxWrite}})
		var ru0, ru1 unix.Rusage
		unix.Getrusage(unix.RUSAGE_SELF, &ru0)
		b.StartTimer()
		sem := make(chan struct{}, (16<<20)/BlockSize)
		res := make(chan bool, total/pl)
		for p := 0; p < total/pl; p++ {
			pc := Piece{Index: p, Offset: int64(p) * pl, Size: pl}
			if cached {
				for off := 0; off < pl; off += BlockSize {
					sem <- struct{}{}
					d.WriteBlock(st, pc, off, data[off:off+BlockSize], func(error) { <-sem })
				}
				d.FinishPiece(st, pc, want, func(ok bool, err error) { res <- ok && err == nil })
				continue
			}
			left := make(chan struct{}, pl/BlockSize)
			for off := 0; off < pl; off += BlockSize {
				sem <- struct{}{}
				d.Write(st, pc.Offset+int64(off), data[off:off+BlockSize], func(error) { <-sem; left <- struct{}{} })
			}
			go func() {
				for range pl / BlockSize {
					<-left
				}
				d.HashPiece(st, pc.Offset, pl, func(sum [20]byte, err error) { res <- sum == want && err == nil })
			}()
		}
		for range total / pl {
			if !<-res {
				b.Fatal("piece failed")
			}
		}
		b.StopTimer()
		unix.Getrusage(unix.RUSAGE_SELF, &ru1)
		cpu += time.Duration(ru1.Utime.Nano() - ru0.Utime.Nano() + ru1.Stime.Nano() - ru0.Stime.Nano())
		d.Close()
		st.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N)/256, "cpu-ms/MiB")
}
