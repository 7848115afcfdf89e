import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, symlink, utimes, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { inspect } from 'node:util';
import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type InboundFile,
  SftpError,
  type SftpSettings,
  SftpTransport,
  type SftpTransportOptions,
} from '../src/sftp.ts';
import { type SftpTestServer, startSftpServer } from './support/sftp-server.ts';

let server: SftpTestServer;
const transports: SftpTransport[] = [];
const PASSPHRASE = 'correct horse battery staple';
let encryptedKey: { private: string; public: string };

beforeAll(async () => {
  // Few bcrypt rounds: an encrypted key that still decrypts in milliseconds.
  encryptedKey = ssh2.utils.generateKeyPairSync('ecdsa', {
    bits: 256,
    passphrase: PASSPHRASE,
    cipher: 'aes256-ctr',
    rounds: 2,
  });
  server = await startSftpServer({ authorizedKeys: [encryptedKey.public] });
});

afterAll(async () => {
  await Promise.all(transports.map((t) => t.close()));
  await server.close();
});

let folderCount = 0;
/** Fresh `/<tag>/in` and `/<tag>/out` for one test. */
async function folders(): Promise<{ tag: string; inbox: string; outbox: string; archive: string }> {
  const tag = `t${++folderCount}`;
  await mkdir(join(server.root, tag, 'in'), { recursive: true });
  await mkdir(join(server.root, tag, 'out'), { recursive: true });
  return {
    tag,
    inbox: join(server.root, tag, 'in'),
    outbox: join(server.root, tag, 'out'),
    archive: join(server.root, tag, 'archive'),
  };
}

function settings(tag: string, overrides: Partial<SftpSettings> = {}): SftpSettings {
  return {
    host: '127.0.0.1',
    port: server.port,
    username: server.username,
    password: server.password,
    hostKeySha256: server.hostKeySha256,
    inboxDir: `/${tag}/in`,
    outboxDir: `/${tag}/out`,
    // Generous: the suite runs beside others on two cores; the tests that need a timeout set their own.
    timeoutMs: 10_000,
    ...overrides,
  };
}

function transport(
  tag: string,
  overrides: Partial<SftpSettings> = {},
  options: SftpTransportOptions = {},
): { t: SftpTransport; logs: string[] } {
  const logs: string[] = [];
  const t = new SftpTransport(settings(tag, overrides), {
    retryDelayMs: 20,
    log: (m) => logs.push(m),
    ...options,
  });
  transports.push(t);
  return { t, logs };
}

/** A file as a partner leaves it, dated `ageMs` ago. */
async function drop(path: string, body: string | Buffer, ageMs = 60_000): Promise<void> {
  await writeFile(path, body);
  const when = new Date(Date.now() - ageMs);
  await utimes(path, when, when);
}

function collector(): { files: InboundFile[]; take: (f: InboundFile) => Promise<void> } {
  const files: InboundFile[] = [];
  return { files, take: async (f) => void files.push(f) };
}

async function rejection(p: Promise<unknown>): Promise<SftpError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(SftpError);
    return err as SftpError;
  }
  throw new Error('expected a rejection');
}

