import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { signedHeaders } from '@switchyard/connector-http-json';
import { createTestDatabase, type TestDatabase } from '@switchyard/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, type HubProcess, repoRoot, scratchDir, startHub } from '../support/hub-process.ts';

/**
 * The deferred intake (server.intake 'deferred') through the real binary: deliveries are answered 202 "received"
 * once stored raw, the process is killed with SIGKILL before any of them was normalized, and the next start makes
 * each one exactly one order (or its exception), with nothing left received.
 */
const SECRET = 'deferred-secret-0123456789';
const ORDERS = 100;
const example = JSON.parse(
  readFileSync(join(repoRoot, 'connectors/http-json/examples/order.json'), 'utf8'),
) as Record<string, unknown>;
const scratch = scratchDir('deferred');
let db: TestDatabase;
let hub: HubProcess | undefined;
let env: Record<string, string | undefined>;

beforeAll(async () => {
  db = await createTestDatabase();
  writeFileSync(
    join(scratch.dir, 'switchyard.config.ts'),
    `import { defineConfig, env } from '@switchyard/core';
export default defineConfig({
  tenants: [{ id: 'demo', name: 'Demo' }],
  connections: [{
    id: 'demo', tenant: 'demo', connector: 'http-json',
    settings: { toleranceSeconds: 300 }, secrets: { signingSecret: env('DEFERRED_SECRET') },
  }],
  server: { intake: 'deferred' },
});`,
  );
  env = { DATABASE_URL: db.url, DEFERRED_SECRET: SECRET };
}, 120_000);

afterAll(async () => {
  if (hub && hub.child.exitCode === null) {
    hub.child.kill('SIGKILL');
    await hub.exited;
  }
  await db?.drop();
  scratch.remove();
});

const post = (body: string) =>
  fetch(`${hub!.url}/webhooks/demo`, { method: 'POST', body, headers: signedHeaders(SECRET, body) });
const order = (i: number) => JSON.stringify({ ...example, id: `DEF-${i}`, number: `#${i}` });
const inboxCounts = async () =>
  Object.fromEntries(
    (
      await db.sql<
        { status: string; n: number }[]
      >`select status, count(*)::int as n from inbox group by status`
    ).map((r) => [r.status, r.n]),
  );

/** Holds a SHARE lock on `orders` until released: deliveries are stored and answered, none can be normalized. */
async function blockNormalization(): Promise<{ release(): Promise<void> }> {
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  let locked!: () => void;
  const isLocked = new Promise<void>((r) => (locked = r));
  const tx = db.sql.begin(async (sql) => {
    await sql`lock table orders in share mode`;
    locked();
    await held;
  });
  await isLocked;
  return {
    async release() {
      release();
      await tx;
    },
  };
}

it('answers 202 received before normalizing; after kill -9 the next start makes each delivery one order', async () => {
  hub = await startHub(scratch.dir, env);
  const block = await blockNormalization();
  let answers: { status: number; body: { status: string; inboxId?: string } }[];
  try {
    const bodies = [...Array.from({ length: ORDERS }, (_, i) => order(i)), '{"id": "HALF-AN-ORDER", '];
    answers = await Promise.all(
      bodies.map(async (body) => {
        const res = await post(body);
        return { status: res.status, body: (await res.json()) as { status: string; inboxId?: string } };
      }),
    );
    // The same delivery again, while the first is still waiting: a duplicate, not a second row.
    const again = await post(order(0));
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ status: 'duplicate' });

    expect(answers.filter((a) => a.status === 202 && a.body.status === 'received')).toHaveLength(ORDERS + 1);
    expect(new Set(answers.map((a) => a.body.inboxId)).size).toBe(ORDERS + 1);
    expect(await inboxCounts()).toEqual({ received: ORDERS + 1 });

    // Killed with everything stored raw and nothing normalized (a normalizer's claim never committed).
    hub.child.kill('SIGKILL');
    await hub.exited;
  } finally {
    await block.release();
  }
  expect((await db.sql<{ n: number }[]>`select count(*)::int as n from orders`)[0]!.n).toBe(0);

  hub = await startHub(scratch.dir, env);
  const deadline = Date.now() + 60_000;
  while ((await inboxCounts()).received && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 100));
  expect(await inboxCounts()).toEqual({ processed: ORDERS, failed: 1 });

  const orders = await db.sql<{ external_id: string }[]>`select external_id from orders order by external_id`;
  expect(orders).toHaveLength(ORDERS);
  expect(new Set(orders.map((o) => o.external_id)).size).toBe(ORDERS);
  const [created] = await db.sql<{ n: number }[]>`
    select count(*)::int as n from order_events where type = 'order.created'`;
  expect(created!.n).toBe(ORDERS);

  // The malformed delivery became an exception naming the inbox id it was answered with, which the CLI replays.
  const malformed = answers[ORDERS]!.body.inboxId;
  const listed = cli(scratch.dir, ['exceptions', 'list', '--json'], env);
  expect(listed.code, listed.stderr).toBe(0);
  const { exceptions } = JSON.parse(listed.stdout) as {
    exceptions: { id: string; inboxId: string; kind: string; replayCount: number }[];
  };
  expect(exceptions).toEqual([
    expect.objectContaining({ inboxId: malformed, kind: 'normalize', replayCount: 0 }),
  ]);
  const replayed = cli(scratch.dir, ['exceptions', 'replay', exceptions[0]!.id], env);
  expect(replayed.code).toBe(2);
  expect(replayed.stderr).toMatch(/failed again: body is not valid JSON/);
  const after = JSON.parse(cli(scratch.dir, ['exceptions', 'list', '--json'], env).stdout);
  expect(after.exceptions).toEqual([expect.objectContaining({ id: exceptions[0]!.id, replayCount: 1 })]);
}, 180_000);

