// Type definitions for libbt's Node binding (bindings/node). See README.md and include/libbt.h.
/// <reference types="node" />

/** A BT_E_* error code name. */
export type ErrorCode =
  | 'BT_E_INVALID_ARG'
  | 'BT_E_BAD_HANDLE'
  | 'BT_E_PARSE'
  | 'BT_E_NOT_FOUND'
  | 'BT_E_EXISTS'
  | 'BT_E_IO'
  | 'BT_E_UNKNOWN_SETTING'
  | 'BT_E_SETTING_TYPE'
  | 'BT_E_STATE'
  | 'BT_E_TIMEOUT'
  | 'BT_E_BUFFER_TOO_SMALL'
  | 'BT_E_NETWORK'
  /** A struct version libbt does not know: the addon and the library do not match. */
  | 'BT_E_VERSION'
  /** A limit was exceeded; the message names the limit and the value. */
  | 'BT_E_LIMIT'
  | 'BT_E_INTERNAL'
  | 'BT_E_UNKNOWN';

/** Thrown by every call that libbt rejects. The message is libbt's (bt_last_error()). */
export class LibbtError extends Error {
  private constructor(message: string, code: ErrorCode, errno: number);
  readonly name: 'LibbtError';
  /** e.g. 'BT_E_PARSE' */
  readonly code: ErrorCode;
  /** The negative BT_E_* number, e.g. -3. */
  readonly errno: number;
}

/** Alert category bits, for the `alert_mask` setting and `Alert.category`. */
export const AlertCategory: Readonly<{
  error: 0x1;
  status: 0x2;
  peer: 0x4;
  tracker: 0x8;
  storage: 0x10;
  progress: 0x20;
  performance: 0x40;
  dht: 0x80;
  all: 0x7fffffff;
}>;

/** libbt's runtime version, e.g. '0.2.0'. */
export const version: string;
/** MAJOR * 10000 + MINOR * 100 + PATCH. */
export const versionNumber: number;

/**
 * Settings by libbt's (libtorrent's) names. Integers may be numbers or bigints. Unknown names
 * throw BT_E_UNKNOWN_SETTING; a value of the wrong type or out of range throws BT_E_SETTING_TYPE.
 */
