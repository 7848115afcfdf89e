import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sign } from '@switchyard/connector-http-json';
import { redactUrl } from '@switchyard/core';
import autocannon from 'autocannon';
import postgres from 'postgres';
import { type HubProcess, scratchDir, startHub } from '../support/hub-process.ts';

/**
 * Intake benchmark: signed, distinct ~4 KB orders POSTed to /webhooks/demo of a real hub process at 64
 * connections, against two baselines measured the same way in the same run: a bare hono route (no work) and the
 * route a developer would hand-write on the same PostgreSQL (HMAC, one INSERT per request). PostgreSQL is the
 * server of DATABASE_URL (a fresh database on it) or, without it, the hub's embedded one; fsync on either way.
 */
const SECRET = 'bench-signing-secret';
const here = fileURLToPath(new URL('.', import.meta.url));

export function orderTemplate(): { prefix: string; suffix: string } {
  const lines = Array.from({ length: 14 }, (_, i) => ({
    id: `L${i + 1}`,
    sku: `SKU-${1000 + i}`,
    title: `Catalogue item number ${i + 1}, colour and size variant`,
    quantity: 1 + (i % 3),
    unitPrice: `${10 + i}.99`,
    taxes: [{ title: 'State tax', rate: '0.0725', amount: '0.80' }],
  }));
  const address = {
    name: 'Bench Buyer',
    line1: '1 Loop Rd',
    city: 'Localhost',
    region: 'CA',
    postalCode: '94000',
    country: 'US',
  };
  const body = {
    id: '__ID__',
    number: '#__ID__',
    currency: 'USD',
    placedAt: '2026-11-20T15:04:05Z',
    customer: { id: 'cust-1', email: 'buyer@example.com', name: 'Bench Buyer' },
    shippingAddress: address,
    billingAddress: address,
    lines,
    shipping: [{ code: 'ground', title: 'Ground', price: '7.95' }],
    note: 'x'.repeat(600),
  };
  const [prefix, suffix] = JSON.stringify(body).split('"__ID__"', 2) as [string, string];
  return { prefix, suffix: suffix.replace('"#__ID__"', '"#N"') };
}

/** Numbers every request of the process, so each one is a distinct order (no accidental duplicates across runs). */
let sequence = 0;

interface Run {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  total: number;
  non2xx: number;
  errors: number;
}

async function load(
  url: string,
  durationS: number,
  body: (n: number) => { body: string; headers: Record<string, string> },
): Promise<Run> {
  const result = await autocannon({
    url,
    connections: 64,
    pipelining: 1,
    duration: durationS,
    requests: [
      {
        method: 'POST',
        setupRequest: (req) => {
          const next = body(sequence++);
          return { ...req, body: next.body, headers: { ...req.headers, ...next.headers } };
        },
      },
    ],
  });
  return {
    requestsPerSecond: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    total: result['2xx'] + result.non2xx,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

function startBaseline(env: Record<string, string> = {}): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'bare-server.ts')], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve({ child, url: m[1]! });
    });
    child.once('exit', (code) => reject(new Error(`baseline server exited ${code}`)));
  });
}

async function stopBaseline(baseline: { child: ChildProcess }): Promise<void> {
  const exited = new Promise((resolve) => baseline.child.once('exit', resolve));
  baseline.child.kill('SIGTERM');
  await exited;
}

/** What a webhook benchmark varies: the hub's config, the endpoint, and how a distinct signed delivery is made. */
export interface WebhookBench {
  name: string;
  /** A switchyard.config.ts for the hub under test; the example config when absent. */
  config?: string;
  env: Record<string, string | undefined>;
  /** The signing secret, for the hand-written baseline's HMAC check. */
  secret: string;
  path: string;
  signed: (n: number) => { body: string; headers: Record<string, string> };
  targets: Record<string, number>;
}

/**
 * Where the hub's PostgreSQL lives: with DATABASE_URL, a fresh database on that server (dropped afterwards),
 * so the counts below see only this run; without, the hub's embedded server (fsync on).
 */
export async function benchDatabase(name: string) {
  const admin = process.env.DATABASE_URL;
  if (!admin) return { env: { DATABASE_URL: undefined }, kind: 'embedded', drop: async () => {} };
  const db = `sy_bench_${name.replace(/\W/g, '_')}_${randomBytes(4).toString('hex')}`;
  const server = postgres(admin, { max: 1, onnotice: () => {} });
  await server.unsafe(`create database ${db}`);
  const url = new URL(admin);
  url.pathname = `/${db}`;
  return {
    env: { DATABASE_URL: url.toString() },
    kind: redactUrl(admin),
    drop: async () => {
      await server.unsafe(`drop database if exists ${db} with (force)`);
      await server.end();
    },
  };
}

