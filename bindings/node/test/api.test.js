'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { Session, createTorrent, AlertCategory, LibbtError } = require('..');
const { tmpdir, loopbackSession, writeFiles } = require('../testutil/helpers');

function seedFixture(t, sizes = { 'a.bin': 40000, 'b.bin': 90000 }) {
  const dir = tmpdir(t);
  const root = writeFiles(dir, 'fx', sizes);
  return { dir, root, data: createTorrent({ path: root, pieceSize: 16384 }) };
}

test('waitForAlert blocks until an alert is queued and popAlerts copies it', (t) => {
  const s = loopbackSession(t);
  const { dir, data } = seedFixture(t);
  s.popAlerts();
  assert.equal(s.waitForAlert(0), false);
  const started = Date.now();
  assert.equal(s.waitForAlert(50), false);
  assert.ok(Date.now() - started >= 40);
  const tor = s.addTorrent({ torrentData: data, savePath: dir, paused: true });
  assert.equal(s.waitForAlert(5000), true);
  const alerts = s.popAlerts();
  const added = alerts.find((a) => a.type === 'torrent_added');
  assert.ok(added, alerts.map((a) => a.type).join());
  assert.equal(added.torrent, tor);
  assert.equal(added.infoHash, tor.infoHash);
  assert.equal(added.category & AlertCategory.status, AlertCategory.status);
  assert.deepEqual(Object.keys(added).sort(), ['category', 'infoHash', 'message', 'time', 'torrent', 'type']);
  assert.ok(!s.popAlerts().some((a) => a.type === 'torrent_added'), 'a popped alert is gone from the queue');
});

test('every open iterator sees every alert; break ends one iterator only', async (t) => {
  const s = loopbackSession(t);
  const { dir, data } = seedFixture(t);
  s.popAlerts();
  const it1 = s.alerts();
  const it2 = s.alerts();
  const p1 = it1.next();
  const p2 = it2.next();
  const tor = s.addTorrent({ torrentData: data, savePath: dir, paused: true });
  const [r1, r2] = await Promise.all([p1, p2]);
  assert.equal(r1.done, false);
  assert.equal(r1.value, r2.value, 'both iterators get the same alert object');
  assert.equal(r1.value.torrent, tor);
  assert.deepEqual(await it1.return(), { value: undefined, done: true });
  assert.deepEqual(await it1.next(), { value: undefined, done: true });
  tor.resume();
  let resumed = null;
  for await (const a of it2) {
    if (a.type === 'torrent_resumed') {
      resumed = a;
      break;
    }
  }
  assert.equal(resumed.torrent, tor);
  assert.deepEqual(await it2.next(), { value: undefined, done: true }, 'break closed it2');
});

test('an aborted signal ends the iterator with the abort reason', async (t) => {
  const s = loopbackSession(t);
  s.popAlerts();
  const ac = new AbortController();
  const it = s.alerts({ signal: ac.signal });
  const p = it.next();
  ac.abort(new Error('enough'));
  await assert.rejects(p, /enough/);
  assert.deepEqual(await it.next(), { value: undefined, done: true });
  assert.throws(() => s.alerts({ signal: ac.signal }), /enough/);
});

test('close() ends waiting iterators', async () => {
  const s = new Session({ listen_interfaces: '127.0.0.1:0' });
  s.popAlerts();
  const it = s.alerts();
  const p = it.next();
  s.close();
  assert.deepEqual(await p, { value: undefined, done: true });
});

test('alert_mask set at runtime filters the categories queued', (t) => {
  const s = loopbackSession(t, { alert_mask: AlertCategory.error });
  const { dir, data } = seedFixture(t);
  s.popAlerts();
  const tor = s.addTorrent({ torrentData: data, savePath: dir, paused: true });
  assert.equal(s.waitForAlert(100), false);
  s.applySettings({ alert_mask: AlertCategory.status });
  tor.resume();
  assert.equal(s.waitForAlert(5000), true);
  assert.ok(s.popAlerts().every((a) => (a.category & AlertCategory.status) !== 0));
});