export interface Settings {
  /** "127.0.0.1:6881,[::1]:6881"; port 0 picks a free port; "" listens nowhere. */
  listen_interfaces?: string;
  connections_limit?: number;
  /** -1 = unlimited */
  unchoke_slots_limit?: number;
  /** bytes/s, 0 = unlimited */
  download_rate_limit?: number | bigint;
  upload_rate_limit?: number | bigint;
  /** AlertCategory bits; the default is error | status | tracker | storage. */
  alert_mask?: number;
  alert_queue_size?: number;
  request_queue_time?: number;
  max_out_request_queue?: number;
  peer_timeout?: number;
  /** s without a block while requests are out before they time out (block_timeout); default 20. */
  piece_timeout?: number;
  /** s, upper bound of the per-peer adaptive request timeout (at least 2 s); default 60. */
  request_timeout?: number;
  /** Requests a peer may queue with us; more are rejected (BEP 6) or dropped; default 2000. */
  max_allowed_in_request_queue?: number;
  /** A peer's send-buffer target: upload rate x send_buffer_watermark_factor % within
   * [send_buffer_low_watermark, send_buffer_watermark] bytes (defaults 50, 10 KiB, 500 KiB);
   * disk reads for the peer wait while it is above. */
  send_buffer_low_watermark?: number;
  send_buffer_watermark?: number;
  send_buffer_watermark_factor?: number;
  handshake_timeout?: number;
  peer_connect_timeout?: number;
  aio_threads?: number;
  max_queued_disk_bytes?: number | bigint;
  /** Largest info dictionary fetched for a magnet link (ut_metadata); default 30 MiB as libtorrent. */
  max_metadata_size?: number;
  /** Block cache budget in 16 KiB blocks (libtorrent's unit); default 4096 = 64 MiB. */
  cache_size?: number;
  /** mlock the cache (default true); a refusal falls back with a performance alert. */
  lock_disk_cache?: boolean;
  /** 0 keeps written data in the OS page cache; 2 (default) uncached writes; 3 also fsync. */
  disk_io_write_mode?: number;
  /** fsync after every flush. */
  disk_write_through?: boolean;
  /** Bytes per write call when a piece is flushed; 0 (default) = the whole piece in one. */
  disk_max_write_size?: number | bigint;
  /** Files kept open across all torrents (least recently used closed first); default 40. */
  file_pool_size?: number;
  /** Allocate files in full when created (else sparse). */
  full_allocation?: boolean;
  user_agent?: string;
  peer_fingerprint?: string;
  enable_incoming_tcp?: boolean;
  enable_outgoing_tcp?: boolean;
  enable_dht?: boolean;
  enable_lsd?: boolean;
  enable_upnp?: boolean;
  enable_natpmp?: boolean;
  tracker_udp_timeout_ms?: number;
  tracker_completion_timeout?: number;
  /** Protocol encryption (MSE/PE), libtorrent's numbers: 0 forced, 1 enabled, 2 disabled. */
  out_enc_policy?: number;
  in_enc_policy?: number;
  /** 1 plaintext, 2 RC4, 3 both */
  allowed_enc_level?: number;
  prefer_rc4?: boolean;
  /** DHT (BEP 5): "host:port,..." nodes to bootstrap from; "" contacts nobody. */
  dht_bootstrap_nodes?: string;
  /** File the DHT node id and nodes are loaded from at start and saved to on close. */
  dht_state_file?: string;
  /** BEP 43: query the DHT without answering queries. */
  dht_read_only?: boolean;
  /** BEP 42: ignore nodes whose id does not match their address. */
  dht_enforce_node_id?: boolean;
  /** s; the floor on a tracker's announce interval; default 300. */
  min_announce_interval?: number;
  /** %; retry delay after the nth failure is 5 s + 5 s x tracker_backoff/100 x n^2, at most 1 h; default 250. */
  tracker_backoff?: number;
  /** Load limits (libtorrent's load_torrent_limits), for .torrent files and for info
   * dictionaries from peers: bytes of a .torrent (10 MB), nesting (100), bencode tokens
   * (3,000,000), pieces (2^21), path elements of a file (100), names tried while renaming
   * clashing files (500). Past one, loading fails naming it. */
  max_buffer_size?: number;
  max_decode_depth?: number;
  max_decode_tokens?: number;
  max_pieces?: number;
  max_directory_depth?: number;
  max_duplicate_filenames?: number;
  /** Queueing (libtorrent's names and defaults) of auto-managed torrents: how many run at once
   * downloading (3), seeding (5), checking (1) and in all (500); -1 is unlimited. */
  active_downloads?: number;
  active_seeds?: number;
  active_checking?: number;
  active_limit?: number;
  /** Running auto-managed torrents that announce to the DHT (88), trackers (1600), LSD (60). */
  active_dht_limit?: number;
  active_tracker_limit?: number;
  active_lsd_limit?: number;
  /** Torrents slower than inactive_down_rate / inactive_up_rate bytes/s (2048) take no
   * active_downloads / active_seeds slot (default true). */
  dont_count_slow_torrents?: boolean;
  inactive_down_rate?: number;
  inactive_up_rate?: number;
  /** s a torrent's rate must stay on one side of the inactive rates to change (60). */
  auto_manage_startup?: number;
  /** s between passes of the auto-manager (30). */
  auto_manage_interval?: number;
  /** Seeds take active_limit slots before downloads (default false). */
  auto_manage_prefer_seeds?: boolean;
  /** A seed has met its goal at an upload/download ratio of share_ratio_limit % (200), a
   * seeding/downloading time ratio of seed_time_ratio_limit % (700), or after seed_time_limit
   * s of seeding (86400); such seeds rank last for active_seeds slots. */
  share_ratio_limit?: number;
  seed_time_ratio_limit?: number;
  seed_time_limit?: number;
  /** A peer connecting to a queued torrent starts it (default false). */
  incoming_starts_queued_torrents?: boolean;
  [name: string]: number | bigint | boolean | string | undefined;
}

export type TorrentState =
  | 'checking_files'
  | 'downloading_metadata'
  | 'downloading'
  | 'finished'
  | 'seeding'
  | 'error'
  | 'unknown';

