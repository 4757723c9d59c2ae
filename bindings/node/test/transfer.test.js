'use strict';
// A real transfer between two sessions over loopback TCP, observed through alerts().
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { createTorrent, AlertCategory } = require('..');
const { tmpdir, loopbackSession, writeFiles } = require('../testutil/helpers');

// Iterates session.alerts() until pred(alert) holds; returns every alert seen, in order.
async function alertsUntil(session, pred, timeoutMs = 30000) {
  const seen = [];
  const signal = AbortSignal.timeout(timeoutMs);
  for await (const alert of session.alerts({ signal })) {
    seen.push(alert);
    if (pred(alert)) return seen;
  }
  throw new Error(`alerts ended before the condition held; saw ${seen.map((a) => a.type).join(', ')}`);
}

test('two sessions on loopback transfer a multi-file torrent byte for byte', async (t) => {
  const work = tmpdir(t);
  const seedDir = path.join(work, 'seed');
  const leechDir = path.join(work, 'leech');
  fs.mkdirSync(leechDir);
  const sizes = { 'big.bin': 3 * 1024 * 1024 + 12345, 'sub/small.bin': 70000, 'sub/deeper/one.bin': 1 };
  const root = writeFiles(seedDir, 'payload', sizes);
  const torrentData = createTorrent({
    path: root,
    pieceSize: 256 * 1024,
    comment: 'node binding test',
    creator: 'libbt-node-test',
  });
  assert.ok(Buffer.isBuffer(torrentData));

  const a = loopbackSession(t);
  const b = loopbackSession(t);
  assert.equal(a.getSetting('alert_mask'), AlertCategory.all);

  // A checks the files it has, then seeds.
  const seeding = alertsUntil(a, (al) => al.type === 'state_changed' && al.state === 'seeding');
  const ta = a.addTorrent({ torrentData, savePath: seedDir });
  const aSeen = await seeding;
  assert.equal(ta.status().state, 'seeding');
  assert.equal(ta.status().progress, 1);
  assert.ok(aSeen.some((al) => al.type === 'torrent_added' && al.torrent === ta));

  // B starts empty and downloads from A.
  const tb = b.addTorrent({ torrentData, savePath: leechDir, sequential: true });
  assert.equal(tb.infoHash, ta.infoHash);
  assert.match(tb.infoHash, /^[0-9a-f]{40}$/);
  assert.equal(tb.name, 'payload');
  assert.deepEqual(
    tb.files().map((f) => [f.path, f.size]).sort(),
    Object.entries(sizes).map(([p, n]) => ['payload/' + p, n]).sort(),
  );
  const st0 = tb.status();
  assert.equal(st0.totalSize, Object.values(sizes).reduce((x, y) => x + y));
  assert.equal(st0.hasMetadata, true);
  assert.equal(st0.numPieces, Math.ceil(st0.totalSize / (256 * 1024)));
  assert.equal(st0.pieceLength, 256 * 1024);

  const finished = alertsUntil(b, (al) => al.type === 'torrent_finished');
  tb.connectPeer(`127.0.0.1:${a.listenPort}`);
  const bSeen = await finished;

  const types = new Set(bSeen.map((al) => al.type));
  for (const want of ['torrent_added', 'state_changed', 'torrent_finished', 'peer_connected', 'piece_finished']) {
    assert.ok(types.has(want), `B saw no ${want}; saw ${[...types].join(', ')}`);
  }
  for (const al of bSeen) {
    assert.equal(typeof al.type, 'string');
    assert.equal(typeof al.category, 'number');
    assert.equal(typeof al.message, 'string');
    assert.ok(Math.abs(al.time - Date.now()) < 120000, `alert time ${al.time} is not ms since the epoch`);
    if (al.torrent !== null) {
      assert.equal(al.torrent, tb, 'alerts name the same Torrent object');
      assert.equal(al.infoHash, tb.infoHash);
    }
  }
  const finishedAlert = bSeen.at(-1);
  assert.equal(finishedAlert.torrent, tb);
  const changes = bSeen.filter((al) => al.type === 'state_changed');
  assert.ok(changes.some((al) => al.state === 'downloading'));
  for (const al of changes) {
    assert.equal(typeof al.prevState, 'string');
    assert.notEqual(al.state, 'unknown');
  }
  const pieceAlerts = bSeen.filter((al) => al.type === 'piece_finished');
  assert.ok(pieceAlerts.every((al) => Number.isInteger(al.piece) && al.piece >= 0 && al.piece < st0.numPieces));
  const connected = bSeen.find((al) => al.type === 'peer_connected');
  assert.equal(connected.endpoint, `127.0.0.1:${a.listenPort}`);

  const st = tb.status();
  assert.ok(st.state === 'seeding' || st.state === 'finished', st.state);
  assert.equal(st.progress, 1);
  assert.equal(st.piecesDone, st.numPieces);
  assert.equal(st.totalDone, st.totalSize);
  assert.ok(st.totalDownload >= st.totalSize);
  assert.equal(st.error, null);
  const bits = tb.pieces();
  assert.equal(bits.length, Math.ceil(st.numPieces / 8));
  for (let i = 0; i < st.numPieces; i++) assert.ok(bits[i >> 3] & (0x80 >> (i & 7)), `piece ${i}`);

  for (const rel of Object.keys(sizes)) {
    const want = fs.readFileSync(path.join(root, rel));
    const got = fs.readFileSync(path.join(leechDir, 'payload', rel));
    assert.ok(want.equals(got), `${rel} differs`);
  }

  // Removing with deleteFiles takes the data away.
  b.removeTorrent(tb, { deleteFiles: true });
  assert.equal(fs.existsSync(path.join(leechDir, 'payload', 'big.bin')), false);
});

