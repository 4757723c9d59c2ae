package metainfo

import (
	"context"
	"crypto/sha1"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/libbt/libbt/core/bencode"
	"github.com/libbt/libbt/core/guard"
)

// Piece length bounds for Create.
const (
	MinCreatePieceLength = 16 << 10
	MaxAutoPieceLength   = 16 << 20
)

// CreateOptions describes a torrent to create.
type CreateOptions struct {
	// Path is a file (single-file torrent) or a directory (multi-file
	// torrent named after the directory). Directories are walked
	// recursively; files are ordered by path, compared component by
	// component in byte order. Only regular files are included: symbolic
	// links (to files or directories), devices, sockets and pipes are
	// skipped, as are empty directories. Hidden files are included.
	Path string
	// PieceLength must be a power of two from 16 KiB to 256 MiB; 0 picks
	// one automatically (a power of two from 16 KiB to 16 MiB giving at most
	// 2000 pieces when possible, i.e. roughly 1000-2000).
	PieceLength int64
	Trackers    [][]string // tiers; empty URLs and tiers are dropped
	WebSeeds    []string   // BEP 19 url-list
	Private     bool
	Comment     string
	CreatedBy   string
	// CreationDate in Unix seconds; 0 means now, -1 omits the key.
	CreationDate int64
	// Workers hashing in parallel; 0 means runtime.NumCPU().
	Workers int
	// Progress, if set, is called from the goroutine running Create, at
	// most about ten times a second and once at the end with
	// donePieces == totalPieces.
	Progress func(donePieces, totalPieces int)
	// Context, if set, cancels hashing: Create returns its error promptly.
	Context context.Context
}

type createFile struct {
	osPath string
	path   []string
	length int64
	offset int64
}

type infoDictFile struct {
	Length int64    `bencode:"length"`
	Path   []string `bencode:"path"`
}

type infoDict struct {
	Files       []infoDictFile `bencode:"files,omitempty"`
	Length      int64          `bencode:"length,omitempty"`
	Name        string         `bencode:"name"`
	PieceLength int64          `bencode:"piece length"`
	Pieces      []byte         `bencode:"pieces"`
	Private     bool           `bencode:"private,omitempty"`
}

type torrentFile struct {
	Announce     string             `bencode:"announce,omitempty"`
	AnnounceList [][]string         `bencode:"announce-list,omitempty"`
	Comment      string             `bencode:"comment,omitempty"`
	CreatedBy    string             `bencode:"created by,omitempty"`
	CreationDate *int64             `bencode:"creation date,omitempty"`
	Info         bencode.RawMessage `bencode:"info"`
	URLList      []string           `bencode:"url-list,omitempty"`
}

// Create hashes the file or directory at opts.Path and returns the
// bencoded .torrent and its parsed form.
func Create(opts CreateOptions) ([]byte, *MetaInfo, error) {
	root, err := filepath.Abs(opts.Path)
	if err != nil {
		return nil, nil, fmt.Errorf("metainfo: create: %w", err)
	}
	st, err := os.Stat(root)
	if err != nil {
		return nil, nil, fmt.Errorf("metainfo: create: %w", err)
	}
	name := filepath.Base(root)
	if err := checkComponent(name); err != nil {
		return nil, nil, fmt.Errorf("metainfo: create: name %q %v", name, err)
	}
	var files []createFile
	if st.IsDir() {
		if files, err = walkFiles(root); err != nil {
			return nil, nil, err
		}
	} else if st.Mode().IsRegular() {
		files = []createFile{{osPath: root, path: []string{name}, length: st.Size()}}
	} else {
		return nil, nil, fmt.Errorf("metainfo: create: %s is not a regular file or directory", root)
	}
	var total int64
	for i := range files {
		files[i].offset = total
		total += files[i].length
	}
	if total == 0 {
		return nil, nil, fmt.Errorf("metainfo: create: %s holds no data", root)
	}

	pieceLength := opts.PieceLength
	if pieceLength == 0 {
		pieceLength = autoPieceLength(total)
	}
	if pieceLength < MinCreatePieceLength || pieceLength > MaxPieceLength || pieceLength&(pieceLength-1) != 0 {
		return nil, nil, fmt.Errorf("metainfo: create: piece length %d is not a power of two from %d to %d",
			pieceLength, MinCreatePieceLength, MaxPieceLength)
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}

	ctx := opts.Context
	if ctx == nil {
		ctx = context.Background()
	}
	pieces, err := hashPieces(ctx, files, total, pieceLength, workers, opts.Progress)
	if err != nil {
		return nil, nil, err
	}

	info := infoDict{Name: name, PieceLength: pieceLength, Pieces: pieces, Private: opts.Private}
	if st.IsDir() {
		info.Files = make([]infoDictFile, len(files))
		for i, f := range files {
			info.Files[i] = infoDictFile{Length: f.length, Path: f.path}
		}
	} else {
		info.Length = total
	}
	infoBytes, err := bencode.Marshal(info)
	if err != nil {
		return nil, nil, fmt.Errorf("metainfo: create: %w", err)
	}

	t := torrentFile{Info: infoBytes, Comment: opts.Comment, CreatedBy: opts.CreatedBy}
	var tiers [][]string
	ntrackers := 0
	for _, tier := range opts.Trackers {
		var tt []string
		for _, u := range tier {
			if u != "" {
				tt = append(tt, u)
			}
		}
		if len(tt) > 0 {
			tiers = append(tiers, tt)
			ntrackers += len(tt)
		}
	}
	if ntrackers > 0 {
		t.Announce = tiers[0][0]
	}
	if ntrackers > 1 {
		t.AnnounceList = tiers
	}
	for _, u := range opts.WebSeeds {
		if u != "" {
			t.URLList = append(t.URLList, u)
		}
	}
	switch cd := opts.CreationDate; {
	case cd == 0:
		now := time.Now().Unix()
		t.CreationDate = &now
	case cd > 0:
		t.CreationDate = &cd
	}
	out, err := bencode.Marshal(t)
	if err != nil {
		return nil, nil, fmt.Errorf("metainfo: create: %w", err)
	}
	m, err := Parse(out)
	if err != nil {
		return nil, nil, fmt.Errorf("metainfo: create produced an invalid torrent: %w", err)
	}
	return out, m, nil
}

