#!/usr/bin/python3
# Makes the libtorrent-made v2 and hybrid torrents core/metainfo's tests load and compare
# Create against: for each case of manifest.json, its files are written into a temporary
# directory (mode 0755 if "exec", else 0644; byte i of a file is (i*7 + i//251 + seed) % 256, as core/merkle's vectors) and
# libtorrent 2.0.8's python binding makes <case>.hybrid.torrent (its default) and
# <case>.v2.torrent (v2_only) with the case's piece length. The info dicts are deterministic;
# the creation date is fixed at 0 so the files are too. expected.json records what libtorrent
# reads back from each (lt.torrent_info): info-hashes, files (path without the torrent's name,
# length, offset, pad flag, pieces root), total size and number of pieces.
# Run from this directory: /usr/bin/python3 make_torrents.py
import json, os, tempfile
import libtorrent as lt

def content(length, seed):
    return bytes((i * 7 + i // 251 + seed) % 256 for i in range(length))

def main():
    with open('manifest.json') as f:
        manifest = json.load(f)
    expected = {}
    for case in manifest['cases']:
        with tempfile.TemporaryDirectory() as d:
            root = os.path.join(d, case['name'])
            for fe in case['files']:
                p = os.path.join(root, *fe['path'])
                os.makedirs(os.path.dirname(p), exist_ok=True)
                with open(p, 'wb') as f:
                    f.write(content(fe['length'], fe['seed']))
                os.chmod(p, 0o755 if fe.get('exec') else 0o644)
            src = root
            if case.get('single'):
                src = os.path.join(root, *case['files'][0]['path'])
            kinds = [('hybrid', 0), ('v2', lt.create_torrent.v2_only)]
            if case.get('notail'):  # a hybrid as libtorrent 1.2 wrote them: no pad after the last file
                kinds.append(('notail.hybrid', lt.create_torrent.canonical_files_no_tail_padding))
            for kind, flags in kinds:
                fs = lt.file_storage()
                lt.add_files(fs, src)
                ct = lt.create_torrent(fs, case['piece_length'], flags=flags)
                lt.set_piece_hashes(ct, os.path.dirname(src))
                e = ct.generate()
                e[b'creation date'] = 0
                name = '%s.%s.torrent' % (case['name'], kind)
                with open(name, 'wb') as f:
                    f.write(lt.bencode(e))
                expected[name] = readback(lt.torrent_info(name))
    with open('expected.json', 'w') as f:
        json.dump({'made_by': 'libtorrent ' + lt.__version__ + ' (make_torrents.py)',
                   'torrents': expected}, f, indent=1, sort_keys=True)
        f.write('\n')

def readback(ti):
    ih, fs = ti.info_hashes(), ti.files()
    files = []
    for i in range(fs.num_files()):
        path = fs.file_path(i).split('/')
        if len(path) > 1 and path[0] == fs.name():
            path = path[1:]
        files.append({'path': path, 'length': fs.file_size(i), 'offset': fs.file_offset(i),
                      'pad': bool(fs.file_flags(i) & fs.flag_pad_file), 'root': str(fs.root(i))})
    return {'v1': str(ih.v1) if ih.has_v1() else '', 'v2': str(ih.v2) if ih.has_v2() else '',
            'name': fs.name(), 'piece_length': fs.piece_length(), 'total_size': fs.total_size(),
            'num_pieces': fs.num_pieces(), 'files': files}

main()