export interface AddTorrentParams {
  /** Directory the torrent's files are saved under (required). */
  savePath: string;
  /** Exactly one of torrentFile, torrentData, magnet. */
  torrentFile?: string;
  torrentData?: Buffer | Uint8Array | ArrayBuffer | DataView;
  magnet?: string;
  paused?: boolean;
  sequential?: boolean;
  /** Per file, 0 (skip) to 7; default 4 for every file. */
  filePriorities?: number[] | Uint8Array;
  /** BEP 16 super seeding once the torrent is a seed. */
  superSeeding?: boolean;
  /**
   * From Torrent#saveResumeData(): files unchanged since are not rechecked. Data that does not
   * fit the torrent is ignored (the files are then checked in full).
   */
  resumeData?: Buffer | Uint8Array | ArrayBuffer | DataView;
}

export interface RemoveTorrentOptions {
  /** Also delete the downloaded files. */
  deleteFiles?: boolean;
}

export interface TorrentStatus {
  state: TorrentState;
  paused: boolean;
  hasMetadata: boolean;
  /** BT_E_* code when state is 'error', else null. */
  error: ErrorCode | null;
  /** The error's message, '' when none. */
  errorMessage: string;
  /** 0..1 of the wanted bytes; while checking files, of the check. */
  progress: number;
  /** Bytes in the torrent (0 without metadata). */
  totalSize: number;
  /** Bytes not skipped by priority 0, counted in whole pieces. */
  totalWanted: number;
  totalWantedDone: number;
  /** Verified bytes. */
  totalDone: number;
  /** Payload bytes received / sent this session. */
  totalDownload: number;
  totalUpload: number;
  /** Payload bytes per second. */
  downloadRate: number;
  uploadRate: number;
  numPeers: number;
  numSeeds: number;
  numPieces: number;
  piecesDone: number;
  pieceLength: number;
  infoHash: string;
  /** Super seeding is switched on (it acts once the torrent seeds). */
  superSeeding: boolean;
}

/** One entry of Session#torrentUpdates(). */
export interface TorrentUpdate {
  torrent: Torrent;
  status: TorrentStatus;
}

/** Default timeoutMs 10000; -1 leaves it to libbt's own limits. */
export interface DhtOptions {
  timeoutMs?: number;
}

export interface DhtStats {
  nodeId: string;
  nodes: number;
  nodes4: number;
  nodes6: number;
  good4: number;
  good6: number;
  lookupsInFlight: number;
  queriesInFlight: number;
  packetsIn: number;
  packetsOut: number;
  bytesIn: number;
  bytesOut: number;
  malformed: number;
  dropped: number;
  rateLimited: number;
  trimmed: number;
  queriesIn: number;
  responsesIn: number;
  timeouts: number;
  infoHashes: number;
  peers: number;
  items: number;
}

/** How a peer was learned of. */
export type PeerSource = 'unknown' | 'tracker' | 'dht' | 'pex' | 'lsd' | 'user' | 'incoming' | 'webSeed';

/** One connected peer. */
export interface PeerInfo {
  /** '1.2.3.4:6881' or '[::1]:6881' */
  endpoint: string;
  /** From its extended handshake, '' if unknown. */
  client: string;
  source: PeerSource;
  /** BT_PEER_* bits, also spelled out below. */
  flags: number;
  /** It connected to us. */
  incoming: boolean;
  /** It has every piece. */
  seed: boolean;
  /** The connection is encrypted (MSE/PE). */
  encrypted: boolean;
  /** We choke it. */
  choked: boolean;
  /** We are interested in it. */
  interested: boolean;
  /** It chokes us. */
  remoteChoked: boolean;
  /** It is interested in us. */
  remoteInterested: boolean;
  snubbed: boolean;
  /** 0..1 of the pieces it has. */
  progress: number;
  /** Payload bytes/s from and to it. */
  downloadRate: number;
  uploadRate: number;
  /** Payload bytes from and to it on this connection. */
  totalDownload: number;
  totalUpload: number;
}

/** 'url': BEP 19 (GetRight-style, url-list); 'http': BEP 17 (Hoffman-style, httpseeds). */
export type WebSeedType = 'url' | 'http';

