/**
 * SFTP transport for X12 trading partners: collect what a partner drops in our inbox, deliver what we send to
 * their outbox. Built on ssh2-sftp-client (ssh2 underneath, pure JS).
 *
 * - One connection, opened on first use, reused across calls, re-opened when it drops.
 * - Connection errors and timeouts are retried with exponential back-off and jitter; authentication failures,
 *   host-key mismatches and configuration errors are not (retrying cannot fix them) and say what to fix.
 * - The server's host key is pinned (`hostKeySha256`); a mismatch refuses to connect.
 * - Secrets (password, private key, passphrase) are kept in private fields and scrubbed from every error
 *   message and log line.
 *
 * Delivery is at-least-once: a file is moved to the archive only after `take` resolved, so a crash (or a failed
 * move) between the two offers it again on the next poll. `take` must be idempotent (X12: ISA13/GS06 dedupe).
 */

import { createHash, timingSafeEqual } from 'node:crypto';
import { posix } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { backoffMs } from '@switchyard/core';
import SftpClient from 'ssh2-sftp-client';

export interface SftpSettings {
  host: string;
  /** Default 22. */
  port?: number;
  username: string;
  password?: string;
  /** OpenSSH/PEM private key text (not a path). */
  privateKey?: string;
  passphrase?: string;
  /** The server's host key, pinned: 'SHA256:<base64>' as `ssh-keygen -lf` prints it. Required; a mismatch refuses to connect. */
  hostKeySha256: string;
  /** Folder the partner drops files into for us. */
  inboxDir: string;
  /**
   * Where a file is moved once it is stored. Default: a folder `archive` next to the inbox
   * (`posix.join(dirname(inboxDir), 'archive')`: `/in` → `/archive`, `/edi/in` → `/edi/archive`,
   * relative `in` → `archive`). Created (with parents) if missing. On chrooted servers whose root is not
   * writable, set it explicitly, e.g. to a folder inside the inbox (sub-folders are never polled).
   */
  archiveDir?: string;
  /** Folder we upload to for the partner. Must exist (it is the partner's; we do not create it). */
  outboxDir: string;
  /** Per-operation timeout (connect, list, get, put) in ms, default 30_000. */
  timeoutMs?: number;
}

export interface InboundFile {
  name: string;
  body: Buffer;
  size: number;
  modifiedAt: Date;
}

export interface SftpTransportOptions {
  /** Extra attempts after the first for connection errors and timeouts. Default 3. */
  retries?: number;
  log?: (msg: string) => void;
  /** Files modified less than this long ago are left for a later poll (the partner may still be writing). Default 2000. */
  minAgeMs?: number;
  /** First back-off delay; doubles per attempt (±50% jitter), capped at 30 s. Default 500. */
  retryDelayMs?: number;
  /** Files larger than this are left in the inbox and reported, never downloaded. Default 64 MiB. */
  maxBytes?: number;
}

export type SftpErrorKind =
  /** The server's host key is not the pinned one. */
  | 'host-key'
  /** The server refused our credentials. */
  | 'auth'
  /** Settings or arguments are wrong (bad fingerprint format, unreadable private key, bad file name…). */
  | 'config'
  | 'timeout'
  /** Could not connect, or the connection was lost. */
  | 'connection'
  /** The server answered an operation with an error (no such file, permission denied…). */
  | 'remote'
  /** Upload target exists with different content. */
  | 'conflict'
  /** `close()` was called. */
  | 'closed'
  /** A poll is already running on this transport. */
  | 'busy';

export class SftpError extends Error {
  readonly kind: SftpErrorKind;
  /** Whether the operation was (or would be) retried; false for errors retrying cannot fix. */
  readonly retryable: boolean;
  /** The SFTP status code (2 no such file, 3 permission denied, 4 failure…) when the server gave one. */
  readonly status: number | undefined;