describe('poll', () => {
  it('downloads every file oldest first, hands it to take, then archives it', async () => {
    const { tag, inbox, archive } = await folders();
    const odd = "PO 7 (ü) #1 'x'.x12";
    await drop(join(inbox, 'new.edi'), 'ISA*new~', 60_000);
    await drop(join(inbox, 'old.edi'), 'ISA*old~', 120_000);
    await drop(join(inbox, odd), 'ISA*odd~', 90_000);
    await drop(join(inbox, 'empty.edi'), '', 30_000);
    const { t } = transport(tag);
    const { files, take } = collector();

    const result = await t.poll(take);

    expect(result).toEqual({ taken: ['old.edi', odd, 'new.edi', 'empty.edi'], failed: [] });
    expect(files.map((f) => [f.name, f.body.toString(), f.size])).toEqual([
      ['old.edi', 'ISA*old~', 8],
      [odd, 'ISA*odd~', 8],
      ['new.edi', 'ISA*new~', 8],
      ['empty.edi', '', 0],
    ]);
    expect(files[0]!.body).toBeInstanceOf(Buffer);
    expect(Math.abs(files[0]!.modifiedAt.getTime() - (Date.now() - 120_000))).toBeLessThan(5000);
    expect(await readdir(inbox)).toEqual([]);
    expect((await readdir(archive)).sort()).toEqual(['empty.edi', 'new.edi', 'old.edi', odd].sort());
    expect(await readFile(join(archive, odd), 'utf8')).toBe('ISA*odd~');
    expect(t.archiveDir).toBe(`/${tag}/archive`);
  });

  it('takes at most `limit` files and leaves the rest for the next poll', async () => {
    const { tag, inbox } = await folders();
    for (const [i, name] of ['a', 'b', 'c'].entries())
      await drop(join(inbox, `${name}.edi`), name, 100_000 - i * 1000);
    const { t } = transport(tag);
    const { take } = collector();
    expect((await t.poll(take, { limit: 2 })).taken).toEqual(['a.edi', 'b.edi']);
    expect(await readdir(inbox)).toEqual(['c.edi']);
    expect((await t.poll(take)).taken).toEqual(['c.edi']);
  });

  it('leaves a file over maxBytes in the inbox, undownloaded, and says why', async () => {
    const { tag, inbox } = await folders();
    await drop(join(inbox, 'huge.edi'), 'x'.repeat(2048), 100_000);
    await drop(join(inbox, 'small.edi'), 'ok', 90_000);
    const { t } = transport(tag, {}, { maxBytes: 1024 });
    const { files, take } = collector();
    const result = await t.poll(take);
    expect(result.taken).toEqual(['small.edi']);
    expect(result.failed).toEqual([
      { name: 'huge.edi', error: expect.stringMatching(/2048 bytes, over the limit of 1024/) },
    ]);
    expect(files.map((f) => f.name)).toEqual(['small.edi']);
    expect(await readdir(inbox)).toEqual(['huge.edi']);
  });

  it('leaves a file in the inbox when take throws, reports it, and goes on with the next', async () => {
    const { tag, inbox, archive } = await folders();
    await drop(join(inbox, 'bad.edi'), 'ISA*bad~', 120_000);
    await drop(join(inbox, 'good.edi'), 'ISA*good~', 60_000);
    const { t } = transport(tag);
    const seen: string[] = [];

    const result = await t.poll(async (f) => {
      seen.push(f.name);
      if (f.name === 'bad.edi') throw new Error('ISA13 000000001 is a duplicate');
    });

    expect(seen).toEqual(['bad.edi', 'good.edi']);
    expect(result).toEqual({
      taken: ['good.edi'],
      failed: [{ name: 'bad.edi', error: 'ISA13 000000001 is a duplicate' }],
    });
    expect(await readdir(inbox)).toEqual(['bad.edi']);
    expect(await readdir(archive)).toEqual(['good.edi']);
  });

  it('skips hidden and .part/.tmp/.filepart files, folders, symlinks and files too young', async () => {
    const { tag, inbox } = await folders();
    await drop(join(inbox, '.hidden.edi'), 'x');
    await drop(join(inbox, 'upload.edi.part'), 'x');
    await drop(join(inbox, 'upload.TMP'), 'x');
    await drop(join(inbox, 'winscp.edi.filepart'), 'x');
    await mkdir(join(inbox, 'sub.edi'));
    await drop(join(server.root, tag, 'target.edi'), 'x');
    await symlink(join(server.root, tag, 'target.edi'), join(inbox, 'link.edi'));
    await drop(join(inbox, 'young.edi'), 'x', 0);
    await drop(join(inbox, 'ready.edi'), 'ISA*ready~');
    const { t } = transport(tag);
    const { files, take } = collector();

    expect(await t.poll(take)).toEqual({ taken: ['ready.edi'], failed: [] });
    expect(files.map((f) => f.name)).toEqual(['ready.edi']);
    expect((await readdir(inbox)).sort()).toEqual(
      [
        '.hidden.edi',
        'link.edi',
        'sub.edi',
        'upload.TMP',
        'upload.edi.part',
        'winscp.edi.filepart',
        'young.edi',
      ].sort(),
    );

    // With minAgeMs 0 the young file goes too (SFTP's whole-second times still need ~1 s).
    await drop(join(inbox, 'young.edi'), 'x', 1500);
    const { t: eager } = transport(tag, {}, { minAgeMs: 0 });
    expect((await eager.poll(take)).taken).toEqual(['young.edi']);
  });

  it('never overwrites in the archive: a name already archived gets a suffix', async () => {
    const { tag, inbox, archive } = await folders();
    await mkdir(archive);
    await writeFile(join(archive, 'dup.edi'), 'first');
    await drop(join(inbox, 'dup.edi'), 'second');
    const { t } = transport(tag);
    const { take } = collector();

    expect((await t.poll(take)).taken).toEqual(['dup.edi']);
    await drop(join(inbox, 'dup.edi'), 'third');
    expect((await t.poll(take)).taken).toEqual(['dup.edi']);

    expect(await readFile(join(archive, 'dup.edi'), 'utf8')).toBe('first');
    expect(await readFile(join(archive, 'dup~2.edi'), 'utf8')).toBe('second');
    expect(await readFile(join(archive, 'dup~3.edi'), 'utf8')).toBe('third');
  });

  it('creates a custom archiveDir (with parents) when missing', async () => {
    const { tag, inbox } = await folders();
    await drop(join(inbox, 'x.edi'), 'x');
    const { t } = transport(tag, { archiveDir: `/${tag}/done/2024` });
    expect((await t.poll(collector().take)).taken).toEqual(['x.edi']);
    expect(await readdir(join(server.root, tag, 'done', '2024'))).toEqual(['x.edi']);
  });

  it('reports a file whose name is not valid UTF-8 instead of silently skipping it', async () => {
    const { tag, inbox } = await folders();
    await writeFile(
      Buffer.concat([Buffer.from(`${inbox}/PO`), Buffer.from([0xff, 0xfe]), Buffer.from('.edi')]),
      'x',
    );
    const old = new Date(Date.now() - 60_000);
    for (const name of await readdir(inbox, { encoding: 'buffer' }))
      await utimes(Buffer.concat([Buffer.from(`${inbox}/`), name]), old, old);
    await drop(join(inbox, 'fine.edi'), 'ISA*fine~');
    const { t } = transport(tag);

    const result = await t.poll(collector().take);

    expect(result.taken).toEqual(['fine.edi']);
    expect(result.failed).toHaveLength(1);
    expect(result.failed[0]!.name).toContain('\uFFFD');
    expect(result.failed[0]!.error).toMatch(/not valid UTF-8.*ask the partner to rename it/);
  });

  it('stops before the next file when the signal aborts, still archiving the file taken', async () => {
    const { tag, inbox, archive } = await folders();
    await drop(join(inbox, 'one.edi'), '1', 120_000);
    await drop(join(inbox, 'two.edi'), '2', 60_000);
    const { t } = transport(tag);
    const ac = new AbortController();

    const result = await t.poll(
      async () => {
        ac.abort();
      },
      { signal: ac.signal },
    );

    expect(result).toEqual({ taken: ['one.edi'], failed: [] });
    expect(await readdir(archive)).toEqual(['one.edi']);
    expect(await readdir(inbox)).toEqual(['two.edi']);
  });

  it('rejects a second poll while one is running', async () => {
    const { tag, inbox } = await folders();
    await drop(join(inbox, 'a.edi'), 'a');
    const { t } = transport(tag);
    let release!: () => void;
    const first = t.poll(() => new Promise<void>((r) => (release = r)));
    await expect.poll(() => release !== undefined, { timeout: 20_000 }).toBe(true);
    expect((await rejection(t.poll(collector().take))).kind).toBe('busy');
    release();
    expect((await first).taken).toEqual(['a.edi']);
  });

  it('says so when the inbox folder does not exist', async () => {
    const { tag } = await folders();
    const { t } = transport(tag, { inboxDir: `/${tag}/nope` });
    const err = await rejection(t.poll(collector().take));
    expect(err.kind).toBe('remote');
    expect(err.message).toMatch(/nope.*Check inboxDir/);
  });
});

