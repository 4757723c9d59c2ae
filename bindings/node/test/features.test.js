'use strict';
// The 0.2 additions: setting types, disk stats, peer info, super seeding, web seeds, fast resume.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { createTorrent, settingType, writeResumeFile, LibbtError } = require('..');
const { tmpdir, loopbackSession, writeFiles } = require('../testutil/helpers');

// Polls (blocking briefly on alerts) until pred() holds.
function until(session, pred, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    session.popAlerts();
    if (pred()) return;
    if (Date.now() > deadline) throw new Error('timed out');
    session.waitForAlert(50);
  }
}

async function untilAsync(sessions, pred, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error('timed out');
    for (const s of sessions) s.popAlerts();
    await new Promise((r) => setTimeout(r, 50));
  }
}

const code = (c) => (e) => e instanceof LibbtError && e.code === c;

test('settingType names each type and getSetting follows it', (t) => {
  assert.equal(settingType('connections_limit'), 'int');
  assert.equal(settingType('enable_lsd'), 'bool');
  assert.equal(settingType('listen_interfaces'), 'string');
  assert.throws(() => settingType('no_such_setting'), code('BT_E_UNKNOWN_SETTING'));
  assert.throws(() => settingType(42), TypeError);
  const s = loopbackSession(t);
  assert.equal(s.getSetting('enable_lsd'), false);
  assert.equal(s.getSetting('enable_incoming_tcp'), true);
  assert.equal(typeof s.getSetting('connections_limit'), 'number');
  assert.equal(typeof s.getSetting('user_agent'), 'string');
});

test('disk stats count a transfer; peers show address, source and flags', async (t) => {
  const work = tmpdir(t);
  const root = writeFiles(path.join(work, 'seed'), 'payload', { 'x.bin': 2 * 1024 * 1024 });
  const torrentData = createTorrent({ path: root, pieceSize: 65536 });
  const a = loopbackSession(t);
  const b = loopbackSession(t, { download_rate_limit: 300000 }); // slow: peers stay to be seen
  const before = b.diskStats();
  assert.equal(before.writeSyscalls, 0);
  assert.equal(typeof before.lockFailed, 'boolean');
  const ta = a.addTorrent({ torrentData, savePath: path.join(work, 'seed') });
  until(a, () => ta.status().state === 'seeding');
  const tb = b.addTorrent({ torrentData, savePath: path.join(work, 'leech') });
  assert.deepEqual(tb.peers(), []);
  tb.connectPeer(`127.0.0.1:${a.listenPort}`);
  await untilAsync([a, b], () => tb.status().totalDownload > 100000 && ta.peers().length === 1);

  const [p] = tb.peers();
  assert.equal(p.endpoint, `127.0.0.1:${a.listenPort}`);
  assert.equal(p.source, 'user');
  assert.equal(p.incoming, false);
  assert.equal(p.seed, true);
  assert.equal(p.interested, true);
  assert.ok(p.totalDownload > 0);
  assert.ok(p.client.startsWith('libbt'));
  const [q] = ta.peers();
  assert.equal(q.source, 'incoming');
  assert.equal(q.incoming, true);
  assert.equal(q.remoteInterested, true);
  assert.ok(q.totalUpload > 0);

  b.applySettings({ download_rate_limit: 0 });
  await untilAsync([a, b], () => tb.status().progress === 1);
  const after = b.diskStats();
  assert.ok(after.writeSyscalls > 0);
  assert.equal(after.piecesFlushed, 32);
  assert.ok(a.diskStats().readSyscalls > 0);
  b.close();
  assert.throws(() => b.diskStats(), code('BT_E_BAD_HANDLE'));
  assert.throws(() => tb.peers(), code('BT_E_BAD_HANDLE'));
});

test('super seeding is set when adding and switched later', (t) => {
  const work = tmpdir(t);
  const root = writeFiles(work, 'payload', { x: 50000 });
  const s = loopbackSession(t);
  const tor = s.addTorrent({ torrentData: createTorrent({ path: root }), savePath: work, superSeeding: true });
  assert.equal(tor.status().superSeeding, true);
  tor.setSuperSeeding(false);
  assert.equal(tor.status().superSeeding, false);
  assert.throws(() => tor.setSuperSeeding(1), TypeError);
});