/** The URL the hub's own process uses, to reach the same database from the baseline and the counters. */
export function hubDatabaseUrl(dir: string, env: Record<string, string | undefined>): string {
  if (env.DATABASE_URL) return env.DATABASE_URL;
  const state = JSON.parse(readFileSync(join(dir, '.switchyard', 'embedded.json'), 'utf8')) as {
    port: number;
    password: string;
  };
  return `postgres://switchyard:${encodeURIComponent(state.password)}@127.0.0.1:${state.port}/switchyard`;
}

const ratio = (a: number, b: number) => (b ? Number((a / b).toFixed(3)) : null);

/**
 * Posts distinct signed deliveries at 64 connections, after a warm-up, to three servers in one run: a bare hono
 * route (no work), a hand-written route on the hub's PostgreSQL (HMAC check, one INSERT of the raw body per
 * request), and a real hub process. After the hub's run it reports the deliveries still waiting to become
 * canonical orders (the backlog) and how long they take to drain.
 */
export async function measureWebhooks(bench: WebhookBench, durationS = 10, workers = 1) {
  const bodyBytes = Buffer.byteLength(bench.signed(0).body);
  const bare = await startBaseline();
  const bareRoute = await load(`${bare.url}${bench.path}`, durationS, bench.signed);
  await stopBaseline(bare);

  const scratch = scratchDir(`bench-${bench.name}`);
  const configFile = join(scratch.dir, 'switchyard.config.ts');
  const config = bench.config ?? readFileSync(configFile, 'utf8');
  const database = await benchDatabase(bench.name);
  const env = {
    SWITCHYARD_LOG_LEVEL: 'info',
    SWITCHYARD_WORKERS: String(workers),
    ...database.env,
    ...bench.env,
  };
  let handWritten: (Run & { rowsStored: number }) | undefined;
  let fsync = '?';
  const hubs: Record<string, HubFigures | { error: string }> = {};
  try {
    for (const mode of intakeModes()) {
      writeFileSync(configFile, withIntake(config, mode));
      let hub: HubProcess;
      try {
        hub = await startHub(scratch.dir, env);
      } catch (error) {
        hubs[mode] = { error: (error as Error).message.slice(0, 600) };
        continue;
      }
      const sql = postgres(hubDatabaseUrl(scratch.dir, env), { max: 1, onnotice: () => {} });
      try {
        [{ fsync = '?' } = {}] = await sql<{ fsync: string }[]>`select current_setting('fsync') as fsync`;
        if (dropsInboxForeignKeys()) await dropInboxForeignKeys(sql);
        // Measured while the first hub idles, on its database: the same PostgreSQL, the same fsync.
        handWritten ??= await measureHandWritten(hubDatabaseUrl(scratch.dir, env), sql, bench, durationS);
        hubs[mode] = await measureHub(hub.url, sql, bench, durationS, handWritten);
      } finally {
        await sql.end();
        hub.child.kill('SIGTERM');
        await hub.exited;
      }
    }
  } finally {
    await database.drop();
    scratch.remove();
  }
  return {
    bench: bench.name,
    database: database.kind,
    workers,
    bodyBytes,
    connections: 64,
    durationS,
    fsync,
    ...(dropsInboxForeignKeys()
      ? { experiment: 'inbox foreign keys to tenants and connections dropped' }
      : {}),
    bareRoute,
    handWritten,
    hub: hubs,
    targets: bench.targets,
  };
}

/**
 * EXPERIMENT, not a setting (issue 11, intake speed): BENCH_EXPERIMENT_NO_INBOX_FKS=1 drops the inbox's foreign
 * keys to tenants and connections in this bench's own throwaway database, after the hub migrated it, to measure
 * what their FOR KEY SHARE locks on the same parent rows (MultiXacts under concurrent batches) cost the intake.
 * The migrations keep the keys: this only answers whether removing them would be worth it.
 */
function dropsInboxForeignKeys(): boolean {
  return process.env.BENCH_EXPERIMENT_NO_INBOX_FKS === '1';
}

async function dropInboxForeignKeys(sql: postgres.Sql): Promise<void> {
  const keys = await sql<{ name: string }[]>`
    select conname as name from pg_constraint
    where conrelid = 'inbox'::regclass and contype = 'f'
      and confrelid in ('tenants'::regclass, 'connections'::regclass)`;
  for (const { name } of keys) await sql`alter table inbox drop constraint ${sql(name)}`;
}