export interface WebSeedInfo {
  url: string;
  type: WebSeedType;
  /** Requests in flight. */
  requests: number;
  /** Payload bytes received from it. */
  totalDownload: number;
  downloadRate: number;
  /** Failures since its last success. */
  failures: number;
  /** Sent too many pieces that failed the hash check. */
  banned: boolean;
  /** > 0 while backed off. */
  retryInMs: number;
  /** Its latest failure, '' after a success. */
  error: string;
}

/** The disk layer's counters (counters only grow; the gauges from writeBlocks on are current). */
export interface DiskStats {
  readHits: number;
  readMisses: number;
  readSyscalls: number;
  writeSyscalls: number;
  readBytes: number;
  writeBytes: number;
  piecesFlushed: number;
  piecesFailed: number;
  hashReadBacks: number;
  readBackBlocks: number;
  writeThroughs: number;
  flushesComplete: number;
  flushesBudget: number;
  flushesClose: number;
  writeBlocks: number;
  readBlocks: number;
  cacheBlocks: number;
  queuedWriteBytes: number;
  mappedBytes: number;
  lockedBytes: number;
  lockFailed: boolean;
}

export interface TorrentFile {
  index: number;
  /** Relative to the save path, '/'-separated, starting with the torrent's name for multi-file torrents. */
  path: string;
  size: number;
}

export class Torrent {
  private constructor();
  /** The session the torrent belongs to. */
  readonly session: Session;
  /** 40 lowercase hex characters; still readable after removal. */
  readonly infoHash: string;
  /** From the metadata, or the magnet's dn until metadata arrives. */
  readonly name: string;
  /** A magnet link for the torrent. */
  readonly magnet: string;
  status(): TorrentStatus;
  /** Wire-order bitfield: piece 0 is the high bit of byte 0. */
  pieces(): Buffer;
  /** Throws BT_E_STATE without metadata. */
  files(): TorrentFile[];
  pause(): void;
  resume(): void;
  forceRecheck(): void;
  /** '1.2.3.4:6881' or '[::1]:6881' */
  connectPeer(endpoint: string): void;
  /** priority 0 (skip) to 7 */
  setFilePriority(fileIndex: number, priority: number): void;
  setSequential(sequential: boolean): void;
  /** Moves the files to a new save directory (cached data is written first). Blocks. */
  moveStorage(savePath: string): void;
  /** Gives a file a new '/'-separated path inside the save directory. */
  renameFile(fileIndex: number, path: string): void;
  /** BEP 16; applies to peers connecting later, and only while seeding. */
  setSuperSeeding(on: boolean): void;
  /** Puts the torrent under the queue (active_downloads, active_seeds, ...), or takes it out. */
  setAutoManaged(on: boolean): void;
  /** Whether the queue starts and pauses this torrent. */
  readonly autoManaged: boolean;
  /** Place in the download queue, 0 first; -1 when finished or seeding. */
  readonly queuePosition: number;
  /** Moves to a place in the download queue; a place past the end means the last. */
  queuePositionSet(position: number): void;
  queuePositionUp(): void;
  queuePositionDown(): void;
  queuePositionTop(): void;
  queuePositionBottom(): void;
  peers(): PeerInfo[];
  addWebSeed(url: string, options?: { type?: WebSeedType }): void;
  /** Throws BT_E_INVALID_ARG if there is no web seed with this URL. */
  removeWebSeed(url: string): void;
  webSeeds(): WebSeedInfo[];
  /** Throws BT_E_STATE without metadata or while checking files. */
  saveResumeData(): Buffer;
}

export type AlertType =
  | 'torrent_added'
  | 'torrent_removed'
  | 'state_changed'
  | 'torrent_finished'
  | 'torrent_paused'
  | 'torrent_resumed'
  | 'torrent_checked'
  | 'torrent_error'
  | 'file_error'
  | 'piece_finished'
  | 'hash_failed'
  | 'tracker_announce'
  | 'tracker_reply'
  | 'tracker_error'
  | 'tracker_warning'
  | 'peer_connected'
  | 'peer_disconnected'
  | 'peer_error'
  | 'listen_succeeded'
  | 'listen_failed'
  | 'metadata_received'
  | 'metadata_failed'
  | 'alerts_dropped'
  | 'performance'
  | 'web_seed_error'
  | 'dht_reply'
  | 'fastresume_rejected'
  | 'torrent_sanitized'
  | 'peer_banned'
  | 'session_error'
  | 'block_timeout'
  | 'add_torrent_failed';

