'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { Session, LibbtError, createTorrent } = require('..');
const { tmpdir, loopbackSession, writeFiles } = require('../testutil/helpers');

function assertLibbtError(fn, code, messagePattern) {
  let caught;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof LibbtError, `expected a LibbtError, got ${caught}`);
  assert.ok(caught instanceof Error);
  assert.equal(caught.name, 'LibbtError');
  assert.equal(caught.code, code);
  assert.equal(typeof caught.errno, 'number');
  assert.ok(caught.errno < 0);
  if (messagePattern) assert.match(caught.message, messagePattern);
  return caught;
}

test('an unknown setting name throws BT_E_UNKNOWN_SETTING naming the setting', (t) => {
  const e = assertLibbtError(() => new Session({ no_such_setting: 1 }), 'BT_E_UNKNOWN_SETTING', /no_such_setting/);
  assert.equal(e.errno, -7);
  const s = loopbackSession(t);
  assertLibbtError(() => s.applySettings({ no_such_setting: true }), 'BT_E_UNKNOWN_SETTING', /no_such_setting/);
  assertLibbtError(() => s.getSetting('no_such_setting'), 'BT_E_UNKNOWN_SETTING', /no_such_setting/);
});

test('a value of the wrong type or out of range throws BT_E_SETTING_TYPE', (t) => {
  const e = assertLibbtError(() => new Session({ connections_limit: 'many' }), 'BT_E_SETTING_TYPE', /connections_limit/);
  assert.equal(e.errno, -8);
  const s = loopbackSession(t);
  assertLibbtError(() => s.applySettings({ enable_incoming_tcp: 1 }), 'BT_E_SETTING_TYPE', /enable_incoming_tcp/);
  assertLibbtError(() => s.applySettings({ connections_limit: 1.5 }), 'BT_E_SETTING_TYPE', /not an integer/);
  assertLibbtError(() => s.applySettings({ connections_limit: 0 }), 'BT_E_SETTING_TYPE', /connections_limit/);
  assertLibbtError(() => s.applySettings({ user_agent: {} }), 'BT_E_SETTING_TYPE', /user_agent/);
});

test('applySettings validates every value before applying any', (t) => {
  const s = loopbackSession(t);
  assertLibbtError(() => s.applySettings({ connections_limit: 77, bogus: 1 }), 'BT_E_UNKNOWN_SETTING');
  assert.equal(s.getSetting('connections_limit'), 200);
  s.applySettings({ connections_limit: 77, user_agent: 'test/1', enable_outgoing_tcp: true, upload_rate_limit: undefined });
  assert.equal(s.getSetting('connections_limit'), 77);
  assert.equal(s.getSetting('user_agent'), 'test/1');
});

test('getSetting returns numbers, booleans and strings by the setting type', (t) => {
  const s = loopbackSession(t, { download_rate_limit: 12345n, enable_incoming_tcp: false });
  assert.equal(s.getSetting('download_rate_limit'), 12345);
  assert.equal(s.getSetting('enable_incoming_tcp'), false);
  assert.equal(s.getSetting('enable_outgoing_tcp'), true);
  assert.equal(s.getSetting('enable_dht'), false);
  assert.equal(s.getSetting('listen_interfaces'), '127.0.0.1:0');
  assert.equal(typeof s.listenPort, 'number');
});

test('corrupt torrent bytes throw BT_E_PARSE with the parser message', (t) => {
  const s = loopbackSession(t);
  const dir = tmpdir(t);
  const e = assertLibbtError(
    () => s.addTorrent({ torrentData: Buffer.from('d4:infod6:lengthi-5eee'), savePath: dir }),
    'BT_E_PARSE',
  );
  assert.equal(e.errno, -3);
  assert.ok(e.message.length > 'bt_session_add_torrent'.length, e.message);
  assertLibbtError(() => s.addTorrent({ torrentData: new Uint8Array([0x64, 0x31]), savePath: dir }), 'BT_E_PARSE');
  assertLibbtError(() => s.addTorrent({ magnet: 'magnet:?xt=urn:btih:nothex', savePath: dir }), 'BT_E_PARSE');
});