test('web seeds: add, list, remove, bad input', (t) => {
  const work = tmpdir(t);
  const root = writeFiles(work, 'payload', { x: 50000 });
  const s = loopbackSession(t);
  const tor = s.addTorrent({ torrentData: createTorrent({ path: root }), savePath: work, paused: true });
  assert.deepEqual(tor.webSeeds(), []);
  tor.addWebSeed('http://127.0.0.1:9/a/');
  tor.addWebSeed('http://127.0.0.1:9/seed', { type: 'http' });
  const ws = Object.fromEntries(tor.webSeeds().map((w) => [w.url, w]));
  assert.equal(ws['http://127.0.0.1:9/a/'].type, 'url');
  assert.equal(ws['http://127.0.0.1:9/seed'].type, 'http');
  assert.equal(ws['http://127.0.0.1:9/a/'].banned, false);
  assert.throws(() => tor.addWebSeed('not a url'), code('BT_E_INVALID_ARG'));
  assert.throws(() => tor.addWebSeed('http://127.0.0.1:9/', { type: 'ftp' }), RangeError);
  assert.throws(() => tor.removeWebSeed('http://127.0.0.1:9/never'), code('BT_E_INVALID_ARG'));
  tor.removeWebSeed('http://127.0.0.1:9/a/');
  tor.removeWebSeed('http://127.0.0.1:9/seed');
  assert.deepEqual(tor.webSeeds(), []);
});