  constructor(kind: SftpErrorKind, message: string, retryable: boolean, status?: number) {
    super(message);
    this.name = 'SftpError';
    this.kind = kind;
    this.retryable = retryable;
    this.status = status;
  }
}

interface Conn {
  id: number;
  client: SftpClient;
  alive: boolean;
}

interface RemoteEntry {
  name: string;
  size: number;
  modifyTime: number;
}

const NO_SUCH_FILE = 2;
/** Error codes ssh2-sftp-client gives to server answers (as opposed to a broken connection). */
const REMOTE_CODES = new Set(['ENOENT', 'EACCES', 'ENOTDIR', 'ERR_BAD_PATH']);
const TRANSPORT_MESSAGE =
  /No response from server|Unexpected (end|close) event|No SFTP connection|ECONNRESET|EPIPE|ETIMEDOUT|Not connected|socket|channel/i;
const SKIPPED_SUFFIX = /\.(part|tmp|filepart)$/i;

export class SftpTransport {
  readonly #host: string;
  readonly #port: number;
  readonly #username: string;
  readonly #password: string | undefined;
  readonly #privateKey: string | undefined;
  readonly #passphrase: string | undefined;
  readonly #pinned: Buffer;
  readonly #pinnedText: string;
  readonly #inbox: string;
  readonly #archive: string;
  readonly #outbox: string;
  readonly #timeoutMs: number;
  readonly #retries: number;
  readonly #minAgeMs: number;
  readonly #maxBytes: number;
  readonly #retryDelayMs: number;
  readonly #logFn: (msg: string) => void;
  readonly #secrets: string[];

  #conn: Conn | undefined;
  #connecting: Promise<Conn> | undefined;
  #connCount = 0;
  #closed = false;
  #polling = false;

