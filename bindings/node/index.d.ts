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

/** libbt's runtime version, e.g. '0.1.0'. */
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
  handshake_timeout?: number;
  peer_connect_timeout?: number;
  aio_threads?: number;
  max_queued_disk_bytes?: number | bigint;
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
  /** 0..1 of the wanted bytes. */
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
  | 'performance';

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
  getSetting(name: string): number | boolean | string;
  /** The TCP port of the first listen interface (useful with port 0). */
  readonly listenPort: number;
  addTorrent(params: AddTorrentParams): Torrent;
  removeTorrent(torrent: Torrent, options?: RemoveTorrentOptions): void;
  torrents(): Torrent[];
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