test('a web seed added at run time serves the whole download', async (t) => {
  const work = tmpdir(t);
  const www = path.join(work, 'www');
  const root = writeFiles(www, 'payload', { 'a.bin': 300000, 'sub/b.bin': 40001 });
  const server = http.createServer((req, res) => {
    const file = path.join(www, decodeURIComponent(new URL(req.url, 'http://x').pathname));
    if (!file.startsWith(www) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    const data = fs.readFileSync(file);
    const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range || '');
    if (!m) {
      res.writeHead(200, { 'Content-Length': data.length }).end(data);
      return;
    }
    const start = Number(m[1]);
    const end = m[2] ? Number(m[2]) : data.length - 1;
    res.writeHead(206, { 'Content-Range': `bytes ${start}-${end}/${data.length}`, 'Content-Length': end - start + 1 });
    res.end(data.subarray(start, end + 1));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const base = `http://127.0.0.1:${server.address().port}/`;
  const s = loopbackSession(t);
  const tor = s.addTorrent({ torrentData: createTorrent({ path: root, pieceSize: 32768 }), savePath: path.join(work, 'dl') });
  tor.addWebSeed(base);
  await untilAsync([s], () => tor.status().progress === 1);
  for (const rel of ['a.bin', 'sub/b.bin']) {
    assert.ok(fs.readFileSync(path.join(work, 'dl', 'payload', rel)).equals(fs.readFileSync(path.join(root, rel))));
  }
  const [w] = tor.webSeeds();
  assert.ok(w.totalDownload >= 340001);
  server.closeAllConnections?.();
});

test('an unreachable web seed gives a web_seed_error alert', async (t) => {
  const work = tmpdir(t);
  const root = writeFiles(work, 'payload', { x: 50000 });
  const s = loopbackSession(t);
  const tor = s.addTorrent({ torrentData: createTorrent({ path: root }), savePath: path.join(work, 'empty') });
  tor.addWebSeed('http://127.0.0.1:1/');
  for await (const alert of s.alerts({ signal: AbortSignal.timeout(30000) })) {
    if (alert.type === 'web_seed_error') {
      assert.equal(alert.url, 'http://127.0.0.1:1/');
      assert.ok(alert.message.length > 0);
      assert.notEqual(alert.error, null);
      break;
    }
  }
  assert.ok(tor.webSeeds()[0].failures >= 1);
});

test('resume data round trip, written atomically', (t) => {
  const work = tmpdir(t);
  const root = writeFiles(work, 'payload', { x: 200000, 'y/z': 3 });
  const torrentData = createTorrent({ path: root, pieceSize: 16384 });
  const s = loopbackSession(t);
  const tor = s.addTorrent({ torrentData, savePath: work });
  until(s, () => tor.status().state === 'seeding');
  const rd = tor.saveResumeData();
  assert.ok(Buffer.isBuffer(rd) && rd.includes('libtorrent resume file'));
  const file = path.join(work, 't.resume');
  writeResumeFile(file, rd);
  assert.ok(fs.readFileSync(file).equals(rd));
  assert.throws(() => writeResumeFile(path.join(work, 'no', 'dir', 'x'), rd), code('BT_E_IO'));
  assert.throws(() => writeResumeFile(file, 'text'), TypeError);
  s.removeTorrent(tor);
  const t2 = s.addTorrent({ torrentData, savePath: work, resumeData: fs.readFileSync(file) });
  until(s, () => t2.status().state === 'seeding');
  assert.throws(() => t2.saveResumeData.call(undefined), TypeError);
  const mag = s.addTorrent({ magnet: `magnet:?xt=urn:btih:${'ab'.repeat(20)}`, savePath: work, paused: true });
  assert.throws(() => mag.saveResumeData(), code('BT_E_STATE'));
});

test('the DHT: off by default; two nodes announce, find peers and store items', (t) => {
  const off = loopbackSession(t);
  assert.throws(() => off.dhtStats(), code('BT_E_STATE'));
  const a = loopbackSession(t, { enable_dht: true });
  const b = loopbackSession(t, { enable_dht: true, dht_bootstrap_nodes: `127.0.0.1:${a.listenPort}` });
  const deadline = Date.now() + 10000;
  while (b.dhtStats().nodes === 0 && Date.now() < deadline) b.waitForAlert(20);
  const st = b.dhtStats();
  assert.ok(st.nodes >= 1);
  assert.equal(st.nodeId.length, 40);
  const ih = '0123456789abcdef0123456789abcdef01234567';
  b.dhtAnnounce(ih);
  assert.ok(a.dhtGetPeers(ih).includes(`127.0.0.1:${b.listenPort}`));
  const { target, stored } = b.dhtPutImmutable(Buffer.from('5:hello'));
  assert.ok(stored >= 1);
  assert.equal(target, require('node:crypto').createHash('sha1').update('5:hello').digest('hex'));
  assert.equal(b.dhtGetImmutable(target).toString(), '5:hello');
  const put = b.dhtPutMutable({ seed: Buffer.alloc(32, 7), value: Buffer.from('i42e'), seq: 3, salt: Buffer.from('salt') });
  assert.equal(put.publicKey.length, 32);
  const got = b.dhtGetMutable(put.publicKey, { salt: Buffer.from('salt') });
  assert.equal(got.value.toString(), 'i42e');
  assert.equal(got.seq, 3);
  assert.throws(() => b.dhtPutImmutable(Buffer.from('not bencode')), code('BT_E_INVALID_ARG'));
  assert.throws(() => b.dhtAnnounce('xyz'), code('BT_E_INVALID_ARG'));
  assert.throws(() => b.dhtPutMutable({ seed: Buffer.alloc(5), value: Buffer.from('i1e'), seq: 1 }), RangeError);
  assert.throws(() => b.dhtGetPeers(ih, { timeoutMs: -5 }), RangeError);
  assert.ok(a.dhtStats().items >= 2);
});

test('moveStorage moves the files and renameFile renames one inside the save path', (t) => {
  const work = tmpdir(t);
  const root = writeFiles(path.join(work, 'seed'), 'mv', { 'x.bin': 40000, 'sub/y.bin': 5000 });
  const s = loopbackSession(t);
  const tor = s.addTorrent({ torrentData: createTorrent({ path: root }), savePath: path.join(work, 'seed') });
  until(s, () => tor.status().state === 'seeding', 10000);
  const dest = path.join(work, 'moved');
  tor.moveStorage(dest);
  assert.equal(fs.statSync(path.join(dest, 'mv', 'sub', 'y.bin')).size, 5000);
  assert.ok(!fs.existsSync(path.join(root, 'x.bin')));
  const x = tor.files().findIndex((f) => f.path.endsWith('x.bin'));
  tor.renameFile(x, 'mv/renamed.bin');
  assert.equal(fs.statSync(path.join(dest, 'mv', 'renamed.bin')).size, 40000);
  assert.throws(() => tor.renameFile(x, '../escape'), code('BT_E_INVALID_ARG'));
});

test('the queue runs auto-managed downloads in queue order', (t) => {
  const work = tmpdir(t);
  const s = loopbackSession(t, { active_downloads: 1, active_checking: -1 });
  const ts = [];
  for (let i = 0; i < 3; i++) {
    const root = writeFiles(path.join(work, `src${i}`), 'payload', { 'x.bin': 20000 });
    const tor = s.addTorrent({ torrentData: createTorrent({ path: root }), savePath: path.join(work, 'dl'), paused: true });
    assert.equal(tor.autoManaged, false);
    tor.setAutoManaged(true);
    ts.push(tor);
  }
  assert.deepEqual(ts.map((x) => x.queuePosition), [0, 1, 2]);
  assert.ok(ts.every((x) => x.autoManaged));
  const running = () => ts.map((x) => !x.status().paused);
  until(s, () => running().join() === 'true,false,false', 15000);
  ts[0].queuePositionBottom();
  assert.deepEqual(ts.map((x) => x.queuePosition), [2, 0, 1]);
  until(s, () => running().join() === 'false,true,false', 15000);
  ts[0].queuePositionSet(1e6); // past the end: stays last
  ts[2].queuePositionTop();
  ts[1].queuePositionDown();
  ts[1].queuePositionUp();
  assert.deepEqual(ts.map((x) => x.queuePosition), [2, 1, 0]);
  assert.throws(() => ts[0].queuePositionSet(-1), RangeError);
  assert.throws(() => ts[0].setAutoManaged('yes'), TypeError);
  until(s, () => running().join() === 'false,false,true', 15000);
  ts[0].setAutoManaged(false);
  assert.equal(ts[0].autoManaged, false);
});