// autoPieceLength picks the smallest power of two from 16 KiB to 16 MiB that
// gives at most 2000 pieces.
func autoPieceLength(total int64) int64 {
	pl := int64(MinCreatePieceLength)
	for pl < MaxAutoPieceLength && (total+pl-1)/pl > 2000 {
		pl *= 2
	}
	return pl
}

func walkFiles(root string) ([]createFile, error) {
	var files []createFile
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil // directories are walked; symlinks and special files skipped
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		comps := splitPath(rel)
		if err := validPath(comps); err != nil {
			return fmt.Errorf("file %s: %v", p, err)
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		files = append(files, createFile{osPath: p, path: comps, length: fi.Size()})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("metainfo: create: %w", err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("metainfo: create: %s contains no regular files", root)
	}
	slices.SortFunc(files, func(a, b createFile) int { return slices.Compare(a.path, b.path) })
	return files, nil
}

// splitPath splits a relative OS path into its elements, in one pass.
func splitPath(rel string) []string {
	if rel == "" || rel == "." {
		return nil
	}
	return strings.Split(filepath.ToSlash(rel), "/")
}

// hashPieces hashes all pieces with `workers` goroutines, each owning a
// contiguous range of pieces, one piece buffer and one open file at a time.
func hashPieces(ctx context.Context, files []createFile, total, pieceLength int64, workers int, progress func(int, int)) ([]byte, error) {
	n := int((total + pieceLength - 1) / pieceLength)
	pieces := make([]byte, 20*n)
	workers = min(workers, n)
	var done atomic.Int64
	var stop atomic.Bool // set on the first error or cancellation
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		first, end := n*w/workers, n*(w+1)/workers
		wg.Add(1)
		guard.Go("hashing a new torrent", func() {
			defer wg.Done()
			if p := guard.Run("hashing a new torrent", func() {
				errs[w] = hashRange(files, total, pieceLength, first, end, pieces, &done, &stop)
			}); p != nil {
				errs[w] = p
			}
			if errs[w] != nil {
				stop.Store(true)
			}
		}, nil)
	}
	finished := make(chan struct{})
	guard.Go("hashing a new torrent", func() { wg.Wait(); close(finished) }, nil)
	var tick <-chan time.Time
	if progress != nil {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		tick = t.C
	}
	cancelled := ctx.Done()
loop:
	for {
		select {
		case <-finished:
			break loop
		case <-tick:
			progress(int(done.Load()), n)
		case <-cancelled:
			stop.Store(true)
			cancelled = nil
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("metainfo: create: %w", err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if progress != nil {
		progress(n, n)
	}
	return pieces, nil
}

func hashRange(files []createFile, total, pieceLength int64, first, end int, pieces []byte, done *atomic.Int64, stop *atomic.Bool) error {
	buf := make([]byte, pieceLength)
	h := sha1.New()
	r := streamReader{files: files}
	defer r.close()
	for p := first; p < end && !stop.Load(); p++ {
		off := int64(p) * pieceLength
		size := min(pieceLength, total-off)
		if err := r.readAt(buf[:size], off); err != nil {
			return err
		}
		h.Reset()
		h.Write(buf[:size])
		h.Sum(pieces[p*20 : p*20])
		done.Add(1)
	}
	return nil
}

// streamReader reads the concatenated file stream, keeping one file open.
type streamReader struct {
	files []createFile
	cur   int
	f     *os.File
}

func (r *streamReader) close() {
	if r.f != nil {
		r.f.Close()
		r.f = nil
	}
}

func (r *streamReader) readAt(buf []byte, off int64) error {
	for len(buf) > 0 {
		// Files are visited in order; skip those that end before off.
		for r.cur < len(r.files) && r.files[r.cur].offset+r.files[r.cur].length <= off {
			r.cur++
			r.close()
		}
		if r.cur >= len(r.files) {
			return fmt.Errorf("metainfo: create: read past end of data")
		}
		cf := r.files[r.cur]
		if r.f == nil {
			f, err := os.Open(cf.osPath)
			if err != nil {
				return fmt.Errorf("metainfo: create: %w", err)
			}
			r.f = f
		}
		n := min(int64(len(buf)), cf.offset+cf.length-off)
		if _, err := r.f.ReadAt(buf[:n], off-cf.offset); err != nil {
			if err == io.EOF {
				return fmt.Errorf("metainfo: create: %s shrank while hashing", cf.osPath)
			}
			return fmt.Errorf("metainfo: create: %w", err)
		}
		buf, off = buf[n:], off+n
	}
	return nil
}
