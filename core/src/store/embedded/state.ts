import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, writeFileSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Account } from './account.ts';
import { run, SUPERUSER, serverEnv, startError, startTicks, stillRuns } from './process.ts';

export interface State {
  port: number;
  password: string;
  /** The process that stops the server at its exit: pid and start time (a reused pid is not the owner). */
  ownerPid?: number | undefined;
  ownerStart?: string | undefined;
}

// The state file (port, password, owner) under a lock, and creating the cluster.

export async function withLock<T>(file: string, fn: () => Promise<T>): Promise<T> {
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

export function readState(file: string): State | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as State;
  } catch {
    return undefined;
  }
}

export async function writeState(file: string, state: State): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, JSON.stringify(state, null, 2), { mode: 0o600 });
  await fs.rename(tmp, file);
}

export async function initdb(
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
