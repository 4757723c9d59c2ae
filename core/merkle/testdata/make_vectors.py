#!/usr/bin/python3
# Makes vectors.json, the known answers of core/merkle's tests, with libtorrent 2.0.8's python
# binding: for each (file length, piece length) a v2-only torrent of one file is created by
# lt.create_torrent and its "pieces root" and "piece layers" entry are recorded. The file's
# bytes are content(length, seed): byte i is (i*7 + i//251 + seed) % 256, which the Go test
# computes the same way. Run from this directory: /usr/bin/python3 make_vectors.py
import json, os, tempfile
import libtorrent as lt

def content(length, seed):
    return bytes((i * 7 + i // 251 + seed) % 256 for i in range(length))

LENGTHS = [1, 16383, 16384, 16385, 32768, 5 * 16384 + 7, 100000, 3 * 65536, 3 * 65536 + 1,
           1048576 + 123, 2 * 1048576]
PIECES = [16384, 32768, 65536, 262144]

def main():
    out = []
    with tempfile.TemporaryDirectory() as d:
        for seed, length in enumerate(LENGTHS):
            path = os.path.join(d, 'f')
            with open(path, 'wb') as f:
                f.write(content(length, seed))
            for pl in PIECES:
                fs = lt.file_storage()
                lt.add_files(fs, path)
                ct = lt.create_torrent(fs, pl, flags=lt.create_torrent.v2_only)
                lt.set_piece_hashes(ct, d)
                e = ct.generate()
                leaf = e[b'info'][b'file tree'][b'f'][b'']
                assert leaf[b'length'] == length
                root = leaf[b'pieces root']
                layer = e.get(b'piece layers', {}).get(root, b'')
                out.append({'length': length, 'seed': seed, 'piece_length': pl,
                            'pieces_root': root.hex(), 'piece_layer': layer.hex()})
    with open('vectors.json', 'w') as f:
        json.dump({'made_by': 'libtorrent ' + lt.__version__ + ' (make_vectors.py)',
                   'vectors': out}, f, indent=1)
        f.write('\n')

main()