it('a hub gone back to sync intake normalizes what a deferred run left received, and says so at start', async () => {
  if (hub && hub.child.exitCode === null && hub.child.signalCode === null) {
    hub.child.kill('SIGKILL');
    await hub.exited;
  }
  hub = await startHub(scratch.dir, env);
  const LEFT = 20;
  const before = await inboxCounts();
  const block = await blockNormalization();
  try {
    const answers = await Promise.all(
      Array.from({ length: LEFT }, async (_, i) => {
        const res = await post(JSON.stringify({ ...example, id: `SYNC-${i}`, number: `#S${i}` }));
        return res.status;
      }),
    );
    expect(answers).toEqual(Array(LEFT).fill(202));
    hub.child.kill('SIGKILL');
    await hub.exited;
  } finally {
    await block.release();
  }
  expect((await inboxCounts()).received).toBe(LEFT);

  // The operator tried deferred and reverted: the same connections, intake 'sync'.
  const syncConfig = join(scratch.dir, 'sync.config.ts');
  writeFileSync(
    syncConfig,
    readFileSync(join(scratch.dir, 'switchyard.config.ts'), 'utf8').replace(
      "server: { intake: 'deferred' }",
      "server: { intake: 'sync' }",
    ),
  );
  hub = await startHub(scratch.dir, { ...env, SWITCHYARD_CONFIG: syncConfig });
  const deadline = Date.now() + 60_000;
  while ((await inboxCounts()).received && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 100));
  expect(await inboxCounts()).toEqual({ ...before, processed: (before.processed ?? 0) + LEFT });
  const [made] = await db.sql<{ n: number }[]>`
    select count(*)::int as n from orders where external_id like 'SYNC-%'`;
  expect(made!.n).toBe(LEFT);
  expect(hub.log()).toContain(
    `${LEFT} deliveries were left received (stored, not yet normalized) by an earlier run; normalizing them now`,
  );
}, 180_000);

describe('switchyard config check', () => {
  it('prints the intake mode in force, and refuses one it does not know', () => {
    const r = cli(scratch.dir, ['config', 'check'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      'intake: deferred — webhooks answered 202 received once stored raw, normalized right behind',
    );
    const json = cli(scratch.dir, ['config', 'check', '--json'], env);
    expect(JSON.parse(json.stdout).server).toMatchObject({ intake: 'deferred' });

    const file = join(scratch.dir, 'later.config.ts');
    writeFileSync(
      file,
      `import { defineConfig } from '@switchyard/core';
export default defineConfig({ tenants: [{ id: 'demo', name: 'Demo' }], connections: [], server: { intake: 'later' } } as never);
`,
    );
    const refused = cli(scratch.dir, ['config', 'check', '--config', file], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/server\.intake: .*"sync".*"deferred"/);
  });
});