/** Fields every alert has. Alerts are plain objects, fully copied: keep them as long as you like. */
interface AlertBase<T extends string> {
  type: T;
  /** AlertCategory bits. */
  category: number;
  /** Milliseconds since the epoch (fractional: libbt stamps microseconds), like Date.now(). */
  time: number;
  /** null when the alert is not about a torrent, or the torrent is gone. */
  torrent: Torrent | null;
  /** '' when the alert is not about a torrent. */
  infoHash: string;
  message: string;
}

export type StateChangedAlert = AlertBase<'state_changed'> & { state: TorrentState; prevState: TorrentState };
export type TorrentErrorAlert = AlertBase<'torrent_error'> & { error: ErrorCode | null };
export type FileErrorAlert = AlertBase<'file_error'> & {
  error: ErrorCode | null;
  path: string;
  /** "open", "read", "write", ... */
  operation: string;
};
export type PieceAlert = AlertBase<'piece_finished' | 'hash_failed'> & { piece: number };
export type TrackerAnnounceAlert = AlertBase<'tracker_announce'> & {
  url: string;
  /** The announce event. */
  operation: string;
};
export type TrackerReplyAlert = AlertBase<'tracker_reply'> & { url: string; /** peers received */ count: number };
export type TrackerErrorAlert = AlertBase<'tracker_error'> & { url: string; error: ErrorCode | null };
export type TrackerWarningAlert = AlertBase<'tracker_warning'> & { url: string };
export type EndpointAlert = AlertBase<
  'peer_connected' | 'peer_disconnected' | 'listen_succeeded' | 'metadata_failed'
> & { endpoint: string };
export type EndpointErrorAlert = AlertBase<'peer_error' | 'listen_failed'> & {
  endpoint: string;
  error: ErrorCode | null;
};
/** A web seed failed and is backed off or banned; the download goes on from others. */
export type WebSeedErrorAlert = AlertBase<'web_seed_error'> & { url: string; error: ErrorCode | null };
/** A DHT announce for the torrent found `count` peers. */
export type DhtReplyAlert = AlertBase<'dht_reply'> & { count: number };
/** error/message: the resume data was not used (why) and every piece is checked instead;
 * a session-wide failure the session survived; a torrent that could not be added. */
export type ErrorOnlyAlert = AlertBase<'fastresume_rejected' | 'session_error' | 'add_torrent_failed'> & {
  error: ErrorCode | null;
};
/** The peer sent data that failed the hash check; its IP is refused from now on (message: why). */
export type PeerBannedAlert = AlertBase<'peer_banned'> & { endpoint: string };
/** A block of `piece` requested from `endpoint` did not arrive in time and is asked for again. */
export type BlockTimeoutAlert = AlertBase<'block_timeout'> & { endpoint: string; piece: number };
export type AlertsDroppedAlert = AlertBase<'alerts_dropped'> & { /** alerts dropped */ count: number };
export type PlainAlert = AlertBase<
  | 'torrent_added'
  | 'torrent_removed'
  | 'torrent_finished'
  | 'torrent_paused'
  | 'torrent_resumed'
  | 'torrent_checked'
  | 'metadata_received'
  | 'performance'
  /** message: what loading the torrent changed (paths renamed, unsorted keys, ...) */
  | 'torrent_sanitized'
>;
/** An alert of a type this binding does not know yet: every typed field is present. */
export type UnknownAlert = AlertBase<'unknown'> & {
  state: TorrentState;
  prevState: TorrentState;
  error: ErrorCode | null;
  piece: number;
  count: number;
  endpoint: string;
  url: string;
  path: string;
  operation: string;
};

/** Discriminated on `type`. */
export type Alert =
  | PlainAlert
  | StateChangedAlert
  | TorrentErrorAlert
  | FileErrorAlert
  | PieceAlert
  | TrackerAnnounceAlert
  | TrackerReplyAlert
  | TrackerErrorAlert
  | TrackerWarningAlert
  | EndpointAlert
  | EndpointErrorAlert
  | AlertsDroppedAlert
  | WebSeedErrorAlert
  | DhtReplyAlert
  | ErrorOnlyAlert
  | PeerBannedAlert
  | BlockTimeoutAlert
  | UnknownAlert;

