import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, constants, openSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';
import { HubError } from '../../errors.ts';
import type { Account } from './account.ts';
import { alive, DATABASE, isPostmasterOf, SUPERUSER, serverEnv, startError } from './process.ts';

// The running postmaster: its pid file, probing it, waiting for it, stopping and launching it.

/** postmaster.pid: line 1 the pid, line 4 the port. */
export function readPostmaster(data: string): { pid: number; port: number } | undefined {
  try {
    const lines = readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n');
    return { pid: Number(lines[0]), port: Number(lines[3]) };
  } catch {
    return undefined;
  }
}

export function urlFor(port: number, password: string, database = DATABASE): string {
  return `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
}

export type Probe = 'ok' | 'refused' | 'bad-password';

export async function probe(port: number, password: string): Promise<Probe> {
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

export function badPassword(stateFile: string, data: string): HubError {
  return new HubError({
    type: 'embedded-password',
    title: 'Embedded PostgreSQL refuses the kept password',
    status: 500,
    detail: `the PostgreSQL in ${data} refuses the password kept in ${stateFile} (was that file replaced or deleted?)`,
    fix: `restore ${stateFile}, or move ${data} away to start with an empty database`,
  });
}

export async function waitReady(
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
export async function otherClients(port: number, password: string): Promise<number> {
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

export async function stopPostmaster(data: string, log: (l: string) => void): Promise<void> {
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
export interface Launch {
  runtime: string;
  account: Account | undefined;
  port: number;
  password: string;
  files: { log: string; state: string; data: string };
  timeoutS: number;
}

/** Starts the postmaster detached, its output appended to the log, and waits until it accepts connections. */
export async function launch(spec: Launch): Promise<number> {
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

export function statSafeSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}