  constructor(settings: SftpSettings, options: SftpTransportOptions = {}) {
    const bad = (msg: string) => new SftpError('config', `SFTP settings: ${msg}`, false);
    if (!settings.host) throw bad('host is required');
    const port = settings.port ?? 22;
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw bad(`port ${port} is not a TCP port`);
    if (!settings.username) throw bad('username is required');
    if (!settings.password && !settings.privateKey) throw bad('give a password or a privateKey');
    const m = /^SHA256:([A-Za-z0-9+/]{43})=?$/.exec(settings.hostKeySha256?.trim() ?? '');
    if (!m) {
      throw bad(
        `hostKeySha256 must be 'SHA256:' and 43 base64 characters, as \`ssh-keygen -lf <host key>.pub\` prints it ` +
          `(ask the partner, or run \`ssh-keyscan ${settings.host} | ssh-keygen -lf -\` and confirm it with them); ` +
          `got ${JSON.stringify(settings.hostKeySha256)}`,
      );
    }
    if (!settings.inboxDir) throw bad('inboxDir is required');
    if (!settings.outboxDir) throw bad('outboxDir is required');
    const timeoutMs = settings.timeoutMs ?? 30_000;
    if (!(timeoutMs > 0)) throw bad(`timeoutMs must be positive, got ${timeoutMs}`);
    const retries = options.retries ?? 3;
    if (!Number.isInteger(retries) || retries < 0)
      throw new SftpError('config', 'retries must be an integer ≥ 0', false);

    this.#host = settings.host;
    this.#port = port;
    this.#username = settings.username;
    this.#password = settings.password;
    this.#privateKey = settings.privateKey;
    this.#passphrase = settings.passphrase;
    this.#pinned = Buffer.from(m[1]!, 'base64');
    this.#pinnedText = `SHA256:${m[1]}`;
    this.#inbox = dirPath(settings.inboxDir);
    this.#archive = dirPath(settings.archiveDir ?? posix.join(posix.dirname(this.#inbox), 'archive'));
    this.#outbox = dirPath(settings.outboxDir);
    if (this.#archive === this.#inbox) throw bad('archiveDir must differ from inboxDir');
    this.#timeoutMs = timeoutMs;
    this.#retries = retries;
    this.#minAgeMs = options.minAgeMs ?? 2000;
    this.#maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
    this.#retryDelayMs = options.retryDelayMs ?? 500;
    this.#logFn = options.log ?? (() => {});
    const secrets = [settings.password, settings.passphrase, settings.privateKey].filter(
      (s): s is string => typeof s === 'string' && s.length >= 4,
    );
    // A private key could surface line by line (e.g. a parser quoting the line it choked on).
    for (const line of settings.privateKey?.split(/\r?\n/) ?? [])
      if (line.trim().length >= 16) secrets.push(line.trim());
    this.#secrets = secrets.sort((a, b) => b.length - a.length);
  }

  /** Where files go after `take` (resolved from the settings' default). */
  get archiveDir(): string {
    return this.#archive;
  }

  /**
   * Lists inboxDir (regular files only; skips names starting with '.', and '*.part'/'*.tmp'/'*.filepart'; skips
   * files modified less than minAgeMs ago — a partner may still be writing), oldest first, at most `limit`
   * files; downloads each, calls `take(file)`, and only after `take` resolves moves the file to archiveDir
   * (if a file of that name is already archived, `name~2.ext`, `name~3.ext`… — never overwrites). If `take`
   * throws, the file stays in the inbox, its error is in `failed`, and the next file goes on.
   *
   * A file whose size changed between listing and download is left for the next poll (still being written).
   * Connecting or listing failing (after retries) rejects; a file failing is reported in `failed`, and if the
   * connection cannot be re-established the remaining files are left for the next poll. `signal` stops the
   * poll before the next file (a running `take` is never cut, and a taken file is still archived); the
   * poll then resolves with what was done.
   */
  async poll(
    take: (file: InboundFile) => Promise<void>,
    options: { limit?: number; signal?: AbortSignal } = {},
  ): Promise<{ taken: string[]; failed: { name: string; error: string }[] }> {
    const { limit = Number.POSITIVE_INFINITY, signal } = options;
    if (!(limit >= 1)) throw new SftpError('config', `poll limit must be ≥ 1, got ${limit}`, false);
    if (this.#polling) {
      throw new SftpError(
        'busy',
        'a poll is already running on this transport; wait for it before polling again',
        false,
      );
    }
    this.#polling = true;
    const result: { taken: string[]; failed: { name: string; error: string }[] } = { taken: [], failed: [] };
    try {
      if (signal?.aborted) return result;
      let entries: RemoteEntry[];
      try {
        entries = await this.#retry(`listing ${this.#inbox}`, (c) => this.#listInbox(c), signal);
      } catch (err) {
        if (signal?.aborted) return result;
        throw err;
      }
      let archiveReady = false;
      for (const entry of entries.slice(0, Number.isFinite(limit) ? Math.floor(limit) : undefined)) {
        if (signal?.aborted) break;
        const name = entry.name;
        const src = posix.join(this.#inbox, name);
        if (entry.size > this.#maxBytes) {
          // A file the hub would have to hold whole: left where it is, for a person to split or take another way.
          result.failed.push({
            name,
            error: `${q(name)} is ${entry.size} bytes, over the limit of ${this.#maxBytes}: ask the partner to split it, or raise maxBytes`,
          });
          continue;
        }
        let body: Buffer;
        try {
          body = await this.#retry(`downloading ${q(src)}`, (c) => this.#get(c, src), signal);
        } catch (err) {
          if (signal?.aborted) break;
          const e = this.#asSftpError(err, `downloading ${q(src)}`);
          if (e.status === NO_SUCH_FILE && name.includes('\uFFFD')) {
            result.failed.push({
              name,
              error:
                `the file name is not valid UTF-8 on the server, so it cannot be addressed over SFTP; ` +
                `ask the partner to rename it (${e.message})`,
            });
          } else if (e.status === NO_SUCH_FILE) {
            this.#log(
              `${q(name)} vanished from the inbox before it could be downloaded (taken by another poller?)`,
            );
          } else {
            result.failed.push({ name, error: e.message });
          }
          if (isSessionError(e)) break;
          continue;
        }
        if (body.length !== entry.size) {
          this.#log(
            `${q(name)} changed while downloading (listed ${entry.size} bytes, got ${body.length}); ` +
              'leaving it for the next poll',
          );
          continue;
        }
        try {
          await take({ name, body, size: body.length, modifiedAt: new Date(entry.modifyTime) });
        } catch (err) {
          const error = this.#redact(err instanceof Error ? err.message : String(err));
          this.#log(`take(${q(name)}) failed, the file stays in the inbox: ${error}`);
          result.failed.push({ name, error });
          continue;
        }
        // Not abortable: a taken file must leave the inbox, or it will be offered again.
        try {
          if (!archiveReady) {
            await this.#retry(`preparing archive ${q(this.#archive)}`, (c) => this.#ensureArchive(c));
            archiveReady = true;
          }
          const dest = await this.#archiveFile(src, name, entry.size);
          result.taken.push(name);
          this.#log(`took ${q(name)} (${body.length} bytes), archived as ${q(dest)}`);
        } catch (err) {
          const e = this.#asSftpError(err, `archiving ${q(name)}`);
          const error =
            `taken, but could not be moved to ${q(this.#archive)}: ${e.message}; it stays in the inbox ` +
            'and will be offered to take() again on the next poll';
          this.#log(`${q(name)}: ${error}`);
          result.failed.push({ name, error });
          if (isSessionError(e)) break;
        }
      }
      return result;
    } finally {
      this.#polling = false;
    }
  }