test('bad addTorrent arguments throw BT_E_INVALID_ARG or TypeError', (t) => {
  const s = loopbackSession(t);
  const dir = tmpdir(t);
  const root = writeFiles(dir, 'x', { 'f.bin': 100 });
  const data = createTorrent({ path: root });
  assertLibbtError(() => s.addTorrent({ torrentData: data }), 'BT_E_INVALID_ARG', /save_path/);
  assertLibbtError(() => s.addTorrent({ savePath: dir }), 'BT_E_INVALID_ARG');
  assert.throws(() => s.addTorrent({ torrentData: 'not bytes', savePath: dir }), TypeError);
  assert.throws(() => s.addTorrent({ torrentData: data, savePath: 'a\0b' }), TypeError);
  assert.throws(() => s.addTorrent(), TypeError);
  const tor = s.addTorrent({ torrentData: data, savePath: dir, paused: true });
  assertLibbtError(() => s.addTorrent({ torrentData: data, savePath: dir }), 'BT_E_EXISTS');
  assertLibbtError(() => tor.connectPeer('not an endpoint'), 'BT_E_INVALID_ARG');
  assertLibbtError(() => tor.setFilePriority(5, 4), 'BT_E_INVALID_ARG');
});

test('a removed torrent is stale: its methods throw BT_E_BAD_HANDLE', (t) => {
  const s = loopbackSession(t);
  const dir = tmpdir(t);
  const root = writeFiles(dir, 'stale', { 'f.bin': 5000 });
  const tor = s.addTorrent({ torrentData: createTorrent({ path: root }), savePath: dir, paused: true });
  const ih = tor.infoHash;
  assert.equal(s.findTorrent(ih), tor);
  s.removeTorrent(tor);
  assert.equal(s.findTorrent(ih), null);
  assert.deepEqual(s.torrents(), []);
  assert.equal(tor.infoHash, ih, 'the info-hash stays readable');
  const e = assertLibbtError(() => tor.status(), 'BT_E_BAD_HANDLE');
  assert.equal(e.errno, -2);
  assertLibbtError(() => tor.name, 'BT_E_BAD_HANDLE');
  assertLibbtError(() => tor.pieces(), 'BT_E_BAD_HANDLE');
  assertLibbtError(() => tor.pause(), 'BT_E_BAD_HANDLE');
  assertLibbtError(() => tor.connectPeer('127.0.0.1:1'), 'BT_E_BAD_HANDLE');
  assertLibbtError(() => s.removeTorrent(tor), 'BT_E_BAD_HANDLE');
});

test('a closed session throws BT_E_BAD_HANDLE, close is idempotent, its torrents go stale', (t) => {
  const dir = tmpdir(t);
  const root = writeFiles(dir, 'closed', { 'f.bin': 5000 });
  const s = new Session({ listen_interfaces: '127.0.0.1:0' });
  const tor = s.addTorrent({ torrentData: createTorrent({ path: root }), savePath: dir, paused: true });
  s.close();
  s.close();
  assert.equal(s.closed, true);
  assertLibbtError(() => s.listenPort, 'BT_E_BAD_HANDLE', /closed/);
  assertLibbtError(() => s.popAlerts(), 'BT_E_BAD_HANDLE');
  assertLibbtError(() => s.torrents(), 'BT_E_BAD_HANDLE');
  assertLibbtError(() => s.applySettings({ connections_limit: 5 }), 'BT_E_BAD_HANDLE');
  assertLibbtError(() => s.alerts(), 'BT_E_BAD_HANDLE');
  assertLibbtError(() => tor.status(), 'BT_E_BAD_HANDLE');
});

test('a torrent cannot be removed through another session', (t) => {
  const a = loopbackSession(t);
  const b = loopbackSession(t);
  const dir = tmpdir(t);
  const root = writeFiles(dir, 'other', { 'f.bin': 100 });
  const tor = a.addTorrent({ torrentData: createTorrent({ path: root }), savePath: dir, paused: true });
  assert.throws(() => b.removeTorrent(tor), TypeError);
  assert.throws(() => b.removeTorrent({}), TypeError);
});

test('createTorrent reports a missing path', (t) => {
  const dir = tmpdir(t);
  assertLibbtError(() => createTorrent({ path: path.join(dir, 'missing') }), 'BT_E_IO');
  assert.throws(() => createTorrent({ path: dir, trackers: 'http://x' }), TypeError);
});

test('Torrent objects cannot be constructed directly', () => {
  const { Torrent } = require('..');
  assert.throws(() => new Torrent(), TypeError);
});

test('BT_E_VERSION and BT_E_LIMIT have names and descriptions', () => {
  const { strerror } = require('..');
  assert.deepEqual(strerror(-13).code, 'BT_E_VERSION');
  assert.match(strerror(-13).description, /version/);
  assert.deepEqual(strerror(-14), { code: 'BT_E_LIMIT', description: 'a limit was exceeded' });
  assert.equal(strerror(-99).code, 'BT_E_INTERNAL');
  assert.equal(strerror(-15).code, 'BT_E_UNKNOWN');
});
