import { readFileSync } from 'node:fs';
import { run, startError } from './process.ts';

// The unprivileged account PostgreSQL runs as when the hub runs as root, and what it can reach.

export interface Account {
  uid: number;
  gid: number;
  name: string;
}

export function lookupUser(name: string): Account | undefined {
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
export async function serverAccount(log: (l: string) => void): Promise<Account | undefined> {
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
export async function reachable(path: string, account: Account | undefined): Promise<boolean> {
  if (!account) return true;
  const r = await run('/bin/sh', ['-c', 'test -x "$1"', 'sh', path], { uid: account.uid, gid: account.gid });
  return r.code === 0;
}