describe('upload', () => {
  it('writes a hidden .part file and renames it: a cut before the rename leaves no partial file', async () => {
    const { tag, outbox } = await folders();
    const body = 'ISA*00*...~'.repeat(10_000);
    const { t: fragile } = transport(tag, {}, { retries: 0 });
    server.dropOn('RENAME');

    const err = await rejection(fragile.upload('855-1.edi', body));
    expect(err.kind).toBe('connection');
    expect(await readdir(outbox)).toEqual(['.855-1.edi.part']);
    expect(await readFile(join(outbox, '.855-1.edi.part'), 'utf8')).toBe(body);

    const { t } = transport(tag);
    expect(await t.upload('855-1.edi', body)).toBe('uploaded');
    expect(await readdir(outbox)).toEqual(['855-1.edi']);
    expect(await readFile(join(outbox, '855-1.edi'), 'utf8')).toBe(body);
  });

  it('is idempotent: the same file again is "exists" and writes nothing', async () => {
    const { tag, outbox } = await folders();
    const { t } = transport(tag);
    const body = Buffer.from('ISA*810~');
    expect(await t.upload('810-9.edi', body)).toBe('uploaded');
    const writes = server.stats.requests['WRITE'] ?? 0;
    expect(await t.upload('810-9.edi', body)).toBe('exists');
    expect(server.stats.requests['WRITE'] ?? 0).toBe(writes);
    expect(await readdir(outbox)).toEqual(['810-9.edi']);
  });

  it('refuses to replace an existing file of another size', async () => {
    const { tag, outbox } = await folders();
    await writeFile(join(outbox, '856-1.edi'), 'the partner has not collected this yet');
    const { t } = transport(tag);
    const err = await rejection(t.upload('856-1.edi', 'ISA*856~'));
    expect(err.kind).toBe('conflict');
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(/already exists with 38 bytes but ours has 8; refusing to overwrite/);
    expect(await readFile(join(outbox, '856-1.edi'), 'utf8')).toBe('the partner has not collected this yet');
  });

  it('validates the file name before connecting', async () => {
    const { tag } = await folders();
    const { t } = transport(tag);
    const before = server.stats.tcpConnections;
    for (const name of ['../etc/passwd', 'a/b.edi', 'a\\b.edi', '..', 'x..y', '.hidden', '', 'bad\nname']) {
      const err = await rejection(t.upload(name, 'x'));
      expect(err.kind).toBe('config');
      expect(err.message).toMatch(/^invalid file name/);
    }
    expect(server.stats.tcpConnections).toBe(before);
  });

  it('explains a missing outbox folder', async () => {
    const { tag } = await folders();
    const { t } = transport(tag, { outboxDir: `/${tag}/missing` });
    const err = await rejection(t.upload('a.edi', 'x'));
    expect(err.message).toMatch(/outbox folder "\/t\d+\/missing" exist\? Check outboxDir/);
  });
});

