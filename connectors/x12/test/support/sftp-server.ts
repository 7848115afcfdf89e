/**
 * A real SFTP server for the tests, in-process: ssh2's `Server` speaking SSH on 127.0.0.1 (a free port), its SFTP
 * subsystem backed by a temporary folder on the local filesystem. One user, with a password and an authorized
 * public key. Faults can be injected: drop every connection (a network cut), now or when a given request
 * arrives, or never answer a given request (a hung server).
 *
 * SFTP semantics follow OpenSSH's sftp-server where they matter to a client: RENAME refuses to replace an
 * existing target, READDIR lists `.` and `..`, times are whole seconds.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Stats } from 'node:fs';
import {
  type FileHandle,
  lstat,
  mkdir,
  mkdtemp,
  open,
  readdir,
  rename,
  rm,
  rmdir,
  stat,
  unlink,
} from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import type { Attributes, AuthContext, Connection, FileEntry, ParsedKey, SFTPWrapper } from 'ssh2';
import ssh2 from 'ssh2';

const { Server, utils } = ssh2;
const { STATUS_CODE, flagsToString } = utils.sftp;

export type SftpRequest =
  | 'OPEN'
  | 'READ'
  | 'WRITE'
  | 'CLOSE'
  | 'FSTAT'
  | 'FSETSTAT'
  | 'STAT'
  | 'LSTAT'
  | 'SETSTAT'
  | 'OPENDIR'
  | 'READDIR'
  | 'RENAME'
  | 'REMOVE'
  | 'RMDIR'
  | 'MKDIR'
  | 'REALPATH';

export interface SftpServerOptions {
  username?: string;
  password?: string;
  /** More authorized public keys (OpenSSH `ssh-… AAAA…` lines), besides the generated `clientKey`. */
  authorizedKeys?: string[];
  /** Folder to serve; a new temporary one (removed by `close()`) when absent. */
  root?: string;
  /** Folders to create under the root at start, e.g. `['inbox', 'outbox']`. */
  dirs?: string[];
}

export interface SftpTestServer {
  port: number;
  /** The host key's fingerprint as `ssh-keygen -lf` prints it: `SHA256:<base64, unpadded>`. */
  hostKeySha256: string;
  /** Local folder behind the SFTP root `/`. */
  root: string;
  username: string;
  password: string;
  /** A key pair (OpenSSH format, unencrypted) authorized for the user. */
  clientKey: { private: string; public: string };
  /** TCP connections accepted, SSH sessions authenticated, authentication attempts refused, requests served. */
  stats: { tcpConnections: number; sessions: number; authFailures: number; requests: Record<string, number> };
  /** Cuts every open connection at once (sockets destroyed, no SSH disconnect message). */
  dropConnections(): void;
  /** The next `request` received is answered by cutting every connection. */
  dropOn(request: SftpRequest): void;
  /** The next `request` received is never answered. */
  stallOn(request: SftpRequest): void;
  close(): Promise<void>;
}

type Handle = { kind: 'file'; fh: FileHandle } | { kind: 'dir'; entries: FileEntry[]; sent: boolean };

