'use strict';
// Shared test helpers: temp dirs and sessions that listen on loopback only.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');
const { Session, AlertCategory } = require('..');

function tmpdir(t, prefix = 'libbt-node-') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

// A session on 127.0.0.1 with a free port and every alert category; closed after the test.
function loopbackSession(t, extra = {}) {
  const s = new Session({ listen_interfaces: '127.0.0.1:0', alert_mask: AlertCategory.all, ...extra });
  t.after(() => s.close());
  return s;
}

// Writes files of random bytes under dir/name: { 'a.bin': 1000, 'sub/b.bin': 20000 }.
function writeFiles(dir, name, sizes) {
  const root = path.join(dir, name);
  for (const [rel, size] of Object.entries(sizes)) {
    const p = path.join(root, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, crypto.randomBytes(size));
  }
  return root;
}

module.exports = { tmpdir, loopbackSession, writeFiles };
