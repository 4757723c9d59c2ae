'use strict';
// Process lifetime: what keeps Node alive, what does not, and GC of forgotten sessions.
// Each case runs in a child process so a hang shows up as a timeout, not a stuck suite.
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const pkg = path.resolve(__dirname, '..');

// The addon's RUNPATH names the default build tree; with another one (LIBBT_BUILD_DIR) the
// library is found through LD_LIBRARY_PATH instead.
const defaultLib = path.resolve(pkg, '../../build/lib/libbt.so.0');
const runpathUsable = fs.existsSync(defaultLib);

// Runs a script in a fresh node from a cwd outside the package, without LD_LIBRARY_PATH (when
// the default build tree exists), so the addon must find libbt.so through its own RUNPATH.
function runScript(source, { timeout = 20000, args = [] } = {}) {
  const env = { ...process.env, LIBBT_PKG: pkg };
  if (runpathUsable) delete env.LD_LIBRARY_PATH;
  delete env.NODE_OPTIONS;
  const started = Date.now();
  const r = spawnSync(process.execPath, [...args, '-e', source], { cwd: os.tmpdir(), env, timeout, encoding: 'utf8' });
  return { ...r, ms: Date.now() - started };
}

function assertClean(r, wantOut) {
  assert.equal(r.error, undefined, `child failed to run or timed out: ${r.error}\n${r.stderr}`);
  assert.equal(r.signal, null, `child killed by ${r.signal}\n${r.stderr}`);
  assert.equal(r.status, 0, `child exit ${r.status}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  if (wantOut) assert.equal(r.stdout.trim(), wantOut);
}

test('the addon loads from any cwd through its relative RUNPATH', { skip: !runpathUsable && 'no ../../build/lib' }, () => {
  const r = runScript(`const bt = require(process.env.LIBBT_PKG); console.log(bt.version === '0.4.0' && bt.versionNumber === 400);`);
  assertClean(r, 'true');
});

test('an idle session that is never closed does not keep the process alive', () => {
  const r = runScript(`
    const { Session } = require(process.env.LIBBT_PKG);
    globalThis.keep = new Session({ listen_interfaces: '127.0.0.1:0', alert_mask: 0x7fffffff });
    console.log('started');`);
  assertClean(r, 'started');
  assert.ok(r.ms < 10000, `took ${r.ms} ms`);
});

test('a waiting alert iterator keeps the process alive until close() ends it', () => {
  const r = runScript(`
    const { Session } = require(process.env.LIBBT_PKG);
    const s = new Session({ listen_interfaces: '127.0.0.1:0' });
    s.popAlerts();
    (async () => {
      let n = 0;
      for await (const a of s.alerts()) n++;
      console.log('iterator ended');
    })();
    // The only thing left on the loop is the iterator's ref; an unref'd timer ends it.
    setTimeout(() => s.close(), 300).unref();`);
  assertClean(r, 'iterator ended');
});

test('an alert from a libbt thread wakes an iterator with nothing else on the event loop', () => {
  const r = runScript(`
    const fs = require('node:fs'), os = require('node:os'), path = require('node:path');
    const { Session, createTorrent } = require(process.env.LIBBT_PKG);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'libbt-node-wake-'));
    fs.mkdirSync(path.join(dir, 'd'));
    fs.writeFileSync(path.join(dir, 'd', 'f'), Buffer.alloc(100000, 7));
    const torrentData = createTorrent({ path: path.join(dir, 'd') });
    const a = new Session({ listen_interfaces: '127.0.0.1:0', alert_mask: 0x7fffffff });
    const b = new Session({ listen_interfaces: '127.0.0.1:0', alert_mask: 0x7fffffff });
    a.addTorrent({ torrentData, savePath: dir });
    const t = b.addTorrent({ torrentData, savePath: path.join(dir, 'out') });
    b.popAlerts();
    (async () => {
      for await (const al of b.alerts()) {
        if (al.type === 'torrent_finished') break;
      }
      a.close(); b.close();
      fs.rmSync(dir, { recursive: true, force: true });
      console.log('finished');
    })();
    t.connectPeer('127.0.0.1:' + a.listenPort);`);
  assertClean(r, 'finished');
});

test('a forgotten session is freed by the garbage collector (its port is released)', () => {
  const r = runScript(
    `
    const net = require('node:net');
    const { Session } = require(process.env.LIBBT_PKG);
    function make() { const s = new Session({ listen_interfaces: '127.0.0.1:0' }); return s.listenPort; }
    const port = make();
    const tryListen = () => new Promise((resolve) => {
      const srv = net.createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
    (async () => {
      for (let i = 0; i < 100; i++) {
        globalThis.gc();
        await new Promise((r) => setTimeout(r, 20));
        if (await tryListen()) { console.log('released'); return; }
      }
      console.log('still bound');
    })();`,
    { args: ['--expose-gc'] },
  );
  assertClean(r, 'released');
});

test('many sessions opened and closed in a row leave nothing behind', () => {
  const r = runScript(`
    const { Session } = require(process.env.LIBBT_PKG);
    (async () => {
      for (let i = 0; i < 20; i++) {
        const s = new Session({ listen_interfaces: '127.0.0.1:0', alert_mask: 0x7fffffff });
        const it = s.alerts();
        const p = it.next();
        s.close();
        const r = await p;
        if (!(r.done === true || r.value)) throw new Error('bad iterator result');
      }
      console.log('ok');
    })();`);
  assertClean(r, 'ok');
});

test('a session reachable only from its waiting for-await loop survives garbage collection', () => {
  const r = runScript(
    `
    const fs = require('node:fs'), os = require('node:os'), path = require('node:path');
    const { Session, createTorrent } = require(process.env.LIBBT_PKG);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'libbt-node-gc-'));
    fs.mkdirSync(path.join(dir, 'd'));
    fs.writeFileSync(path.join(dir, 'd', 'f'), Buffer.alloc(300000, 9));
    const torrentData = createTorrent({ path: path.join(dir, 'd') });
    const seed = new Session({ listen_interfaces: '127.0.0.1:0' });
    const st = seed.addTorrent({ torrentData, savePath: dir });
    async function download() {
      const s = new Session({ listen_interfaces: '127.0.0.1:0', alert_mask: 0x7fffffff });
      s.addTorrent({ torrentData, savePath: path.join(dir, 'out') });
      s.popAlerts();
      // The seed connects later, after GC had its chance; nothing but this loop's promise
      // leads to s (the timer holds only the seed's torrent and a port number).
      const port = s.listenPort;
      setTimeout(() => st.connectPeer('127.0.0.1:' + port), 500);
      for await (const a of s.alerts()) if (a.type === 'torrent_finished') break;
      s.close();
    }
    const done = download().then(() => 'finished');
    for (let i = 1; i <= 8; i++) setTimeout(() => globalThis.gc(), 50 * i);
    done.then((v) => { seed.close(); fs.rmSync(dir, { recursive: true, force: true }); console.log(v); });`,
    { args: ['--expose-gc'] },
  );
  assertClean(r, 'finished');
});
