'use strict';
// The addon keeps per-environment state, so worker threads can each run sessions.
const test = require('node:test');
const assert = require('node:assert/strict');
const { Worker } = require('node:worker_threads');
const path = require('node:path');

const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const { Session, LibbtError } = require(workerData.pkg);
(async () => {
  const s = new Session({ listen_interfaces: '127.0.0.1:0', alert_mask: 0x7fffffff });
  let code = null;
  try { s.applySettings({ nope: 1 }); } catch (e) { code = e instanceof LibbtError ? e.code : String(e); }
  const seen = [];
  for await (const a of s.alerts({ signal: AbortSignal.timeout(10000) })) {
    seen.push(a.type);
    if (a.type === 'listen_succeeded') break;
  }
  s.close();
  parentPort.postMessage({ code, seen });
})().catch((e) => parentPort.postMessage({ error: String(e) }));
`;

test('sessions in several worker threads at once get their own alerts and errors', async () => {
  const pkg = path.resolve(__dirname, '..');
  const results = await Promise.all(
    [0, 1, 2].map(
      () =>
        new Promise((resolve, reject) => {
          const w = new Worker(workerSource, { eval: true, workerData: { pkg } });
          w.once('message', resolve);
          w.once('error', reject);
        }),
    ),
  );
  for (const r of results) {
    assert.equal(r.error, undefined);
    assert.equal(r.code, 'BT_E_UNKNOWN_SETTING');
    assert.deepEqual(r.seen, ['listen_succeeded']);
  }
});

test('terminating a worker with an open session and a waiting iterator does not crash', async () => {
  const pkg = path.resolve(__dirname, '..');
  const src = `
    const { parentPort, workerData } = require('node:worker_threads');
    const { Session } = require(workerData.pkg);
    const s = new Session({ listen_interfaces: '127.0.0.1:0', alert_mask: 0x7fffffff });
    s.popAlerts();
    const it = s.alerts();
    it.next();
    parentPort.postMessage(s.listenPort);`;
  for (let i = 0; i < 5; i++) {
    const w = new Worker(src, { eval: true, workerData: { pkg } });
    const port = await new Promise((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
    assert.ok(port > 0);
    assert.equal(await w.terminate(), 1);
  }
});
