package create

import (
	"context"
	"crypto/sha1"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync/atomic"

	"github.com/libbt/libbt/core/merkle"
)

// buildV2 lays out, hashes and describes the files of a Hybrid or V2Only torrent as libtorrent
// 2.0 does: each file starts a piece (in a multi-file hybrid a pad file ".pad/<length>",
// attr "p", follows each file that does not end on a piece boundary, the last one too), its
// pieces are hashed as 16 KiB blocks into merkle trees (core/merkle), and for a hybrid each
// piece is also SHA-1 hashed with its padding zeros. It fills info's file tree (and v1 fields)
// and returns the piece layers: for each file of more than one piece, its root to its layer.
func buildV2(ctx context.Context, info *infoDict, files []createFile, multi, hybrid bool, workers int, progress func(int, int)) (map[string]string, error) {
	pl := info.PieceLength
	type job struct {
		file int
		k    int64 // piece of the file
	}
	var jobs []job
	var off int64
	for i := range files {
		f := &files[i]
		f.offset = off
		for k := range merkle.NumPieces(f.length, pl) {
			jobs = append(jobs, job{i, k})
		}
		off += f.length
		if off%pl != 0 && multi {
			off += pl - off%pl
		}
	}
	v1Total := off // the single file of a single-file torrent has no pad after it
	pieceHashes := make([]merkle.Hash, len(jobs))
	var v1 []byte
	if hybrid {
		v1 = make([]byte, 20*((v1Total+pl-1)/pl))
	}
	err := parallel(ctx, len(jobs), workers, progress, func(first, end int, done *atomic.Int64, stop *atomic.Bool) error {
		buf := make([]byte, pl)
		var open *os.File
		openIdx := -1
		defer func() {
			if open != nil {
				open.Close()
			}
		}()
		for j := first; j < end && !stop.Load(); j++ {
			f := &files[jobs[j].file]
			if openIdx != jobs[j].file {
				if open != nil {
					open.Close()
				}
				var err error
				if open, err = os.Open(f.osPath); err != nil {
					return fmt.Errorf("create: %w", err)
				}
				openIdx = jobs[j].file
			}
			at := jobs[j].k * pl
			size := min(pl, f.length-at)
			if _, err := open.ReadAt(buf[:size], at); err != nil {
				if err == io.EOF {
					return fmt.Errorf("create: %s shrank while hashing", f.osPath)
				}
				return fmt.Errorf("create: %w", err)
			}
			blocks := merkle.BlockHashes(buf[:size])
			pieceHashes[j] = merkle.Reduce(blocks, 0, merkle.PieceWidth(f.length, pl))
			if hybrid {
				p := (f.offset + at) / pl
				v1Size := min(pl, v1Total-p*pl)
				clear(buf[size:v1Size])
				sum := sha1.Sum(buf[:v1Size])
				copy(v1[20*p:], sum[:])
			}
			done.Add(1)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}

	tree := map[string]any{}
	layers := map[string]string{}
	j := 0
	for i := range files {
		f := &files[i]
		n := int(merkle.NumPieces(f.length, pl))
		leaf := map[string]any{"length": f.length}
		if f.exec {
			leaf["attr"] = "x"
		}
		if n > 0 {
			layer := pieceHashes[j : j+n]
			root := merkle.LayerRoot(layer, f.length, pl)
			leaf["pieces root"] = string(root[:])
			if n > 1 {
				b := make([]byte, 0, 32*n)
				for _, h := range layer {
					b = append(b, h[:]...)
				}
				layers[string(root[:])] = string(b)
			}
			j += n
		}
		dir := tree
		for _, e := range f.path[:len(f.path)-1] {
			sub, ok := dir[e].(map[string]any)
			if !ok {
				sub = map[string]any{}
				dir[e] = sub
			}
			dir = sub
		}
		dir[f.path[len(f.path)-1]] = map[string]any{"": leaf}
	}
	info.FileTree, info.MetaVersion = tree, 2
	if !hybrid {
		return layers, nil
	}
	info.Pieces = v1
	if !multi {
		info.Length = files[0].length
		return layers, nil
	}
	for _, f := range files {
		e := infoDictFile{Length: f.length, Path: f.path}
		if f.exec {
			e.Attr = "x"
		}
		info.Files = append(info.Files, e)
		end := f.offset + f.length
		if end%pl != 0 {
			pad := pl - end%pl
			info.Files = append(info.Files, infoDictFile{Attr: "p", Length: pad, Path: []string{".pad", strconv.FormatInt(pad, 10)}})
		}
	}
	return layers, nil
}