export interface AlertsOptions {
  /** Ends the iterator; a waiting next() rejects with signal.reason. */
  signal?: AbortSignal;
}

export class Session {
  constructor(settings?: Settings);
  /** Stops every torrent and frees the session. Idempotent. Later calls throw BT_E_BAD_HANDLE. */
  close(): void;
  readonly closed: boolean;
  /** Validates every value, then applies them together. */
  applySettings(settings: Settings): void;
  /** By the setting's type (see settingType()). */
  getSetting(name: string): number | boolean | string;
  diskStats(): DiskStats;
  /** DHT calls throw BT_E_STATE while enable_dht is off; lookups block for at most timeoutMs. */
  dhtStats(): DhtStats;
  dhtAnnounce(infoHash: string, options?: { port?: number; timeoutMs?: number }): void;
  dhtGetPeers(infoHash: string, options?: DhtOptions): string[];
  dhtPutImmutable(value: Buffer | Uint8Array, options?: DhtOptions): { target: string; stored: number };
  /** Throws BT_E_NOT_FOUND if no node has it. */
  dhtGetImmutable(target: string, options?: DhtOptions): Buffer;
  dhtPutMutable(params: {
    /** ed25519 seed, 32 bytes */
    seed: Buffer | Uint8Array;
    /** one bencoded value */
    value: Buffer | Uint8Array;
    seq: number;
    salt?: Buffer | Uint8Array;
    timeoutMs?: number;
  }): { publicKey: Buffer; stored: number };
  dhtGetMutable(publicKey: Buffer | Uint8Array, options?: DhtOptions & { salt?: Buffer | Uint8Array }): { value: Buffer; seq: number };
  /** The TCP port of the first listen interface (useful with port 0). */
  readonly listenPort: number;
  addTorrent(params: AddTorrentParams): Torrent;
  removeTorrent(torrent: Torrent, options?: RemoveTorrentOptions): void;
  torrents(): Torrent[];
  /**
   * Batched status (libtorrent's post_torrent_updates): the torrents whose status changed since
   * the previous call (the first call: every torrent), in the order they were added. Statuses
   * are the snapshots torrents publish (at most a second old); paused and idle torrents cost
   * nothing. One consumer per session.
   */
  torrentUpdates(): TorrentUpdate[];
  /** null if the session has no such torrent. */
  findTorrent(infoHash: string): Torrent | null;
  /** Takes every queued alert (not seen by alerts() iterators). */
  popAlerts(): Alert[];
  /**
   * Blocks the thread, and with it Node's event loop, for up to timeoutMs (-1 = forever) until
   * an alert is queued. Returns whether one is.
   */
  waitForAlert(timeoutMs?: number): boolean;
  /**
   * Alerts as they arrive. Every open iterator sees every alert taken while it is open. Ends on
   * close(), break/return() or abort. A waiting iterator keeps the process alive.
   */
  alerts(options?: AlertsOptions): AsyncIterableIterator<Alert>;
  [Symbol.dispose](): void;
}

export interface CreateTorrentOptions {
  /** A file or a directory. */
  path: string;
  /** Bytes, a power of two >= 16 KiB; default automatic. */
  pieceSize?: number;
  /** string[]: one tier per URL; string[][]: one tier per inner array (mixing is allowed). */
  trackers?: Array<string | string[]>;
  webSeeds?: string[];
  private?: boolean;
  comment?: string;
  /** Default "libbt/VERSION". */
  creator?: string;
}

/** Hashes the files (in parallel, blocking the caller) and returns the .torrent bytes. */
export function createTorrent(options: CreateTorrentOptions): Buffer;

/** libbt's name and static description of a BT_E_* number, e.g. strerror(-14).code === 'BT_E_LIMIT'. */
export function strerror(errno: number): { code: ErrorCode | 'BT_OK'; description: string };

/** The type of a libbt setting; throws BT_E_UNKNOWN_SETTING for an unknown name. */
export function settingType(name: string): 'int' | 'bool' | 'string';

/** Writes resume data atomically (temporary file, fsync, rename). Throws BT_E_IO on failure. */
export function writeResumeFile(path: string, data: Buffer | Uint8Array | ArrayBuffer | DataView): void;