function hasIPv6Loopback() {
  return Object.values(require('node:os').networkInterfaces())
    .flat()
    .some((i) => i.family === 'IPv6' && i.internal && i.address === '::1');
}

test('a magnet link downloads its metadata and data from a peer over IPv6 loopback', { skip: !hasIPv6Loopback() && 'no ::1' }, async (t) => {
  const work = tmpdir(t);
  const root = writeFiles(path.join(work, 'seed'), 'mag', { 'x.bin': 600000, 'y/z.bin': 5000 });
  const torrentData = createTorrent({ path: root, pieceSize: 32768 });
  const a = loopbackSession(t, { listen_interfaces: '[::1]:0' });
  const b = loopbackSession(t, { listen_interfaces: '[::1]:0' });
  const ta = a.addTorrent({ torrentData, savePath: path.join(work, 'seed') });
  const tb = b.addTorrent({ magnet: ta.magnet, savePath: path.join(work, 'leech') });
  assert.equal(tb.infoHash, ta.infoHash);
  assert.equal(tb.status().state, 'downloading_metadata');
  assert.equal(tb.pieces().length, 0);
  tb.connectPeer(`[::1]:${a.listenPort}`);
  const seen = [];
  for await (const al of b.alerts({ signal: AbortSignal.timeout(30000) })) {
    seen.push(al.type);
    if (al.type === 'torrent_finished') break;
  }
  assert.ok(seen.includes('metadata_received'), seen.join());
  assert.equal(tb.name, 'mag');
  assert.equal(tb.files().length, 2);
  for (const rel of ['x.bin', 'y/z.bin']) {
    assert.ok(fs.readFileSync(path.join(root, rel)).equals(fs.readFileSync(path.join(work, 'leech', 'mag', rel))), rel);
  }
});

test('zero-length files of a multi-file torrent exist on the downloader after it finishes', async (t) => {
  const work = tmpdir(t);
  const root = writeFiles(path.join(work, 'seed'), 'withempty', { 'data.bin': 50000, 'empty.txt': 0 });
  const torrentData = createTorrent({ path: root });
  const a = loopbackSession(t);
  const b = loopbackSession(t);
  a.addTorrent({ torrentData, savePath: path.join(work, 'seed') });
  const tb = b.addTorrent({ torrentData, savePath: path.join(work, 'leech') });
  tb.connectPeer(`127.0.0.1:${a.listenPort}`);
  for await (const al of b.alerts({ signal: AbortSignal.timeout(20000) })) if (al.type === 'torrent_finished') break;
  assert.ok(fs.existsSync(path.join(work, 'leech', 'withempty', 'data.bin')));
  assert.ok(fs.existsSync(path.join(work, 'leech', 'withempty', 'empty.txt')), 'empty.txt was not created');
});
