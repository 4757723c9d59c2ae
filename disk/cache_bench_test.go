package disk

import (
	"crypto/sha1"
	"fmt"
	"testing"
)

// BenchmarkWriteCacheTransfer writes a 256 MiB torrent of 1 MiB pieces block by block through
// WriteBlock and FinishPiece, as the session does, keeping at most 16 MiB of blocks in flight;
// it reports write system calls and read-backs per piece from Stats.
func BenchmarkWriteCacheTransfer(b *testing.B) {
	for _, pl := range []int{1 << 20, 4 << 20} {
		b.Run(fmt.Sprintf("piece=%dMiB", pl>>20), func(b *testing.B) { benchWriteCache(b, pl) })
	}
}

func benchWriteCache(b *testing.B, pl int) {
	const total = 256 << 20
	files := []FileSpec{{Path: []string{"w"}, Length: total}}
	data := randomBytes(pl, 3)
	want := sha1.Sum(data)
	b.SetBytes(total)
	for b.Loop() {
		b.StopTimer()
		st, err := OpenStorage(b.TempDir(), files, StorageOptions{})
		if err != nil {
			b.Fatal(err)
		}
		d := NewIO(IOOptions{})
		b.StartTimer()
		sem := make(chan struct{}, (16<<20)/BlockSize)
		res := make(chan bool, total/pl)
		for p := 0; p < total/pl; p++ {
			pc := Piece{Index: p, Offset: int64(p) * int64(pl), Size: int64(pl)}
			for off := 0; off < pl; off += BlockSize {
				sem <- struct{}{}
				d.WriteBlock(st, pc, off, data[off:off+BlockSize], func(err error) {
					if err != nil {
						b.Error(err)
					}
					<-sem
				})
			}
			d.FinishPiece(st, pc, want, func(ok bool, err error) { res <- ok && err == nil })
		}
		for range total / pl {
			if !<-res {
				b.Fatal("piece failed")
			}
		}
		b.StopTimer()
		s := d.Stats()
		b.ReportMetric(float64(s.WriteSyscalls)/float64(total/pl), "writes/piece")
		b.ReportMetric(float64(s.HashReadBacks)/float64(total/pl), "readbacks/piece")
		d.Close()
		st.Close()
		b.StartTimer()
	}
}