test('torrents can be added from a file and a magnet, listed and found', (t) => {
  const s = loopbackSession(t);
  const { dir, data } = seedFixture(t);
  const file = path.join(dir, 'x.torrent');
  fs.writeFileSync(file, data);
  const t1 = s.addTorrent({ torrentFile: file, savePath: dir, paused: true });
  assert.equal(t1.name, 'fx');
  assert.match(t1.magnet, new RegExp(`^magnet:\\?xt=urn:btih:${t1.infoHash}`, 'i'));
  assert.equal(s.findTorrent(t1.infoHash.toUpperCase()), t1);
  assert.equal(s.findTorrent('0'.repeat(40)), null);
  assert.throws(() => s.findTorrent('xyz'), (e) => e instanceof LibbtError && e.code === 'BT_E_INVALID_ARG');

  const other = seedFixture(t, { 'c.bin': 1000 });
  const ih2 = createTorrentInfoHash(s, other);
  const magnet = `magnet:?xt=urn:btih:${ih2}&dn=named`;
  const t2 = s.addTorrent({ magnet, savePath: dir });
  assert.equal(t2.name, 'named');
  const st = t2.status();
  assert.equal(st.state, 'downloading_metadata');
  assert.equal(st.hasMetadata, false);
  assert.equal(st.totalSize, 0);
  assert.throws(() => t2.files(), (e) => e instanceof LibbtError && e.code === 'BT_E_STATE');
  assert.deepEqual(new Set(s.torrents()), new Set([t1, t2]));
});