export async function startSftpServer(options: SftpServerOptions = {}): Promise<SftpTestServer> {
  const username = options.username ?? 'partner';
  const password =
    options.password ?? `pw-${createHash('sha256').update(String(Math.random())).digest('hex')}`;
  const ownRoot = options.root === undefined;
  const root = options.root ?? (await mkdtemp(join(tmpdir(), 'sftp-test-')));
  for (const dir of options.dirs ?? []) await mkdir(join(root, dir), { recursive: true });

  // ECDSA: signs and verifies in pure JS (ssh2's optional native addon is not needed).
  const hostKey = utils.generateKeyPairSync('ecdsa', { bits: 256 });
  const hostPublic = parse(hostKey.private).getPublicSSH();
  const hostKeySha256 = `SHA256:${createHash('sha256').update(hostPublic).digest('base64').replace(/=+$/, '')}`;
  const clientKey = utils.generateKeyPairSync('ecdsa', { bits: 256 });
  const authorized = [clientKey.public, ...(options.authorizedKeys ?? [])].map(parse);

  const stats: SftpTestServer['stats'] = { tcpConnections: 0, sessions: 0, authFailures: 0, requests: {} };
  const faults: { request: SftpRequest; action: 'drop' | 'stall' }[] = [];
  const sockets = new Set<Socket>();
  const dropConnections = () => {
    for (const socket of sockets) socket.destroy();
  };

  const ssh = new Server({ hostKeys: [hostKey.private] }, (client: Connection) => {
    client.on('error', () => {
      // A client going away mid-request is what the fault tests do; nothing to report.
    });
    client.on('authentication', (ctx: AuthContext) => {
      if (ctx.method === 'none') return ctx.reject(['password', 'publickey']);
      const userOk = same(Buffer.from(ctx.username), Buffer.from(username));
      let ok = false;
      if (ctx.method === 'password') {
        ok = same(Buffer.from(ctx.password), Buffer.from(password));
      } else if (ctx.method === 'publickey') {
        const key = authorized.find((k) => same(ctx.key.data, k.getPublicSSH()));
        // Without a signature the client only asks whether the key would do; accepting tells it to sign.
        ok = key !== undefined && (!ctx.signature || key.verify(ctx.blob!, ctx.signature, ctx.hashAlgo));
      }
      if (userOk && ok) return ctx.accept();
      stats.authFailures++;
      ctx.reject(['password', 'publickey']);
    });
    client.on('ready', () => {
      stats.sessions++;
      client.on('session', (accept) => {
        accept().on('sftp', (acceptSftp) => serve(acceptSftp()));
      });
    });
  });

  const tcp = createServer((socket) => {
    stats.tcpConnections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    ssh.injectSocket(socket);
  });
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(0, '127.0.0.1', () => resolve());
  });
  const address = tcp.address();
  if (address === null || typeof address === 'string') throw new Error('test SFTP server has no TCP port');

  /** SFTP path (absolute, or relative to `/`) to the virtual absolute path and the local path; never above root. */
  function resolve(path: string): { virtual: string; real: string } {
    const virtual = posix.normalize(posix.join('/', path));
    return { virtual, real: join(root, virtual) };
  }

  function serve(sftp: SFTPWrapper): void {
    const handles = new Map<number, Handle>();
    let nextHandle = 1;
    const newHandle = (h: Handle) => {
      const id = nextHandle++;
      handles.set(id, h);
      const buf = Buffer.alloc(4);
      buf.writeUInt32BE(id, 0);
      return buf;
    };
    const getHandle = (buf: Buffer) => (buf.length === 4 ? handles.get(buf.readUInt32BE(0)) : undefined);
    sftp.on('close', () => {
      for (const h of handles.values()) if (h.kind === 'file') h.fh.close().catch(() => {});
      handles.clear();
    });

    /** Runs a request's handler unless a fault is due; a thrown error becomes a STATUS reply. */
    const on = <A extends unknown[]>(
      request: SftpRequest,
      handler: (reqid: number, ...args: A) => Promise<void>,
    ): void => {
      sftp.on(request, (reqid: number, ...args: A) => {
        stats.requests[request] = (stats.requests[request] ?? 0) + 1;
        const at = faults.findIndex((f) => f.request === request);
        if (at >= 0) {
          const [fault] = faults.splice(at, 1);
          if (fault!.action === 'drop') dropConnections();
          return;
        }
        handler(reqid, ...args).catch((err: NodeJS.ErrnoException) => {
          try {
            sftp.status(reqid, statusOf(err), err.message);
          } catch {
            // The channel is gone.
          }
        });
      });
    };
    const ok = (reqid: number) => sftp.status(reqid, STATUS_CODE.OK);

    on('REALPATH', async (reqid, path: string) => {
      const { virtual } = resolve(path);
      sftp.name(reqid, [{ filename: virtual, longname: virtual, attrs: {} as Attributes }]);
    });
    on('STAT', async (reqid, path: string) => {
      sftp.attrs(reqid, attrsOf(await stat(resolve(path).real)));
    });
    on('LSTAT', async (reqid, path: string) => {
      sftp.attrs(reqid, attrsOf(await lstat(resolve(path).real)));
    });
    on('SETSTAT', async (reqid) => ok(reqid));
    on('FSETSTAT', async (reqid) => ok(reqid));
    on('OPEN', async (reqid, path: string, flags: number, attrs: Attributes) => {
      const mode = flagsToString(flags);
      if (mode === null)
        throw Object.assign(new Error(`unsupported open flags ${flags}`), { code: 'EINVAL' });
      const fh = await open(resolve(path).real, mode, typeof attrs?.mode === 'number' ? attrs.mode : 0o644);
      sftp.handle(reqid, newHandle({ kind: 'file', fh }));
    });
    on('READ', async (reqid, handle: Buffer, offset: number, length: number) => {
      const h = getHandle(handle);
      if (h?.kind !== 'file') return sftp.status(reqid, STATUS_CODE.FAILURE, 'bad handle');
      const buf = Buffer.alloc(length);
      const { bytesRead } = await h.fh.read(buf, 0, length, offset);
      if (bytesRead === 0) return sftp.status(reqid, STATUS_CODE.EOF);
      sftp.data(reqid, buf.subarray(0, bytesRead));
    });
    on('WRITE', async (reqid, handle: Buffer, offset: number, data: Buffer) => {
      const h = getHandle(handle);
      if (h?.kind !== 'file') return sftp.status(reqid, STATUS_CODE.FAILURE, 'bad handle');
      await h.fh.write(data, 0, data.length, offset);
      ok(reqid);
    });
    on('FSTAT', async (reqid, handle: Buffer) => {
      const h = getHandle(handle);
      if (h?.kind !== 'file') return sftp.status(reqid, STATUS_CODE.FAILURE, 'bad handle');
      sftp.attrs(reqid, attrsOf(await h.fh.stat()));
    });
    on('CLOSE', async (reqid, handle: Buffer) => {
      const h = getHandle(handle);
      if (h === undefined) return sftp.status(reqid, STATUS_CODE.FAILURE, 'bad handle');
      handles.delete(handle.readUInt32BE(0));
      if (h.kind === 'file') await h.fh.close();
      ok(reqid);
    });
    on('OPENDIR', async (reqid, path: string) => {
      const { real } = resolve(path);
      const entries: FileEntry[] = [];
      // Raw bytes, like a real server: a name that is not valid UTF-8 reaches the client as the client decodes it.
      const names = [Buffer.from('.'), Buffer.from('..'), ...(await readdir(real, { encoding: 'buffer' }))];
      for (const raw of names) {
        const st = await lstat(Buffer.concat([Buffer.from(`${real}/`), raw]));
        const name = raw.toString('utf8');
        entries.push({ filename: name, longname: longname(name, st), attrs: attrsOf(st) });
      }
      sftp.handle(reqid, newHandle({ kind: 'dir', entries, sent: false }));
    });
    on('READDIR', async (reqid, handle: Buffer) => {
      const h = getHandle(handle);
      if (h?.kind !== 'dir') return sftp.status(reqid, STATUS_CODE.FAILURE, 'bad handle');
      if (h.sent) return sftp.status(reqid, STATUS_CODE.EOF);
      h.sent = true;
      sftp.name(reqid, h.entries);
    });
    on('RENAME', async (reqid, from: string, to: string) => {
      const target = resolve(to).real;
      // OpenSSH's SSH_FXP_RENAME never replaces an existing file.
      if (
        await lstat(target).then(
          () => true,
          () => false,
        )
      ) {
        return sftp.status(reqid, STATUS_CODE.FAILURE, 'target exists');
      }
      await rename(resolve(from).real, target);
      ok(reqid);
    });
    on('REMOVE', async (reqid, path: string) => {
      await unlink(resolve(path).real);
      ok(reqid);
    });
    on('RMDIR', async (reqid, path: string) => {
      await rmdir(resolve(path).real);
      ok(reqid);
    });
    on('MKDIR', async (reqid, path: string) => {
      await mkdir(resolve(path).real);
      ok(reqid);
    });
  }

  return {
    port: address.port,
    hostKeySha256,
    root,
    username,
    password,
    clientKey,
    stats,
    dropConnections,
    dropOn: (request) => {
      faults.push({ request, action: 'drop' });
    },
    stallOn: (request) => {
      faults.push({ request, action: 'stall' });
    },
    close: async () => {
      dropConnections();
      await new Promise<void>((done) => tcp.close(() => done()));
      if (ownRoot) await rm(root, { recursive: true, force: true });
    },
  };
}

