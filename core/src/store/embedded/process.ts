import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { describeError, HubError } from '../../errors.ts';

// Processes and ports: who runs, which port is free, running a binary as the server account.

export const SUPERUSER = 'switchyard';
export const DATABASE = 'switchyard';

export function startError(detail: string, fix: string, cause?: unknown): HubError {
  return new HubError(
    { type: 'embedded-postgres', title: 'Embedded PostgreSQL failed', status: 500, detail, fix },
    { cause },
  );
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A process's start time in clock ticks since boot (Linux): tells a live process from a reused pid. */
export function startTicks(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Whether this exact process (same pid and start time) still runs. */
export function stillRuns(pid: number | undefined, start: string | undefined): boolean {
  if (!pid || !alive(pid)) return false;
  const ticks = startTicks(pid);
  return start === undefined || ticks === undefined || ticks === start;
}

/** True when pid is the postmaster of this data directory (Linux: its command line; elsewhere: alive). */
export function isPostmasterOf(pid: number, data: string): boolean {
  if (!alive(pid)) return false;
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return args[args.indexOf('-D') + 1] === data;
  } catch {
    return process.platform !== 'linux';
  }
}

/** What the server processes get: no secrets of the hub's environment reach the server's account. */
export function serverEnv(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    LC_ALL: 'C',
    LANG: 'C',
    ...(process.env.TZ ? { TZ: process.env.TZ } : {}),
  };
}

export async function freePort(preferred?: number): Promise<number> {
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

export function run(
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