  /**
   * Uploads atomically: writes `<outboxDir>/.<name>.part`, checks its size, then renames it to
   * `<outboxDir>/<name>` (so the partner never sees a partial file under its real name). Idempotent: if `<name>`
   * already exists with the same size, does nothing and returns 'exists'. If it exists with another size, throws
   * a 'conflict' SftpError rather than replace a file the partner may not have collected yet.
   */
  async upload(name: string, body: Buffer | string): Promise<'uploaded' | 'exists'> {
    checkName(name);
    const data = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    const dest = posix.join(this.#outbox, name);
    const part = posix.join(this.#outbox, `.${name}.part`);
    let renameTried = false;
    return this.#retry(`uploading ${q(name)}`, async (c) => {
      const existing = await this.#stat(c, dest);
      if (existing) {
        if (!existing.isFile) {
          throw new SftpError('conflict', `${q(dest)} exists on the server and is not a regular file`, false);
        }
        if (existing.size === data.length) {
          // A retry after a rename whose reply was lost lands here: that was our upload.
          if (renameTried) return 'uploaded';
          this.#log(
            `${q(dest)} already exists with the same size (${data.length} bytes); not uploading again`,
          );
          return 'exists';
        }
        throw new SftpError(
          'conflict',
          `${q(dest)} already exists with ${existing.size} bytes but ours has ${data.length}; refusing to ` +
            'overwrite a file the partner may not have collected yet. Check with the partner, or send it under another name',
          false,
        );
      }
      try {
        await this.#op(c, `writing ${q(part)}`, () => c.client.put(data, part));
      } catch (err) {
        const e = this.#asSftpError(err, `writing ${q(part)}`);
        if (e.status === NO_SUCH_FILE) {
          throw new SftpError(
            'remote',
            `${e.message}; does the outbox folder ${q(this.#outbox)} exist? Check outboxDir`,
            false,
            e.status,
          );
        }
        throw e;
      }
      const written = await this.#stat(c, part);
      if (written?.size !== data.length) {
        throw new SftpError(
          'remote',
          `wrote ${data.length} bytes to ${q(part)} but the server reports ${written ? `${written.size} bytes` : 'no file'}; not renaming it`,
          true,
        );
      }
      renameTried = true;
      try {
        await this.#op(c, `renaming ${q(part)} to ${q(dest)}`, () => c.client.rename(part, dest));
      } catch (err) {
        const e = this.#asSftpError(err, `renaming ${q(part)}`);
        if (e.kind !== 'remote') throw e;
        // Refused: most likely someone else put `name` there meanwhile.
        const now = await this.#stat(c, dest);
        await this.#op(c, `removing ${q(part)}`, () => c.client.delete(part, true)).catch(() => {});
        if (now?.size === data.length) return 'exists';
        throw e;
      }
      this.#log(`uploaded ${q(dest)} (${data.length} bytes)`);
      return 'uploaded';
    });
  }

  /** Ends the connection. The transport cannot be used afterwards (calls reject with kind 'closed'). */
  async close(): Promise<void> {
    this.#closed = true;
    const conn = this.#conn ?? (await this.#connecting?.catch(() => undefined));
    this.#conn = undefined;
    if (!conn) return;
    conn.alive = false;
    await this.#withTimeout(
      conn.client.end(),
      Math.min(this.#timeoutMs, 5000),
      'closing the connection',
      () => destroy(conn),
    ).catch(() => destroy(conn));
  }

  // ── connection ───────────────────────────────────────────────────────────────────────────────────────────

  #where(): string {
    return `${this.#username}@${this.#host}:${this.#port}`;
  }

  async #connection(): Promise<Conn> {
    if (this.#closed) throw new SftpError('closed', 'the SFTP transport is closed', false);
    if (this.#conn?.alive) return this.#conn;
    if (this.#conn) {
      destroy(this.#conn);
      this.#conn = undefined;
    }
    this.#connecting ??= this.#connect().finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  async #connect(): Promise<Conn> {
    const noop = () => {};
    const client = new SftpClient('switchyard-x12', { error: noop, end: noop, close: noop });
    const conn: Conn = { id: ++this.#connCount, client, alive: false };
    let firstError: (Error & { level?: string; code?: unknown }) | undefined;
    let presented: Buffer | undefined;
    let mismatch = false;
    client.on('error', (err: Error) => {
      firstError ??= err;
      conn.alive = false;
    });
    const lost = () => {
      if (conn.alive && this.#conn === conn) {
        this.#log(`connection #${conn.id} to ${this.#where()} lost; it will be re-opened on next use`);
      }
      conn.alive = false;
    };
    client.on('end', lost);
    client.on('close', lost);

    const config: SftpClient.ConnectOptions = {
      host: this.#host,
      port: this.#port,
      username: this.#username,
      readyTimeout: this.#timeoutMs,
      keepaliveInterval: 15_000,
      keepaliveCountMax: 3,
      hostVerifier: (key: Buffer) => {
        presented = key;
        const ok = timingSafeEqual(createHash('sha256').update(key).digest(), this.#pinned);
        mismatch = !ok;
        return ok;
      },
    };
    if (this.#password !== undefined) config.password = this.#password;
    if (this.#privateKey !== undefined) config.privateKey = this.#privateKey;
    if (this.#passphrase !== undefined) config.passphrase = this.#passphrase;

    try {
      await this.#withTimeout(client.connect(config), this.#timeoutMs, `connecting to ${this.#where()}`, () =>
        destroy(conn),
      );
    } catch (err) {
      destroy(conn);
      if (mismatch && presented) {
        throw new SftpError(
          'host-key',
          `host key ${fingerprint(presented)} (${keyType(presented)}) of ${this.#host}:${this.#port} does not match ` +
            `the pinned ${this.#pinnedText}; refusing to connect. Check the partner's key with them (out of band) ` +
            'and update hostKeySha256 if they changed it',
          false,
        );
      }
      if (firstError?.level === 'client-authentication') {
        const tried = [
          this.#password !== undefined && 'password',
          this.#privateKey !== undefined && 'private key',
        ]
          .filter(Boolean)
          .join(' and ');
        throw new SftpError(
          'auth',
          `authentication as ${q(this.#username)} on ${this.#host}:${this.#port} failed: the server refused the ` +
            `${tried}; check username, password/privateKey with the partner (keyboard-interactive is not supported)`,
          false,
        );
      }
      const e = err instanceof SftpError ? err : undefined;
      const raw = firstError ?? (err as Error & { level?: string; code?: unknown });
      const message = this.#redact(raw?.message ?? String(err));
      if (e?.kind === 'timeout' || raw?.level === 'client-timeout') {
        throw new SftpError(
          'timeout',
          `connecting to ${this.#where()} timed out after ${this.#timeoutMs} ms`,
          true,
        );
      }
      if (/privateKey|passphrase|private key/i.test(message)) {
        throw new SftpError(
          'config',
          `cannot use the private key: ${message}; check privateKey and passphrase`,
          false,
        );
      }
      if (raw?.level === 'handshake' && /no matching/i.test(message)) {
        throw new SftpError(
          'connection',
          `SSH handshake with ${this.#host}:${this.#port} failed: ${message}`,
          false,
        );
      }
      throw new SftpError('connection', `cannot connect to ${this.#where()}: ${message}`, true);
    }
    if (this.#closed) {
      destroy(conn);
      throw new SftpError('closed', 'the SFTP transport is closed', false);
    }
    conn.alive = true;
    this.#conn = conn;
    this.#log(`connected to ${this.#where()} (connection #${conn.id})`);
    return conn;
  }

  /** Runs `fn` on a live connection; connection errors and timeouts are retried on a new one with back-off. */
  async #retry<T>(what: string, fn: (conn: Conn) => Promise<T>, signal?: AbortSignal): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn(await this.#connection());
      } catch (err) {
        const e = this.#asSftpError(err, what);
        if (!e.retryable || attempt >= this.#retries || this.#closed) {
          if (attempt === 0) throw e;
          throw new SftpError(
            e.kind,
            `${e.message} (gave up after ${attempt + 1} attempts)`,
            e.retryable,
            e.status,
          );
        }
        const delay = backoffMs(attempt + 1, { baseMs: this.#retryDelayMs, maxMs: 30_000, jitter: 'equal' });
        this.#log(
          `${what}: ${e.message}; retrying in ${delay} ms (attempt ${attempt + 2} of ${this.#retries + 1})`,
        );
        await sleep(delay, undefined, signal ? { signal } : undefined);
      }
    }
  }

  /** One SFTP operation under the timeout; failures classified (connection lost vs. the server's answer). */
  async #op<T>(conn: Conn, what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await this.#withTimeout(fn(), this.#timeoutMs, what, () => destroy(conn));
    } catch (err) {
      if (err instanceof SftpError) throw err;
      const e = err as Error & { code?: unknown };
      const message = this.#redact(e?.message ?? String(err));
      if (!conn.alive) {
        throw new SftpError('connection', `${what}: connection lost (${message})`, true);
      }
      if (typeof e?.code === 'number' || (typeof e?.code === 'string' && REMOTE_CODES.has(e.code))) {
        const status = typeof e.code === 'number' ? e.code : e.code === 'ENOENT' ? NO_SUCH_FILE : undefined;
        throw new SftpError('remote', `${what} failed: ${message}`, false, status);
      }
      if (TRANSPORT_MESSAGE.test(message)) {
        destroy(conn);
        throw new SftpError('connection', `${what}: connection lost (${message})`, true);
      }
      throw new SftpError('remote', `${what} failed: ${message}`, false);
    }
  }

  #withTimeout<T>(promise: Promise<T>, ms: number, what: string, onTimeout: () => void): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        onTimeout();
        reject(new SftpError('timeout', `${what} timed out after ${ms} ms`, true));
      }, ms);
    });
    promise.catch(() => {}); // settles after a timeout; nobody is listening then
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }

  // ── operations ───────────────────────────────────────────────────────────────────────────────────────────

  async #listInbox(c: Conn): Promise<RemoteEntry[]> {
    let listing: SftpClient.FileInfo[];
    try {
      listing = await this.#op(c, `listing ${q(this.#inbox)}`, () => c.client.list(this.#inbox));
    } catch (err) {
      const e = this.#asSftpError(err, 'listing');
      if (e.status === NO_SUCH_FILE) {
        throw new SftpError(
          'remote',
          `${e.message}; does the inbox folder exist? Check inboxDir`,
          false,
          e.status,
        );
      }
      throw e;
    }
    const now = Date.now();
    const files: RemoteEntry[] = [];
    for (const item of listing) {
      const name = item.name;
      if (name.startsWith('.') || SKIPPED_SUFFIX.test(name)) continue;
      let type: string = item.type;
      if (type !== '-' && type !== 'd' && type !== 'l') {
        // Server sent no usable `ls -l` line: ask for the mode.
        const st = await this.#op(c, `stat ${q(name)}`, () =>
          c.client.stat(posix.join(this.#inbox, name)),
        ).catch(() => undefined);
        type = st?.isFile ? '-' : '?';
      }
      if (type !== '-') continue;
      const modifyTime = Number.isFinite(item.modifyTime) ? item.modifyTime : now;
      if (modifyTime > now + 60_000) {
        this.#log(
          `${q(name)} is dated ${new Date(modifyTime).toISOString()}, in the future: is the server's clock ahead?`,
        );
      }
      // SFTP times are whole seconds (rounded down): allow for it so a file is at least minAgeMs old.
      if (now - modifyTime < this.#minAgeMs + 1000) continue;
      files.push({ name, size: item.size, modifyTime });
    }
    return files.sort(
      (a, b) => a.modifyTime - b.modifyTime || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
    );
  }

  async #get(c: Conn, path: string): Promise<Buffer> {
    const got = await this.#op(c, `downloading ${q(path)}`, () => c.client.get(path));
    if (Buffer.isBuffer(got)) return got;
    if (typeof got === 'string') return Buffer.from(got, 'utf8');
    // ssh2-sftp-client (concat-stream) yields [] for an empty file.
    if (Array.isArray(got) && got.length === 0) return Buffer.alloc(0);
    throw new SftpError('remote', `downloading ${q(path)} returned no data`, false);
  }

  async #stat(c: Conn, path: string): Promise<{ size: number; isFile: boolean } | undefined> {
    try {
      const st = await this.#op(c, `stat ${q(path)}`, () => c.client.stat(path));
      return { size: st.size, isFile: st.isFile };
    } catch (err) {
      if (err instanceof SftpError && err.status === NO_SUCH_FILE) return undefined;
      throw err;
    }
  }

  async #ensureArchive(c: Conn): Promise<void> {
    const type = await this.#op(c, `checking ${q(this.#archive)}`, () => c.client.exists(this.#archive));
    if (type === 'd') return;
    if (type) {
      throw new SftpError(
        'config',
        `archiveDir ${q(this.#archive)} exists on the server but is not a folder`,
        false,
      );
    }
    // ssh2-sftp-client's mkdir mangles relative paths that start with '.', so make them './…'.
    const path = this.#archive.startsWith('/') ? this.#archive : `./${this.#archive}`;
    try {
      await this.#op(c, `creating ${q(this.#archive)}`, () => c.client.mkdir(path, true));
    } catch (err) {
      const e = this.#asSftpError(err, 'creating the archive');
      if (!e.retryable && (await this.#op(c, 'checking', () => c.client.exists(this.#archive))) === 'd')
        return;
      if (e.kind !== 'remote') throw e;
      throw new SftpError(
        'remote',
        `cannot create the archive folder ${q(this.#archive)}: ${e.message}; create it, or set archiveDir to a ` +
          'folder this user may write to',
        false,
        e.status,
      );
    }
    this.#log(`created archive folder ${q(this.#archive)}`);
  }

  /** Moves `src` into the archive under `name`, or `name~2`, `name~3`… if taken. Returns the path used. */
  async #archiveFile(src: string, name: string, size: number): Promise<string> {
    let tried: string | undefined;
    return this.#retry(`archiving ${q(name)}`, async (c) => {
      // A retry after a move whose reply was lost: the source is gone and the target holds it.
      if (tried !== undefined && !(await this.#stat(c, src)) && (await this.#stat(c, tried))?.size === size) {
        return tried;
      }
      for (let n = 1; n <= 1000; n++) {
        const dest = posix.join(this.#archive, n === 1 ? name : withSuffix(name, n));
        if (await this.#stat(c, dest)) continue;
        tried = dest;
        try {
          await this.#op(c, `moving ${q(src)} to ${q(dest)}`, () => c.client.rename(src, dest));
          return dest;
        } catch (err) {
          // Refused because `dest` appeared meanwhile: try the next suffix. Anything else is an error.
          if (err instanceof SftpError && err.kind === 'remote' && (await this.#stat(c, dest))) continue;
          throw err;
        }
      }
      throw new SftpError('remote', `no free name for ${q(name)} in ${q(this.#archive)} (tried 1000)`, false);
    });
  }

  // ── helpers ──────────────────────────────────────────────────────────────────────────────────────────────

  #asSftpError(err: unknown, what: string): SftpError {
    if (err instanceof SftpError) return err;
    if (err instanceof Error && err.name === 'AbortError')
      return new SftpError('closed', `${what}: aborted`, false);
    const message = this.#redact(err instanceof Error ? err.message : String(err));
    return new SftpError('remote', `${what} failed: ${message}`, false);
  }

  #redact(text: string): string {
    let out = text;
    for (const secret of this.#secrets) out = out.split(secret).join('[redacted]');
    return out;
  }

  #log(msg: string): void {
    try {
      this.#logFn(this.#redact(`sftp ${this.#where()}: ${msg}`));
    } catch {
      // A failing logger must not break a transfer.
    }
  }
}