function parse(key: string): ParsedKey {
  const parsed = utils.parseKey(key);
  if (parsed instanceof Error) throw parsed;
  return parsed;
}

/** Constant-time equality that does not leak the expected length. */
function same(input: Buffer, expected: Buffer): boolean {
  const match = timingSafeEqual(input, input.length === expected.length ? expected : input);
  return match && input.length === expected.length;
}

function attrsOf(st: Stats): Attributes {
  return {
    mode: st.mode,
    uid: st.uid,
    gid: st.gid,
    size: st.size,
    atime: Math.floor(st.atimeMs / 1000),
    mtime: Math.floor(st.mtimeMs / 1000),
  };
}

function longname(name: string, st: Stats): string {
  const type = st.isDirectory() ? 'd' : st.isSymbolicLink() ? 'l' : st.isFile() ? '-' : '?';
  const perms = ['r', 'w', 'x', 'r', 'w', 'x', 'r', 'w', 'x']
    .map((c, i) => (st.mode & (0o400 >> i) ? c : '-'))
    .join('');
  const date = new Date(st.mtimeMs).toUTCString().slice(5, 22);
  return `${type}${perms} 1 ${st.uid} ${st.gid} ${st.size} ${date} ${name}`;
}

function statusOf(err: NodeJS.ErrnoException): number {
  switch (err.code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return STATUS_CODE.NO_SUCH_FILE;
    case 'EACCES':
    case 'EPERM':
      return STATUS_CODE.PERMISSION_DENIED;
    default:
      return STATUS_CODE.FAILURE;
  }
}
