package disk

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkVerify hashes a fully present 256 MiB torrent over 4 files
// (page-cache warm after the first pass); MB/s is the verify throughput.
func BenchmarkVerify(b *testing.B) {
	const total = 256 << 20
	const pl = 1 << 20
	files := []FileSpec{
		{Path: []string{"v", "1"}, Length: 100 << 20},
		{Path: []string{"v", "2"}, Length: 56<<20 + 5},
		{Path: []string{"v", "3"}, Length: 50 << 20},
		{Path: []string{"v", "4"}, Length: 50<<20 - 5},
	}
	dir := b.TempDir()
	st, err := OpenStorage(dir, files, StorageOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	data := randomBytes(total, 11)
	for off := 0; off < total; off += 4 << 20 {
		if _, err := st.WriteAt(data[off:off+4<<20], int64(off)); err != nil {
			b.Fatal(err)
		}
	}
	hashes := pieceHashes(data, pl)
	data = nil
	d := NewIO(IOOptions{})
	defer d.Close()
	b.SetBytes(total)
	b.ResetTimer()
	for b.Loop() {
		ch := make(chan verifyResult, 1)
		d.Verify(context.Background(), st, pl, total, hashes, nil, func(have []bool, err error) { ch <- verifyResult{have, err} })
		r := <-ch
		if r.err != nil {
			b.Fatal(r.err)
		}
		for p, ok := range r.have {
			if !ok {
				b.Fatalf("piece %d failed", p)
			}
		}
	}
}

// BenchmarkIOWriteSequential writes 64 MiB in 16 KiB blocks through IO,
// keeping at most 16 MiB in flight, as a session would: into a new file each
// time (page allocation included) and over an existing one.
func BenchmarkIOWriteSequential(b *testing.B) {
	for _, fresh := range []bool{true, false} {
		name := map[bool]string{true: "fresh", false: "overwrite"}[fresh]
		b.Run(name, func(b *testing.B) { benchWriteSequential(b, fresh) })
	}
}

func benchWriteSequential(b *testing.B, fresh bool) {
	const total = 64 << 20
	files := []FileSpec{{Path: []string{"w"}, Length: total}}
	dir := b.TempDir()
	open := func() *Storage {
		st, err := OpenStorage(dir, files, StorageOptions{})
		if err != nil {
			b.Fatal(err)
		}
		return st
	}
	st := open()
	d := NewIO(IOOptions{MaxQueuedWriteBytes: 16 << 20})
	defer d.Close()
	block := randomBytes(BlockSize, 12)
	const n = total / BlockSize
	sem := make(chan struct{}, (16<<20)/BlockSize)
	errs := make(chan error, 1)
	b.SetBytes(total)
	for b.Loop() {
		if fresh {
			b.StopTimer()
			if err := st.Remove(); err != nil {
				b.Fatal(err)
			}
			st = open()
			b.StartTimer()
		}
		for i := range n {
			sem <- struct{}{}
			d.Write(st, int64(i)*BlockSize, block, func(err error) {
				if err != nil {
					select {
					case errs <- err:
					default:
					}
				}
				<-sem
			})
		}
		for range cap(sem) {
			sem <- struct{}{}
		}
		for range cap(sem) {
			<-sem
		}
		select {
		case err := <-errs:
			b.Fatal(err)
		default:
		}
	}
	st.Close()
}

// BenchmarkStorageWriteBlocksAt writes whole 1 MiB pieces as 64 blocks
// with one pwritev each (the shape a future write cache will flush in).
func BenchmarkStorageWriteBlocksAt(b *testing.B) {
	for _, files := range []int{1, 4} {
		b.Run(fmt.Sprintf("files=%d", files), func(b *testing.B) {
			const total = 64 << 20
			var specs []FileSpec
			for i := range files {
				specs = append(specs, FileSpec{Path: []string{fmt.Sprint(i)}, Length: total / int64(files)})
			}
			st, err := OpenStorage(b.TempDir(), specs, StorageOptions{})
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			bufs := make([][]byte, 64)
			for i := range bufs {
				bufs[i] = randomBytes(BlockSize, uint64(i))
			}
			b.SetBytes(total)
			b.ResetTimer()
			for b.Loop() {
				for off := int64(0); off < total; off += 1 << 20 {
					if _, err := st.WriteBlocksAt(bufs, off); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