/** The hub's intake modes to measure: BENCH_INTAKE (comma-separated), else both. */
function intakeModes(): string[] {
  return (process.env.BENCH_INTAKE ?? 'sync,deferred').split(',').map((m) => m.trim());
}

/** The config with `server.intake` set; 'sync' (the default) leaves it as written. */
function withIntake(config: string, mode: string): string {
  if (mode === 'sync') return config;
  return `${config.replace('export default defineConfig(', 'const config = defineConfig(')}
export default { ...config, server: { ...config.server, intake: ${JSON.stringify(mode)} } };
`;
}

async function measureHandWritten(url: string, sql: postgres.Sql, bench: WebhookBench, durationS: number) {
  const rows = async () =>
    Number((await sql<{ n: string }[]>`select count(*) as n from handwritten_webhooks`)[0]!.n);
  const server = await startBaseline({ BENCH_DATABASE_URL: url, BENCH_SECRET: bench.secret });
  try {
    await load(`${server.url}${bench.path}`, 2, bench.signed); // warm-up
    const before = await rows();
    const run = await load(`${server.url}${bench.path}`, durationS, bench.signed);
    return { ...run, rowsStored: (await rows()) - before };
  } finally {
    await stopBaseline(server);
  }
}

type HubFigures = Awaited<ReturnType<typeof measureHub>>;

/**
 * The hub's acceptance (what its senders see), then, separately, how fast deliveries became canonical orders:
 * while the load ran, and sustained until the last one was written; with the deferred intake, the backlog of
 * deliveries stored but not yet normalized when the load stopped, and how long it took to drain.
 */
async function measureHub(url: string, sql: postgres.Sql, bench: WebhookBench, durationS: number, hand: Run) {
  const counts = async () => {
    const [row] = await sql<{ orders: string; waiting: string }[]>`
      select (select count(*) from orders) as orders,
             (select count(*) from inbox where status not in ('processed', 'ignored', 'failed')) as waiting`;
    return { orders: Number(row!.orders), waiting: Number(row!.waiting) };
  };
  await load(`${url}${bench.path}`, 2, bench.signed); // warm-up: JIT, pool, PostgreSQL caches
  await drain(counts, 120_000); // what the warm-up left
  const before = await counts();
  const began = Date.now();
  const run = await load(`${url}${bench.path}`, durationS, bench.signed);
  const loadEnded = Date.now();
  const atStop = await counts();
  const drained = await drain(counts, 300_000);
  const orders = drained.orders - before.orders;
  return {
    webhooks: { ...run, perSecond: run.requestsPerSecond },
    canonicalOrders: {
      /** Orders committed while the load ran, per second of load. */
      perSecondDuringLoad: Math.round((atStop.orders - before.orders) / durationS),
      /** All orders of the run, per second from the first request to the last order written. */
      perSecondSustained: Math.round((orders * 1000) / (drained.at - began)),
      /** Deliveries stored but not yet normalized when the load stopped, and how long they took to drain. */
      backlogAtStop: atStop.waiting,
      drainMs: atStop.waiting ? drained.at - loadEnded : 0,
      /** Still waiting when the bench gave up (300 s): should be 0. */
      backlogLeft: drained.waiting,
      /** Orders of the run; equals the 2xx count when every accepted webhook became one order. */
      stored: orders,
    },
    ratioToHandWritten: ratio(run.requestsPerSecond, hand.requestsPerSecond),
    p99ToHandWritten: ratio(run.p99Ms, hand.p99Ms),
  };
}

/** Polls until no delivery waits to be normalized (or the deadline passes); returns the counts and when. */
async function drain(
  counts: () => Promise<{ orders: number; waiting: number }>,
  deadlineMs: number,
): Promise<{ orders: number; waiting: number; at: number }> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const now = await counts();
    if (now.waiting === 0 || Date.now() > until) return { ...now, at: Date.now() };
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The http-json intake: signed, distinct ~4 KB orders to /webhooks/demo of the example config. */
export function intakeBench(durationS = 10, workers = 1) {
  const { prefix, suffix } = orderTemplate();
  const runId = Date.now().toString(36);
  return measureWebhooks(
    {
      name: 'intake',
      env: { DEMO_WEBHOOK_SECRET: SECRET },
      secret: SECRET,
      path: '/webhooks/demo',
      signed: (n) => {
        const body = `${prefix}"${runId}-${n}"${suffix}`;
        const ts = Math.floor(Date.now() / 1000);
        return {
          body,
          headers: {
            'content-type': 'application/json',
            'x-switchyard-timestamp': String(ts),
            'x-switchyard-signature': sign(SECRET, ts, body),
          },
        };
      },
      targets: { perSecond: 3000, p99Ms: 50 },
    },
    durationS,
    workers,
  );
}
