import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, lstatSync, mkdirSync, mkdtempSync, readlinkSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(repoRoot, 'server', 'bin', 'switchyard.js');

/** A scratch working directory inside the repo (so the config can import @switchyard/core), with the example config. */
export function scratchDir(prefix: string): { dir: string; remove(): void } {
  const base = join(repoRoot, '.switchyard-test');
  mkdirSync(base, { recursive: true });
  const dir = mkdtempSync(join(base, `${prefix}-`));
  copyFileSync(join(repoRoot, 'switchyard.config.ts'), join(dir, 'switchyard.config.ts'));
  const remove = () => {
    // Under a private parent directory the embedded data lives elsewhere, linked from pgdata: remove it too.
    const link = join(dir, '.switchyard', 'pgdata');
    try {
      if (lstatSync(link).isSymbolicLink()) rmSync(readlinkSync(link), { recursive: true, force: true });
    } catch {
      // no embedded data
    }
    rmSync(dir, { recursive: true, force: true });
  };
  return { dir, remove };
}

function cleanEnv(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  return env;
}

/** Runs one CLI command to completion. */
export function cli(
  cwd: string,
  args: string[],
  env: Record<string, string | undefined> = {},
  timeoutMs = 120_000,
) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd,
    env: cleanEnv(env),
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export interface HubProcess {
  child: ChildProcess;
  url: string;
  /** Everything it logged so far. */
  log(): string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

/** Starts `switchyard start` on a free port and waits until /healthz answers. */
export async function startHub(
  cwd: string,
  env: Record<string, string | undefined> = {},
  timeoutMs = 60_000,
): Promise<HubProcess> {
  const child = spawn(process.execPath, [bin, 'start'], {
    cwd,
    // The human format: these tests read the hub's lines (a hub not on a terminal writes JSON by default).
    env: cleanEnv({ PORT: '0', SWITCHYARD_LOG_FORMAT: 'pretty', ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = /listening on (http:\/\/\S+)/.exec(output);
    if (match) {
      const res = await fetch(`${match[1]}/healthz`).catch(() => undefined);
      if (res?.ok) return { child, url: match[1]!, log: () => output, exited };
    }
    if (child.exitCode !== null) throw new Error(`the hub exited with ${child.exitCode}: ${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the hub did not come up within ${timeoutMs} ms: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
