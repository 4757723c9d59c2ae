package disk_test

import (
	"context"
	"crypto/sha1"
	"fmt"
	"os"

	"github.com/libbt/libbt/disk"
)

// The session's pattern: submit work, receive completions on its own
// channel, never block a disk goroutine.
func Example() {
	dir, _ := os.MkdirTemp("", "disk-example")
	defer os.RemoveAll(dir)

	files := []disk.FileSpec{
		{Path: []string{"album", "1.flac"}, Length: 20000},
		{Path: []string{"album", ".pad", "0"}, Length: 12768, Pad: true},
		{Path: []string{"album", "2.flac"}, Length: 30000},
	}
	st, err := disk.OpenStorage(dir, files, disk.StorageOptions{})
	if err != nil {
		panic(err)
	}
	d := disk.NewIO(disk.IOOptions{})
	defer d.Close()

	events := make(chan string, 16) // the session's own queue

	// Piece 0 is 32 KiB: file 1 plus the pad file (zeros).
	piece := make([]byte, 32768)
	for i := range 20000 {
		piece[i] = byte(i)
	}
	for off := 0; off < 20000; off += disk.BlockSize {
		block := disk.GetBuffer()
		n := copy(block, piece[off:20000])
		d.Write(st, int64(off), block[:n], func(err error) {
			disk.ReleaseBuffer(block)
			if err != nil {
				events <- "write failed: " + err.Error()
			}
		})
	}
	// Ordered after the writes above: no need to wait for them.
	want := sha1.Sum(piece)
	d.HashPiece(st, 0, 32768, func(sum [20]byte, err error) {
		events <- fmt.Sprintf("piece 0 hash ok: %v", err == nil && sum == want)
	})
	fmt.Println(<-events)

	// A recheck: piece 0 present, piece 1 (in the never-written 2.flac) is
	// reported missing without being read.
	hashes := append(want[:], make([]byte, 20)...)
	d.Verify(context.Background(), st, 32768, st.Length(), hashes, nil, func(have []bool, err error) {
		events <- fmt.Sprintf("have %v, err %v", have, err)
	})
	fmt.Println(<-events)

	d.CloseStorage(st, func(err error) { events <- fmt.Sprint("closed: ", err) })
	fmt.Println(<-events)
	// Output:
	// piece 0 hash ok: true
	// have [true false], err <nil>
	// closed: <nil>
}
