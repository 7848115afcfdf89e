import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { signedHeaders } from '@switchyard/connector-http-json';
import { createTestDatabase, type TestDatabase } from '@switchyard/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HubProcess, repoRoot, scratchDir, startHub } from '../support/hub-process.ts';

const example = readFileSync(join(repoRoot, 'connectors/http-json/examples/order.json'));
const scratch = scratchDir('workers');
let db: TestDatabase;
let hub: HubProcess | undefined;
const env = () => ({ DATABASE_URL: db.url, SWITCHYARD_WORKERS: '2', DEMO_WEBHOOK_SECRET: undefined });

/** Hub worker processes forked by a primary (Linux); tsx's esbuild helper is another child and is left out. */
function children(pid: number): number[] {
  let pids: number[];
  try {
    pids = execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
  return pids.filter((p) => {
    try {
      return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('switchyard.js');
    } catch {
      return false;
    }
  });
}
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
async function waitFor(check: () => boolean, ms = 15_000) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  db = await createTestDatabase({ migrate: false });
});
afterAll(async () => {
  if (hub && hub.child.exitCode === null) hub.child.kill('SIGKILL');
  await db?.drop();
  scratch.remove();
});

describe('several hub processes (SWITCHYARD_WORKERS=2)', () => {
  it('serves webhooks from both workers and stops them all cleanly on SIGTERM', async () => {
    hub = await startHub(scratch.dir, env());
    const workers = children(hub.child.pid!);
    expect(workers).toHaveLength(2);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => {
        const body = Buffer.from(example.toString().replace('WEB-100234', `W-${i}`));
        return fetch(`${hub!.url}/webhooks/demo`, {
          method: 'POST',
          body,
          headers: signedHeaders('dev-secret', body),
        });
      }),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    expect(Number((await db.sql`select count(*) as n from orders`)[0]!.n)).toBe(20);
    hub.child.kill('SIGTERM');
    expect(await hub.exited).toBe(0);
    expect(workers.filter(alive)).toEqual([]);
  });

  it('leaves no worker holding the port when the primary is killed with SIGKILL', async () => {
    hub = await startHub(scratch.dir, env());
    const workers = children(hub.child.pid!);
    expect(workers).toHaveLength(2);
    hub.child.kill('SIGKILL');
    await hub.exited;
    await waitFor(() => workers.every((w) => !alive(w)));
    hub = await startHub(scratch.dir, env());
    expect((await fetch(`${hub.url}/healthz`)).status).toBe(200);
    hub.child.kill('SIGTERM');
    expect(await hub.exited).toBe(0);
  });
});
