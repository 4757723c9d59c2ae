'use strict';
/*
 * libbt for Node: a thin synchronous layer over the N-API addon (src/), which calls libbt's C
 * API (include/libbt.h). Every call is a quick in-process call, so the API is synchronous in the
 * style of better-sqlite3; only alert delivery is asynchronous (Session#alerts()).
 */

const native = require('./build/Release/addon.node');

/** Every failure reported by libbt. `code` is the BT_E_* name, `errno` the negative number. */
class LibbtError extends Error {
  constructor(message, code, errno) {
    super(message);
    this.code = code;
    this.errno = errno;
  }
}
Object.defineProperty(LibbtError.prototype, 'name', { value: 'LibbtError', writable: true, configurable: true });
native.setErrorClass(LibbtError);

const BT_E_BAD_HANDLE = -2;

function closedError() {
  return new LibbtError('libbt: the session is closed', 'BT_E_BAD_HANDLE', BT_E_BAD_HANDLE);
}

/** Alert category bits (bt_alert_category), for the `alert_mask` setting. */
const AlertCategory = Object.freeze({
  error: 0x1,
  status: 0x2,
  peer: 0x4,
  tracker: 0x8,
  storage: 0x10,
  progress: 0x20,
  performance: 0x40,
  dht: 0x80,
  all: 0x7fffffff,
});

// Only Session.addTorrent() and friends make Torrent objects.
const kCreate = Symbol('libbt.Torrent.create');
let torrentHandle; // (Torrent) -> libbt handle, set in Torrent's static block

class Torrent {
  #session;
  #h;
  #infoHash;

  constructor(token, session, handle) {
    if (token !== kCreate) {
      throw new TypeError('Torrent objects come from Session#addTorrent(), #torrents() or #findTorrent()');
    }
    this.#session = session;
    this.#h = handle;
    this.#infoHash = native.torrentStatus(handle).infoHash;
  }

  static {
    torrentHandle = (t) => t.#h;
  }

  /** The session the torrent belongs to. */
  get session() {
    return this.#session;
  }

  /** 40 lowercase hex characters (v1 info-hash). Still readable after the torrent is removed. */
  get infoHash() {
    return this.#infoHash;
  }

