import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scratchDir, startHub } from '../support/hub-process.ts';

const here = fileURLToPath(new URL('.', import.meta.url));

/** Time from spawning the bare hono server to its "listening" line: the floor for any TypeScript process here. */
async function bareStartMs(): Promise<number> {
  const began = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'bare-server.ts')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve) =>
    child.stdout!.on('data', (d) => String(d).includes('listening') && resolve()),
  );
  const ms = Date.now() - began;
  child.kill('SIGTERM');
  return ms;
}

/**
 * Start-up benchmark: time from spawning `switchyard start` (example config,
 * embedded PostgreSQL) to a 200 from /healthz, for a first run (initdb), later runs,
 * and a run after the previous hub was killed with SIGKILL.
 */
export async function startupBench() {
  const scratch = scratchDir('bench-startup');
  const env = { DATABASE_URL: undefined, DEMO_WEBHOOK_SECRET: undefined };
  const runs: Record<string, number> = {};
  const time = async (label: string, stopWith: 'SIGTERM' | 'SIGKILL') => {
    const began = Date.now();
    const hub = await startHub(scratch.dir, env);
    runs[label] = Date.now() - began;
    hub.child.kill(stopWith);
    await hub.exited;
  };
  try {
    await time('firstRunMs', 'SIGTERM');
    await time('laterRunMs', 'SIGKILL');
    await time('afterKill9Ms', 'SIGTERM');
  } finally {
    scratch.remove();
  }
  const baseline = await bareStartMs();
  return {
    bench: 'startup',
    ...runs,
    bareServerStartMs: baseline,
    ratioLaterRunToBare: Number((runs.laterRunMs! / baseline).toFixed(2)),
  };
}