// Takes update batches until one is empty (the torrents settled); returns the last status of each.
async function settleUpdates(s) {
  const seen = new Map();
  for (let round = 0; round < 500; round++) {
    const batch = s.torrentUpdates();
    for (const { torrent, status } of batch) seen.set(torrent, status);
    if (batch.length === 0) return seen;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('the torrents never settled');
}

test('torrentUpdates names every torrent first, then only the ones that changed', async (t) => {
  const s = loopbackSession(t);
  const dir = tmpdir(t);
  // More than the addon's first buffer (64): it grows and loses none.
  const torrents = [];
  for (let i = 1; i <= 100; i++) {
    torrents.push(s.addTorrent({ magnet: `magnet:?xt=urn:btih:${i.toString(16).padStart(40, '0')}`, savePath: dir, paused: true }));
  }
  const first = await settleUpdates(s);
  assert.deepEqual(new Set(first.keys()), new Set(torrents));
  assert.ok([...first.values()].every((st) => st.paused));
  assert.equal(first.get(torrents[7]).infoHash, torrents[7].infoHash);
  assert.deepEqual(s.torrentUpdates(), []);

  torrents[42].resume();
  let batch = [];
  for (let round = 0; round < 500 && batch.length === 0; round++) {
    batch = s.torrentUpdates();
    if (batch.length === 0) await new Promise((r) => setTimeout(r, 10));
  }
  assert.equal(batch.length, 1);
  assert.equal(batch[0].torrent, torrents[42]);
  assert.equal(batch[0].status.paused, false);
});

// The info-hash of a fixture's torrent, learned by adding and removing it in a scratch session.
function createTorrentInfoHash(_s, fx) {
  const scratch = new Session({ listen_interfaces: '' });
  try {
    return scratch.addTorrent({ torrentData: fx.data, savePath: fx.dir, paused: true }).infoHash;
  } finally {
    scratch.close();
  }
}

test('pause, resume, priorities, sequential and recheck reach the torrent', (t) => {
  const s = loopbackSession(t);
  const { dir, data } = seedFixture(t);
  const tor = s.addTorrent({ torrentData: data, savePath: dir, paused: true, filePriorities: [4, 0] });
  assert.equal(tor.status().paused, true);
  const st = tor.status();
  // libbt counts wanted bytes by whole pieces (as libtorrent does): file 0 ends inside piece 2.
  assert.ok(st.totalWanted >= 40000 && st.totalWanted <= 3 * 16384, `totalWanted ${st.totalWanted}`);
  tor.setFilePriority(1, 7);
  assert.equal(tor.status().totalWanted, 130000);
  tor.setSequential(true);
  tor.resume();
  assert.equal(tor.status().paused, false);
  tor.pause();
  assert.equal(tor.status().paused, true);
  tor.forceRecheck();
  assert.throws(() => tor.setSequential('yes'), TypeError);
  assert.throws(() => tor.setFilePriority(0, 1.5), RangeError);
});

test('a seed recognises its data after the check and reports it in pieces()', async (t) => {
  const s = loopbackSession(t);
  const { dir, data } = seedFixture(t);
  s.popAlerts();
  const signal = AbortSignal.timeout(20000);
  const tor = s.addTorrent({ torrentData: data, savePath: dir });
  for await (const a of s.alerts({ signal })) {
    if (a.type === 'state_changed' && a.state === 'seeding') break;
  }
  const st = tor.status();
  assert.equal(st.state, 'seeding');
  assert.equal(st.numPieces, Math.ceil(130000 / 16384));
  const bits = tor.pieces();
  assert.ok(Buffer.isBuffer(bits));
  assert.equal(bits.length, Math.ceil(st.numPieces / 8));
  assert.equal(bits[0], 0xff);
  assert.equal(bits[1] >> (8 - (st.numPieces - 8)), (1 << (st.numPieces - 8)) - 1);
});

test('createTorrent takes tiers, web seeds, private, comment and creator', (t) => {
  const { root } = seedFixture(t);
  const data = createTorrent({
    path: root,
    pieceSize: 32768,
    trackers: [['http://127.0.0.1:1/a', 'http://127.0.0.1:1/b'], 'udp://127.0.0.1:2'],
    webSeeds: ['http://127.0.0.1:3/ws/'],
    private: true,
    comment: 'hello',
    creator: 'me',
  });
  const text = data.toString('latin1');
  assert.match(text, /8:announce20:http:\/\/127\.0\.0\.1:1\/a/);
  assert.match(text, /13:announce-listll20:http:\/\/127\.0\.0\.1:1\/a20:http:\/\/127\.0\.0\.1:1\/bel17:udp:\/\/127\.0\.0\.1:2ee/);
  assert.match(text, /8:url-listl22:http:\/\/127\.0\.0\.1:3\/ws\/e/);
  assert.match(text, /7:privatei1e/);
  assert.match(text, /7:comment5:hello/);
  assert.match(text, /10:created by2:me/);
  assert.match(text, /12:piece lengthi32768e/);
});

test('a save path that cannot be written gives file_error, torrent_error and the error state', async (t) => {
  const s = loopbackSession(t);
  const { dir, data } = seedFixture(t);
  const notADir = path.join(dir, 'file-not-dir');
  fs.writeFileSync(notADir, 'x');
  s.popAlerts();
  const tor = s.addTorrent({ torrentData: data, savePath: notADir });
  const seen = [];
  for await (const a of s.alerts({ signal: AbortSignal.timeout(10000) })) {
    seen.push(a);
    if (a.type === 'state_changed' && a.state === 'error') break;
  }
  const fileError = seen.find((a) => a.type === 'file_error');
  assert.ok(fileError, seen.map((a) => a.type).join());
  assert.equal(fileError.error, 'BT_E_IO');
  assert.equal(typeof fileError.path, 'string');
  assert.ok(fileError.path.startsWith(notADir), fileError.path);
  assert.equal(typeof fileError.operation, 'string');
  assert.notEqual(fileError.operation, '');
  assert.equal(fileError.category & AlertCategory.error, AlertCategory.error);
  const torrentError = seen.find((a) => a.type === 'torrent_error');
  assert.equal(torrentError.error, 'BT_E_IO');
  assert.equal(torrentError.torrent, tor);
  const st = tor.status();
  assert.equal(st.state, 'error');
  assert.equal(st.error, 'BT_E_IO');
  assert.match(st.errorMessage, /not a directory/);
});
