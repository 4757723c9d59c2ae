package mse

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// The fuzz targets replay arbitrary peer bytes against a side whose randomness is fixed, so a
// seed recorded from a real handshake (transcript) stays valid and mutations reach every step.

func fuzzSeeds(t testing.TB, receiver bool) [][]byte {
	var seeds [][]byte
	for i, ia := range [][]byte{btHandshake(), nil, bytes.Repeat([]byte{7}, 1000)} {
		aToB, bToA := transcript(t, byte(10*i+1), ia)
		full := bToA
		if receiver {
			full = aToB
		}
		seeds = append(seeds, full, full[:len(full)/2], full[:keyLen+3])
	}
	return append(seeds, nil, btHandshake(), bytes.Repeat([]byte{0xff}, 700), make([]byte, 1200))
}

func FuzzAccept(f *testing.F) {
	seeds := fuzzSeeds(f, true)
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, seed := range []byte{1, 11, 21} {
			conn := newScriptConn(bytes.NewReader(data))
			c, m, skey, ia, err := accept(context.Background(), conn, LookupList(testInfoHash), AllMethods, true, seededRandom(seed))
			// Reading is bounded by the sync window, the pads and len(IA).
			require.LessOrEqual(t, conn.read, keyLen+readAhead+maxPad+0xffff)
			if err != nil {
				continue
			}
			require.Contains(t, []CryptoMethod{Plaintext, RC4}, m)
			require.Equal(t, testInfoHash, skey)
			require.LessOrEqual(t, len(ia), len(data))
			rest, err := io.ReadAll(c)
			require.NoError(t, err)
			require.LessOrEqual(t, len(rest), len(data))
		}
	})
}

func FuzzInitiate(f *testing.F) {
	for _, s := range fuzzSeeds(f, false) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, seed := range []byte{2, 12, 22} {
			conn := newScriptConn(bytes.NewReader(data))
			c, m, err := initiate(context.Background(), conn, testInfoHash, AllMethods, btHandshake(), seededRandom(seed))
			require.LessOrEqual(t, conn.read, keyLen+readAhead+maxPad)
			if err != nil {
				continue
			}
			require.Contains(t, []CryptoMethod{Plaintext, RC4}, m)
			_, err = io.ReadAll(c)
			require.NoError(t, err)
		}
	})
}

// TestWriteFuzzCorpus regenerates testdata/fuzz when MSE_WRITE_CORPUS=1.
func TestWriteFuzzCorpus(t *testing.T) {
	if os.Getenv("MSE_WRITE_CORPUS") == "" {
		t.Skip("set MSE_WRITE_CORPUS=1 to rewrite testdata/fuzz")
	}
	for name, receiver := range map[string]bool{"FuzzAccept": true, "FuzzInitiate": false} {
		dir := filepath.Join("testdata", "fuzz", name)
		require.NoError(t, os.MkdirAll(dir, 0o755))
		for i, s := range fuzzSeeds(t, receiver) {
			body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", s)
			require.NoError(t, os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed-%02d", i)), []byte(body), 0o644))
		}
	}
}