describe('connection', () => {
  it('reuses one connection across calls', async () => {
    const { tag, inbox } = await folders();
    const { t } = transport(tag);
    const before = server.stats.sessions;
    await t.upload('a.edi', 'a');
    await t.upload('b.edi', 'b');
    await drop(join(inbox, 'c.edi'), 'c');
    await t.poll(collector().take);
    expect(server.stats.sessions - before).toBe(1);
  });

  it('re-opens a connection that dropped between calls', async () => {
    const { tag, outbox } = await folders();
    const { t } = transport(tag);
    const before = server.stats.sessions;
    expect(await t.upload('a.edi', 'a')).toBe('uploaded');
    server.dropConnections();
    expect(await t.upload('b.edi', 'b')).toBe('uploaded');
    expect(server.stats.sessions - before).toBe(2);
    expect((await readdir(outbox)).sort()).toEqual(['a.edi', 'b.edi']);
  });

  it('retries an operation cut mid-way on a new connection', async () => {
    const { tag, inbox, archive } = await folders();
    await drop(join(inbox, 'cut.edi'), 'ISA*cut~');
    const { t, logs } = transport(tag);
    const before = server.stats.sessions;
    server.dropOn('READ');

    expect(await t.poll(collector().take)).toEqual({ taken: ['cut.edi'], failed: [] });
    expect(server.stats.sessions - before).toBe(2);
    expect(await readdir(archive)).toEqual(['cut.edi']);
    expect(
      logs.some((l) => /downloading .*connection lost.*retrying in \d+ ms \(attempt 2 of 4\)/.test(l)),
    ).toBe(true);
  });

  it('refuses a wrong host key at once, without retrying, saying what to do', async () => {
    const { tag } = await folders();
    const other = ssh2.utils.parseKey(ssh2.utils.generateKeyPairSync('ecdsa', { bits: 256 }).public);
    if (other instanceof Error) throw other;
    const pinned = `SHA256:${createHash('sha256').update(other.getPublicSSH()).digest('base64').replace(/=+$/, '')}`;
    const { t, logs } = transport(tag, { hostKeySha256: pinned });
    const before = { tcp: server.stats.tcpConnections, sessions: server.stats.sessions };

    const err = await rejection(t.upload('a.edi', 'x'));

    expect(err.kind).toBe('host-key');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain(
      `host key ${server.hostKeySha256} (ecdsa-sha2-nistp256) of 127.0.0.1:${server.port}`,
    );
    expect(err.message).toContain(`does not match the pinned ${pinned}`);
    expect(err.message).toMatch(/update hostKeySha256/);
    expect(server.stats.tcpConnections - before.tcp).toBe(1);
    expect(server.stats.sessions).toBe(before.sessions);
    expect(logs.filter((l) => l.includes('retrying'))).toEqual([]);
  });

  it('rejects a malformed pinned fingerprint up front', () => {
    expect(() => new SftpTransport(settings('x', { hostKeySha256: 'ab:cd:ef' }))).toThrow(
      /hostKeySha256 must be 'SHA256:' and 43 base64 characters, as `ssh-keygen -lf/,
    );
  });

  it('refuses a wrong password without retrying, and never shows it', async () => {
    const { tag } = await folders();
    const secret = 'not-the-password-4711';
    const { t, logs } = transport(tag, { password: secret });
    const before = server.stats.tcpConnections;

    const err = await rejection(t.upload('a.edi', 'x'));

    expect(err.kind).toBe('auth');
    expect(err.message).toMatch(
      /authentication as "partner" on 127\.0\.0\.1:\d+ failed: the server refused the password/,
    );
    expect(server.stats.tcpConnections - before).toBe(1);
    expect(logs.filter((l) => l.includes('retrying'))).toEqual([]);
    expect(`${err.message} ${err.stack} ${logs.join('\n')}`).not.toContain(secret);
    expect(JSON.stringify(t)).not.toContain(secret);
    expect(inspect(t, { depth: 10, showHidden: true })).not.toContain(secret);
  });

  it('authenticates with a private key, also an encrypted one', async () => {
    const { tag } = await folders();
    const { t: plain } = transport(tag, { password: undefined, privateKey: server.clientKey.private });
    expect(await plain.upload('k1.edi', 'x')).toBe('uploaded');
    const { t: encrypted } = transport(tag, {
      password: undefined,
      privateKey: encryptedKey.private,
      passphrase: PASSPHRASE,
    });
    expect(await encrypted.upload('k2.edi', 'x')).toBe('uploaded');
  });

  it('reports a wrong passphrase as a configuration error, without retrying or leaking it', async () => {
    const { tag } = await folders();
    const wrong = 'wrong passphrase 1234';
    const { t, logs } = transport(tag, {
      password: undefined,
      privateKey: encryptedKey.private,
      passphrase: wrong,
    });
    const err = await rejection(t.upload('a.edi', 'x'));
    expect(err.kind).toBe('config');
    expect(err.message).toMatch(/cannot use the private key: .*check privateKey and passphrase/);
    expect(logs.filter((l) => l.includes('retrying'))).toEqual([]);
    const shown = `${err.message} ${logs.join('\n')} ${inspect(t, { depth: 10, showHidden: true })}`;
    expect(shown).not.toContain(wrong);
    for (const line of encryptedKey.private.split('\n').filter((l) => l.length > 20))
      expect(shown).not.toContain(line);
  });

  it('times out a hung operation and retries it on a new connection', async () => {
    const { tag, inbox } = await folders();
    await drop(join(inbox, 'slow.edi'), 'x');
    // Long enough for a connection on a loaded machine; the stalled request never answers, however long.
    const { t, logs } = transport(tag, { timeoutMs: 1500 });
    server.stallOn('OPENDIR');
    expect((await t.poll(collector().take)).taken).toEqual(['slow.edi']);
    expect(logs.some((l) => /listing .* timed out after 1500 ms; retrying/.test(l))).toBe(true);
  });

  it('gives up after the retries when the server stays silent, with a timeout error', async () => {
    const silent = await listenSilently();
    try {
      const { t, logs } = transport('x', { port: silent.port, timeoutMs: 200 }, { retries: 1 });
      const err = await rejection(t.upload('a.edi', 'x'));
      expect(err.kind).toBe('timeout');
      expect(err.message).toMatch(
        /connecting to partner@127\.0\.0\.1:\d+ timed out after 200 ms \(gave up after 2 attempts\)/,
      );
      expect(silent.accepted()).toBe(2);
      expect(logs.filter((l) => l.includes('retrying'))).toHaveLength(1);
    } finally {
      await silent.close();
    }
  });

  it('retries a refused connection with back-off, then reports it', async () => {
    const silent = await listenSilently();
    await silent.close(); // a port nobody listens on
    const { t, logs } = transport('x', { port: silent.port }, { retries: 2 });
    const err = await rejection(t.upload('a.edi', 'x'));
    expect(err.kind).toBe('connection');
    expect(err.retryable).toBe(true);
    expect(err.message).toMatch(
      /cannot connect to partner@127\.0\.0\.1:\d+: .*ECONNREFUSED.*\(gave up after 3 attempts\)/,
    );
    const delays = logs
      .filter((l) => l.includes('retrying'))
      .map((l) => Number(/retrying in (\d+) ms/.exec(l)![1]));
    expect(delays).toHaveLength(2);
    expect(delays[0]).toBeGreaterThanOrEqual(10);
    expect(delays[0]).toBeLessThanOrEqual(20);
    expect(delays[1]).toBeGreaterThanOrEqual(20);
    expect(delays[1]).toBeLessThanOrEqual(40);
  });

  it('cannot be used after close()', async () => {
    const { tag } = await folders();
    const { t } = transport(tag);
    await t.upload('a.edi', 'x');
    await t.close();
    expect((await rejection(t.upload('b.edi', 'x'))).kind).toBe('closed');
    expect(existsSync(join(server.root, tag, 'out', 'b.edi'))).toBe(false);
  });
});

/** A TCP server that accepts connections and never says a word (no SSH banner). */
async function listenSilently(): Promise<{
  port: number;
  accepted: () => number;
  close: () => Promise<void>;
}> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const srv: Server = createServer((s) => {
    accepted++;
    sockets.add(s);
    s.on('error', () => {});
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const address = srv.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    port: address.port,
    accepted: () => accepted,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => srv.close(() => r()));
    },
  };
}