function dirPath(dir: string): string {
  const normal = posix.normalize(dir);
  return normal === '/' ? normal : normal.replace(/\/+$/, '') || '.';
}

function q(name: string): string {
  return JSON.stringify(name);
}

function fingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** The algorithm name at the head of an SSH public key blob (`ssh-ed25519`, `ecdsa-sha2-nistp256`…). */
function keyType(blob: Buffer): string {
  if (blob.length < 4) return 'unknown key type';
  const n = blob.readUInt32BE(0);
  return n > 0 && n < 64 && blob.length >= 4 + n
    ? blob.subarray(4, 4 + n).toString('latin1')
    : 'unknown key type';
}

/** `PO1.edi` → `PO1~2.edi`; `PO1` → `PO1~2`. */
function withSuffix(name: string, n: number): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? `${name.slice(0, dot)}~${n}${name.slice(dot)}` : `${name}~${n}`;
}

/** Errors after which the remaining files of a poll would fail the same way. */
function isSessionError(e: SftpError): boolean {
  return (
    e.kind === 'connection' ||
    e.kind === 'timeout' ||
    e.kind === 'auth' ||
    e.kind === 'host-key' ||
    e.kind === 'closed'
  );
}

function checkName(name: string): void {
  const invalid = (why: string) =>
    new SftpError('config', `invalid file name ${q(String(name))}: ${why}`, false);
  if (typeof name !== 'string' || name.length === 0) throw invalid('empty');
  if (name.includes('/') || name.includes('\\')) throw invalid("must not contain '/' or '\\'");
  if (name.includes('..')) throw invalid("must not contain '..'");
  if (name.startsWith('.')) throw invalid("must not start with '.' (partners skip hidden files)");
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) throw invalid('must not contain control characters');
  }
  if (Buffer.byteLength(name, 'utf8') > 255) throw invalid('longer than 255 bytes');
}

function destroy(conn: Conn): void {
  conn.alive = false;
  const raw = (conn.client as unknown as { client?: { destroy?: () => void } }).client;
  try {
    raw?.destroy?.();
  } catch {
    // already gone
  }
}