  /** The name from the metadata, or the magnet link's dn until metadata arrives. */
  get name() {
    return native.torrentName(this.#h);
  }

  /** A magnet link for the torrent. */
  get magnet() {
    return native.torrentMagnet(this.#h);
  }

  /** A snapshot of the torrent's state and counters (one call into libbt). */
  status() {
    return native.torrentStatus(this.#h);
  }

  /** The piece bitfield in wire order: piece 0 is the high bit of byte 0. */
  pieces() {
    return native.torrentPieces(this.#h);
  }

  /** The files: `{ index, path, size }`, path relative and '/'-separated. Needs metadata. */
  files() {
    return native.torrentFiles(this.#h);
  }

  pause() {
    native.torrentPause(this.#h);
  }

  resume() {
    native.torrentResume(this.#h);
  }

  forceRecheck() {
    native.torrentForceRecheck(this.#h);
  }

  /** Connects to a peer: '1.2.3.4:6881' or '[::1]:6881'. */
  connectPeer(endpoint) {
    native.torrentConnectPeer(this.#h, endpoint);
  }

  /** priority 0 (skip) to 7; 4 is the default. */
  setFilePriority(fileIndex, priority) {
    native.torrentSetFilePriority(this.#h, fileIndex, priority);
  }

  /** Moves the files to a new save directory (cached data is written first). Blocks. */
  moveStorage(savePath) {
    native.torrentMoveStorage(this.#h, savePath);
  }

  /** Gives a file a new '/'-separated path inside the save directory. */
  renameFile(fileIndex, path) {
    native.torrentRenameFile(this.#h, fileIndex, path);
  }

  setSequential(sequential) {
    native.torrentSetSequential(this.#h, sequential);
  }

  /** BEP 16 super seeding; applies to peers connecting later, and only while seeding. */
  setSuperSeeding(on) {
    native.torrentSetSuperSeeding(this.#h, on);
  }

  /** Puts the torrent under the queue (active_downloads, active_seeds, ...), or takes it out. */
  setAutoManaged(on) {
    native.torrentSetAutoManaged(this.#h, on);
  }

  /** Whether the queue starts and pauses this torrent. */
  get autoManaged() {
    return native.torrentAutoManaged(this.#h);
  }

  /** Place in the download queue, 0 first; -1 when finished or seeding. */
  get queuePosition() {
    return native.torrentQueuePosition(this.#h);
  }

  /** Moves to a place in the download queue; past the end means last. */
  queuePositionSet(position) {
    native.torrentQueuePositionSet(this.#h, position);
  }

  queuePositionUp() {
    native.torrentQueuePositionUp(this.#h);
  }

  queuePositionDown() {
    native.torrentQueuePositionDown(this.#h);
  }

  queuePositionTop() {
    native.torrentQueuePositionTop(this.#h);
  }

  queuePositionBottom() {
    native.torrentQueuePositionBottom(this.#h);
  }

  /** The connected peers: `{ endpoint, client, source, flags, incoming, seed, ... }`. */
  peers() {
    return native.torrentPeers(this.#h);
  }

  /** Adds an http(s) web seed; type 'url' (BEP 19, the default) or 'http' (BEP 17). */
  addWebSeed(url, options) {
    native.torrentAddWebSeed(this.#h, url, options?.type);
  }

  /** Stops and forgets the web seed with this URL (BT_E_INVALID_ARG if there is none). */
  removeWebSeed(url) {
    native.torrentRemoveWebSeed(this.#h, url);
  }

  /** The torrent's web seeds, from its metadata and added ones. */
  webSeeds() {
    return native.torrentWebSeeds(this.#h);
  }

  /**
   * The fast-resume data (a Buffer, bencoded) to pass back as addTorrent({ resumeData }).
   * Throws BT_E_STATE without metadata or while the files are being checked.
   */
  saveResumeData() {
    return native.torrentSaveResumeData(this.#h);
  }

  toString() {
    return `Torrent(${this.#infoHash})`;
  }

  [Symbol.for('nodejs.util.inspect.custom')]() {
    return `Torrent { infoHash: '${this.#infoHash}' }`;
  }
}

// Alert wake-ups: the addon calls dispatch(sessionId) on the JS thread when libbt's alert queue
// becomes non-empty. Sessions are found by id through weak references, so a session the user
// forgets to close can still be garbage collected (its addon finalizer frees the libbt session).
const liveSessions = new Map(); // session id -> WeakRef<Session>
// Sessions with an iterator waiting for alerts. A `for await` loop is reachable only through
// the promise it awaits, which the session holds: without this root, a session referenced only
// from such a loop could be collected (and closed) mid-wait.
const waitingSessions = new Set();
const forgotten = new FinalizationRegistry((id) => liveSessions.delete(id));
let notifySession; // (Session) -> void, set in Session's static block

function dispatch(id) {
  const session = liveSessions.get(id)?.deref();
  if (session) notifySession(session);
}

class Session {
  #h;
  #id;
  #closed = false;
  #torrents = new Map(); // libbt handle -> Torrent
  #iterators = new Set(); // open alert iterators
  #waiting = 0; // next() calls waiting for alerts, across iterators

  /** @param settings libbt settings by name, e.g. `{ listen_interfaces: '127.0.0.1:0' }`. */
  constructor(settings) {
    this.#h = native.sessionNew(settings ?? null, dispatch);
    const id = native.sessionId(this.#h);
    this.#id = id;
    liveSessions.set(id, new WeakRef(this));
    forgotten.register(this, id, this);
  }

  static {
    notifySession = (s) => s.#onNotify();
  }

  /** Stops every torrent and frees the session. Safe to call more than once. */
  close() {
    if (this.#closed) return;
    this.#closed = true;
    for (const it of [...this.#iterators]) this.#finish(it, false);
    liveSessions.delete(this.#id);
    forgotten.unregister(this);
    this.#torrents.clear();
    native.sessionClose(this.#h);
  }

  get closed() {
    return this.#closed;
  }

  /** Changes settings; all values are checked before any is applied. */
  applySettings(settings) {
    native.sessionApplySettings(this.#h, settings);
  }

  /** A setting's current value: number, boolean or string. */
  getSetting(name) {
    return native.sessionGetSetting(this.#h, name);
  }

  /** The disk layer's counters (cache hits and misses, syscalls, cache blocks, flushes...). */
  diskStats() {
    return native.sessionDiskStats(this.#h);
  }

  // The DHT (enable_dht; BT_E_STATE while it is off). Lookups block the thread, and with it
  // the event loop, for at most options.timeoutMs (default 10000).

  /** The DHT node's routing table, traffic and store counters. */
  dhtStats() {
    return native.sessionDhtStats(this.#h);
  }

  /** Announces infoHash on options.port (default: the listen port). */
  dhtAnnounce(infoHash, options) {
    native.sessionDhtAnnounce(this.#h, infoHash, options ?? null);
  }

  /** Peers the DHT knows for infoHash: ['1.2.3.4:6881', '[::1]:6881', ...]. */
  dhtGetPeers(infoHash, options) {
    return native.sessionDhtGetPeers(this.#h, infoHash, options ?? null);
  }

  /** Stores a BEP 44 immutable item (one bencoded value); returns { target, stored }. */
  dhtPutImmutable(value, options) {
    return native.sessionDhtPutImmutable(this.#h, value, options ?? null);
  }

  /** The bencoded value stored under target (40 hex); BT_E_NOT_FOUND if no node has it. */
  dhtGetImmutable(target, options) {
    return native.sessionDhtGetImmutable(this.#h, target, options ?? null);
  }

  /** Signs and stores a BEP 44 mutable item: { seed (32 bytes), value, seq, salt? }. */
  dhtPutMutable(params) {
    return native.sessionDhtPutMutable(this.#h, params);
  }

  /** The newest verified item of (publicKey, options.salt): { value, seq }. */
  dhtGetMutable(publicKey, options) {
    return native.sessionDhtGetMutable(this.#h, publicKey, options ?? null);
  }

  /** The TCP port listened on (of the first listen interface), useful with port 0. */
  get listenPort() {
    return native.sessionListenPort(this.#h);
  }

  addTorrent(params) {
    return this.#wrap(native.sessionAddTorrent(this.#h, params));
  }

  removeTorrent(torrent, options) {
    if (!(torrent instanceof Torrent) || torrent.session !== this) {
      throw new TypeError('removeTorrent() wants a Torrent of this session');
    }
    const h = torrentHandle(torrent);
    native.sessionRemoveTorrent(this.#h, h, Boolean(options?.deleteFiles));
    this.#torrents.delete(h);
  }

  torrents() {
    const handles = native.sessionTorrents(this.#h);
    const live = new Set(handles);
    for (const h of this.#torrents.keys()) if (!live.has(h)) this.#torrents.delete(h);
    return handles.map((h) => this.#wrap(h));
  }

  /**
   * The status of every torrent whose status changed since the previous call (the first call:
   * every torrent), in the order they were added: libtorrent's post_torrent_updates as one call.
   * Statuses are the snapshots torrents publish (at most a second old); paused and idle torrents
   * cost nothing, so a UI with thousands of torrents polls this instead of each status(). One
   * consumer per session: two split the changes between them.
   */
  torrentUpdates() {
    const flat = native.sessionTorrentUpdates(this.#h);
    const out = [];
    for (let i = 0; i < flat.length; i += 2) out.push({ torrent: this.#wrap(flat[i]), status: flat[i + 1] });
    return out;
  }

  /** The torrent with this info-hash (40 hex characters), or null. */
  findTorrent(infoHash) {
    const h = native.sessionFindTorrent(this.#h, infoHash);
    return h === null ? null : this.#wrap(h);
  }

  /**
   * Takes every queued alert. Each is a plain object, fully copied (nothing dangles). Alerts
   * taken here are not seen by alerts() iterators, and the other way round: use one style.
   */
  popAlerts() {
    return native.sessionPopAlerts(this.#h).map((a) => this.#cook(a));
  }

  /**
   * Blocks the calling thread - and so Node's event loop - for up to timeoutMs (-1 = forever)
   * until an alert is queued. Returns whether one is. For scripts and tests; servers want alerts().
   */
  waitForAlert(timeoutMs = -1) {
    return native.sessionWaitForAlert(this.#h, timeoutMs);
  }

  /**
   * An async iterator over alerts: `for await (const alert of session.alerts()) { ... }`.
   * Every open iterator sees every alert taken while it is open. It ends when the session closes,
   * on break/return, or when options.signal aborts (then next() rejects with the abort reason).
   * While an iterator waits, the process stays alive; an idle session does not keep it alive.
   */
  alerts(options) {
    if (this.#closed) throw closedError();
    const signal = options?.signal;
    signal?.throwIfAborted();
    const it = { buffer: [], resolvers: [], done: false, signal, onAbort: null };
    this.#iterators.add(it);
    if (signal) {
      it.onAbort = () => this.#finish(it, true, signal.reason);
      signal.addEventListener('abort', it.onAbort, { once: true });
    }
    const session = this;
    return {
      [Symbol.asyncIterator]() {
        return this;
      },
      next() {
        return session.#next(it);
      },
      return() {
        session.#finish(it, true);
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }

  #wrap(h) {
    let t = this.#torrents.get(h);
    if (!t) {
      t = new Torrent(kCreate, this, h);
      this.#torrents.set(h, t);
    }
    return t;
  }

  #cook(a) {
    if (a.torrent !== null) {
      try {
        a.torrent = this.#wrap(a.torrent);
      } catch (e) {
        if (!(e instanceof LibbtError)) throw e;
        a.torrent = null; // removed since the alert was queued
      }
    }
    return a;
  }

  #next(it) {
    if (it.buffer.length > 0) return Promise.resolve({ value: it.buffer.shift(), done: false });
    if (it.done) {
      if (it.error !== undefined) {
        const e = it.error;
        it.error = undefined;
        return Promise.reject(e);
      }
      return Promise.resolve({ value: undefined, done: true });
    }
    if (it.resolvers.length === 0) {
      try {
        this.#pump();
      } catch (e) {
        return Promise.reject(e);
      }
      if (it.buffer.length > 0) return Promise.resolve({ value: it.buffer.shift(), done: false });
    }
    return new Promise((resolve, reject) => {
      it.resolvers.push({ resolve, reject });
      this.#setWaiting(+1);
    });
  }

  // Pops libbt's queue and hands every alert to every open iterator.
  #pump() {
    if (this.#closed || this.#iterators.size === 0) return;
    const batch = this.popAlerts();
    for (const alert of batch) {
      for (const it of this.#iterators) {
        const r = it.resolvers.shift();
        if (r) {
          this.#setWaiting(-1);
          r.resolve({ value: alert, done: false });
        } else {
          it.buffer.push(alert);
        }
      }
    }
  }

  #onNotify() {
    if (this.#closed || this.#waiting === 0) return; // a later next() pops what is queued
    try {
      this.#pump();
    } catch (e) {
      for (const it of [...this.#iterators]) this.#finish(it, false, e);
    }
  }

  // Ends an iterator: waiting next() calls resolve done (or reject with error).
  #finish(it, dropBuffer, error) {
    if (it.done) return;
    it.done = true;
    if (dropBuffer) it.buffer.length = 0;
    this.#iterators.delete(it);
    if (it.onAbort) it.signal.removeEventListener('abort', it.onAbort);
    const resolvers = it.resolvers.splice(0);
    if (resolvers.length > 0) this.#setWaiting(-resolvers.length);
    if (error !== undefined && resolvers.length === 0) it.error = error; // for the next next()
    for (const r of resolvers) {
      if (error !== undefined) r.reject(error);
      else r.resolve({ value: undefined, done: true });
    }
  }

  #setWaiting(delta) {
    const before = this.#waiting;
    this.#waiting += delta;
    if (before === 0 && this.#waiting > 0) {
      waitingSessions.add(this);
      if (!this.#closed) native.sessionAlertsRef(this.#h, true);
    } else if (before > 0 && this.#waiting === 0) {
      waitingSessions.delete(this);
      if (!this.#closed) native.sessionAlertsRef(this.#h, false);
    }
  }

  toString() {
    return this.#closed ? 'Session(closed)' : 'Session';
  }
}

if (typeof Symbol.dispose === 'symbol') {
  Session.prototype[Symbol.dispose] = Session.prototype.close;
}

/**
 * Hashes a file or directory and returns the .torrent bytes. Synchronous: hashing runs on
 * libbt's threads in parallel, but this call waits for it.
 */
function createTorrent(options) {
  return native.createTorrent(options);
}

/** The type of a libbt setting: 'int', 'bool' or 'string' (BT_E_UNKNOWN_SETTING if none). */
function settingType(name) {
  return native.settingType(name);
}

/**
 * Writes resume data to path atomically (temporary file in the same directory, fsync,
 * rename): a crash leaves the old file or the new one, never a torn one.
 */
function writeResumeFile(path, data) {
  native.writeResumeFile(path, data);
}

/** libbt's name and static description of a BT_E_* number: { code: 'BT_E_LIMIT', description }. */
function strerror(errno) {
  return native.strerror(errno);
}

module.exports = {
  Session,
  Torrent,
  LibbtError,
  AlertCategory,
  createTorrent,
  settingType,
  strerror,
  writeResumeFile,
  /** libbt's runtime version, e.g. '0.4.0'. */
  version: native.version,
  /** MAJOR * 10000 + MINOR * 100 + PATCH of the loaded library. */
  versionNumber: native.versionNumber,
};
