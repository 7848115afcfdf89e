import { randomBytes, randomInt } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { httpJson, signedHeaders } from '@switchyard/connector-http-json';
import {
  type AnyConnector,
  type Connection,
  connect,
  connectorMigrations,
  createApiKey,
  IntakeQueue,
  listOrders,
  migrate,
  type ResolvedConfig,
  redactUrl,
  SecretBox,
  type Sql,
  serverLimits,
  startEmbedded,
  syncConfig,
} from '@switchyard/core';
import { createApp, installedConnectors, listen, silentLogger } from '@switchyard/server';
import postgres from 'postgres';
// Not exported by @switchyard/server: the bench runs it beside the app as `switchyard start` does (start.ts).
import { startJobRunner } from '../../server/src/operator/index.ts';
import { repoRoot, scratchDir } from '../support/hub-process.ts';
import {
  exceptionCounts,
  exceptionsPage,
  explain,
  orderDetail,
  ordersPage,
  run,
  type Statement,
} from './api-queries.ts';
import {
  BUYERS,
  checkSeededOrders,
  connectionOf,
  DELIVERY_EVERY,
  EXCEPTIONS_TENANT,
  externalIdOf,
  externalNumberOf,
  type FailedDelivery,
  heavyBuyer,
  type SeedSize,
  seed,
  seedSignature,
  TENANTS,
} from './api-seed.ts';
import { orderTemplate } from './intake.ts';

/**
 * The operator API at scale (issue 12, "Speed"): 1,000,000 orders across three tenants and 100,000 open
 * exceptions, seeded with set-based SQL (api-seed.ts); the hub's HTTP app served on a free port in this process
 * with its job runner, as `switchyard start` runs them; p50/p99 of each query as a client sees it, against the
 * same query as bare SQL through postgres.js (api-queries.ts); then live webhook intake alone and during a bulk
 * replay of the 100,000 exceptions.
 */

const log = (line: string) => process.stdout.write(`api: ${line}\n`);
const percentile = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : 0;
const ms = (v: number) => Number(v.toFixed(2));
const ratio = (a: number, b: number) => (b ? Number((a / b).toFixed(2)) : null);
const secretOf = (tenant: string) => `bench-signing-secret-of-${tenant}`;

const config: ResolvedConfig = {
  tenants: TENANTS.map((t) => ({ id: t.id, name: t.name })),
  connections: TENANTS.map((t) => ({
    id: connectionOf(t.id),
    tenantId: t.id,
    connector: 'http-json',
    settings: { toleranceSeconds: 300 },
    secrets: { signingSecret: secretOf(t.id) },
    defaultedEnv: [],
  })),
  server: serverLimits(),
};

/**
 * The bench's PostgreSQL: with DATABASE_URL, a database of its own on that server (dropped afterwards); without,
 * an embedded server in a scratch folder. BENCH_API_KEEP=1 keeps either under a fixed name and reuses its seed.
 */
async function benchDatabase(keep: boolean) {
  const admin = process.env.DATABASE_URL;
  if (admin) {
    const name = keep ? 'sy_bench_api_kept' : `sy_bench_api_${randomBytes(4).toString('hex')}`;
    const server = postgres(admin, { max: 1, onnotice: () => {} });
    const [found] = await server`select 1 from pg_database where datname = ${name}`;
    if (!found) await server.unsafe(`create database ${name}`);
    const url = new URL(admin);
    url.pathname = `/${name}`;
    return {
      url: url.toString(),
      kind: `${redactUrl(admin)} (database ${name})`,
      drop: async () => {
        if (!keep) await server.unsafe(`drop database if exists ${name} with (force)`);
        await server.end();
      },
    };
  }
  const kept = join(repoRoot, '.switchyard-test', 'bench-api-kept');
  if (keep) mkdirSync(kept, { recursive: true });
  const scratch = keep ? { dir: kept, remove: () => {} } : scratchDir('bench-api');
  const embedded = await startEmbedded({ dir: join(scratch.dir, '.switchyard') });
  return {
    url: embedded.url,
    kind: 'embedded',
    drop: async () => {
      await embedded.stop();
      scratch.remove();
    },
  };
}

/** Times `count` calls one after another (after `warm` untimed ones): sorted milliseconds. */
async function timed<T>(samples: T[], warm: number, call: (sample: T) => Promise<void>): Promise<number[]> {
  for (let i = 0; i < warm; i++) await call(samples[i % samples.length]!);
  const times: number[] = [];
  for (const sample of samples) {
    const began = performance.now();
    await call(sample);
    times.push(performance.now() - began);
  }
  return times.sort((a, b) => a - b);
}

const pick = <T>(items: T[], count: number) =>
  Array.from({ length: count }, () => items[randomInt(items.length)]!);

/** A random order number of the tenant: n mod 10 says whose (api-seed.ts). */
function orderOf(tenantDigits: number[], orders: number, extra: (n: number) => boolean = () => true): number {
  for (;;) {
    const n = 1 + randomInt(orders);
    if (tenantDigits.includes(n % 10) && extra(n)) return n;
  }
}

export async function apiBench(size: SeedSize = { orders: 1_000_000, exceptions: 100_000 }, requests = 300) {
  const began = performance.now();
  const keep = process.env.BENCH_API_KEEP === '1';
  const database = await benchDatabase(keep);
  const sql = connect(database.url, { max: 20, name: 'switchyard-bench-hub' });
  const bare = connect(database.url, { max: 4, name: 'switchyard-bench-baseline' });
  const tenant = EXCEPTIONS_TENANT;
  const tenantDigits = [0, 1, 2, 3, 4, 5]; // acme's orders: n mod 10 in 0..5
  try {
    await migrate(sql, connectorMigrations(installedConnectors.values()));
    await syncConfig(sql, config, SecretBox.fromString(SecretBox.generateKey()));
    const connections = new Map<string, Connection>(
      TENANTS.map((t) => [
        connectionOf(t.id),
        {
          id: connectionOf(t.id),
          tenantId: t.id,
          connector: httpJson as unknown as AnyConnector,
          settings: { toleranceSeconds: 300 },
          secrets: { signingSecret: secretOf(t.id) },
        },
      ]),
    );
    const hub = { sql, intake: new IntakeQueue(sql), connections, config };
    const jobs = startJobRunner(hub, silentLogger);
    const app = createApp(hub, silentLogger, { nudgeJobs: () => jobs.nudge() });
    const server = await listen(app, {
      port: 0,
      hostname: '127.0.0.1',
      log: silentLogger,
      limits: config.server,
    });
    try {
      // --- seed (or reuse)
      const signature = seedSignature(size);
      const [db] = await sql<{ name: string; comment: string | null }[]>`
        select datname as name, shobj_description(oid, 'pg_database') as comment
        from pg_database where datname = current_database()`;
      const reused = db!.comment === signature;
      let seedSeconds: Record<string, number> = {};
      if (!reused) {
        const [{ n } = { n: 0 }] = await sql<{ n: number }[]>`select count(*)::int as n from orders`;
        if (n > 0)
          throw new Error('the bench database holds orders of an unfinished seed: drop it and run again');
        const failed = await deliverFailures(app, sql);
        const [stored] = await sql<{ headers: Record<string, string> }[]>`
          select headers from inbox where id = ${failed[0]!.inboxId}`;
        log(`seeding ${size.orders} orders and ${size.exceptions} exceptions`);
        seedSeconds = await seed(sql, size, failed, stored!.headers, log);
        await sql.unsafe(`comment on database "${db!.name}" is '${signature}'`);
      } else {
        log('reusing the seed already in the bench database');
      }
      const seedTotal = Number(((performance.now() - began) / 1000).toFixed(1));
      log(`seed ready after ${seedTotal} s`);
      await checkSeededOrders(sql);

      const key = (await createApiKey(sql, { tenantId: tenant, role: 'operator', createdBy: 'bench' }))
        .secret;
      const api = async (path: string, init: RequestInit = {}) => {
        const res = await fetch(`${server.url}/api${path}`, {
          ...init,
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        });
        const body = await res.text();
        if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${body.slice(0, 300)}`);
        return JSON.parse(body) as Record<string, unknown>;
      };

      // --- samples
      const numbers = Array.from({ length: requests }, () =>
        externalNumberOf(orderOf(tenantDigits, size.orders)),
      );
      const heavy = Array.from({ length: 10 }, (_, k) => heavyBuyer(tenant, k));
      const emails = Array.from({ length: requests }, (_, i) => {
        const email = i % 3 === 0 ? heavy[randomInt(heavy.length)]! : `buyer${randomInt(BUYERS)}@example.com`;
        return i % 2 === 0 ? email.toUpperCase() : email;
      });
      const detailExternal = Array.from({ length: requests }, () =>
        externalIdOf(orderOf(tenantDigits, size.orders, (n) => n % DELIVERY_EVERY === 0)),
      );
      const detailIds = (
        await sql<
          { id: string }[]
        >`select id from orders where tenant_id = ${tenant} and external_id in ${sql(detailExternal)}`
      ).map((r) => r.id);
      const walk = await deepCursors(sql, tenant, Number(process.env.BENCH_API_DEEP_PAGES ?? 600), requests);
      log(`walked ${walk.depth} orders deep (${walk.depth / 50} pages of 50) in ${walk.seconds} s`);

      // --- the queries: through the API, and as bare SQL
      const queries: Record<
        string,
        {
          api: (s: string) => Promise<unknown>;
          sql: (s: string) => Statement[];
          samples: string[];
          plans: string[];
        }
      > = {
        ordersFirstPage: {
          api: () => api('/v1/orders?limit=50'),
          sql: () => [ordersPage(tenant, 50)],
          samples: [''],
          plans: [''],
        },
        ordersDeepPage: {
          api: (c) => api(`/v1/orders?limit=50&cursor=${c}`),
          sql: (c) => [ordersPage(tenant, 50, { cursor: c })],
          samples: walk.cursors,
          plans: [walk.cursors.at(-1)!],
        },
        searchExternalNumber: {
          api: (q) => api(`/v1/orders?q=${encodeURIComponent(q)}`),
          sql: (q) => [ordersPage(tenant, 50, { q })],
          samples: numbers,
          plans: [numbers[0]!],
        },
        searchCustomerEmail: {
          api: (e) => api(`/v1/orders?email=${encodeURIComponent(e)}`),
          sql: (e) => [ordersPage(tenant, 50, { email: e })],
          samples: emails,
          plans: [heavy[0]!, emails.find((e) => !e.toLowerCase().startsWith('purchasing'))!],
        },
        orderDetail: {
          api: (id) => api(`/v1/orders/${id}`),
          sql: (id) => orderDetail(tenant, id),
          samples: detailIds,
          plans: [detailIds[0]!],
        },
        exceptionsList: {
          api: () => api('/v1/exceptions'),
          sql: () => [exceptionsPage(tenant, 100)],
          samples: [''],
          plans: [''],
        },
        exceptionsCounts: {
          api: () => api('/v1/exceptions/counts'),
          sql: () => [exceptionCounts(tenant)],
          samples: [''],
          plans: [''],
        },
        exceptionsListWithCounts: {
          api: () => Promise.all([api('/v1/exceptions'), api('/v1/exceptions/counts')]),
          sql: () => [exceptionsPage(tenant, 100), exceptionCounts(tenant)],
          samples: [''],
          plans: [],
        },
      };
      const figures: Record<string, unknown> = {};
      const table: string[] = [];
      for (const [name, q] of Object.entries(queries)) {
        const samples =
          q.samples.length >= requests ? q.samples.slice(0, requests) : pick(q.samples, requests);
        const viaApi = await timed(samples, 30, async (s) => void (await q.api(s)));
        const viaSql = await timed(
          samples,
          30,
          async (s) => void (await Promise.all(q.sql(s).map((st) => run(bare, st)))),
        );
        const plans: string[] = [];
        for (const p of q.plans) for (const st of q.sql(p)) plans.push(await explain(bare, st));
        const row = {
          requests,
          loadAverage: Number(loadavg()[0]!.toFixed(2)),
          p50Ms: ms(percentile(viaApi, 50)),
          p99Ms: ms(percentile(viaApi, 99)),
          maxMs: ms(viaApi.at(-1)!),
          sqlP50Ms: ms(percentile(viaSql, 50)),
          sqlP99Ms: ms(percentile(viaSql, 99)),
          p50ToSql: ratio(percentile(viaApi, 50), percentile(viaSql, 50)),
          p99ToSql: ratio(percentile(viaApi, 99), percentile(viaSql, 99)),
          plans,
        };
        figures[name] = row;
        table.push(
          `${name.padEnd(26)} p50 ${String(row.p50Ms).padStart(7)} ms  p99 ${String(row.p99Ms).padStart(7)} ms  ` +
            `(sql p50 ${row.sqlP50Ms}, p99 ${row.sqlP99Ms}; x${row.p50ToSql} / x${row.p99ToSql})${row.p99Ms > 50 ? '  > 50 ms' : ''}`,
        );
        log(table.at(-1)!);
      }

      // --- live intake, alone and during a bulk replay
      const intake = await intakeVersusReplay(sql, server.url, api, Number(process.env.BENCH_SECONDS ?? 15));

      process.stdout.write(`\n${table.join('\n')}\n${intake.summary}\n\n`);
      return {
        database: database.kind,
        seed: {
          ...size,
          tenants: '60/30/10 % (acme, globex, initech), one http-json connection each',
          deliveriesStored: `one order in ${DELIVERY_EVERY} (the detail's deliveries), ${Math.floor(size.orders / DELIVERY_EVERY)}`,
          exceptionsOf: tenant,
          reused,
          seconds: seedSeconds,
          readyAfterSeconds: seedTotal,
        },
        measuredAs: {
          tenant,
          client:
            'fetch (undici) in this process, one request at a time, to the hub app served by listen() on 127.0.0.1',
          baseline: 'the same SQL through postgres.js (prepared), no HTTP; detail: its three reads at once',
          deepPage: `cursor ${walk.depth} orders deep (${walk.depth / 50} pages of 50) and the ${requests} pages after it`,
          emails:
            'a third the 10 heavy buyers (about 3,000 orders each), the rest random buyers (0-5 orders); half upper-cased',
          detail: 'random orders of the tenant that have a stored delivery',
        },
        queries: figures,
        intake: intake.figures,
        targets: { p99Ms: 50, intakeDuringReplayToUnloaded: 0.8 },
        totalSeconds: Number(((performance.now() - began) / 1000).toFixed(1)),
      };
    } finally {
      await jobs.stop();
      await server.close(1000);
    }
  } finally {
    await bare.end({ timeout: 5 });
    await sql.end({ timeout: 5 });
    await database.drop();
  }
}

/**
 * Three deliveries that fail normalization, posted through the real webhook of the exceptions' tenant (each
 * answered 202: stored, an exception): the models the seed clones 100,000 exceptions from.
 */
async function deliverFailures(app: ReturnType<typeof createApp>, sql: Sql): Promise<FailedDelivery[]> {
  const example = JSON.parse(
    readFileSync(join(repoRoot, 'connectors/http-json/examples/order.json'), 'utf8'),
  ) as Record<string, unknown>;
  const variants: Record<string, unknown>[] = [
    { lines: [] },
    { placedAt: 'last tuesday' },
    { currency: 'DOLLARS' },
  ];
  const failed: FailedDelivery[] = [];
  for (const [v, change] of variants.entries()) {
    const externalId = `WEB-FAIL-${v}`;
    const body = JSON.stringify({ ...example, id: externalId, number: `#FAIL-${v}`, ...change });
    const res = await app.request(`/webhooks/${connectionOf(EXCEPTIONS_TENANT)}`, {
      method: 'POST',
      body,
      headers: signedHeaders(secretOf(EXCEPTIONS_TENANT), body),
    });
    if (res.status !== 202) {
      throw new Error(
        `a failing delivery (${JSON.stringify(change)}) was answered ${res.status}, not 202: ${await res.text()}`,
      );
    }
    const [row] = await sql<{ id: string }[]>`
      select i.id from inbox i join exceptions e on e.inbox_id = i.id and e.status = 'open'
      where i.connection_id = ${connectionOf(EXCEPTIONS_TENANT)}
        and convert_from(i.body, 'UTF8') like ${`%"${externalId}"%`}`;
    if (!row) throw new Error(`the failing delivery ${externalId} left no open exception`);
    failed.push({ inboxId: row.id, externalId });
  }
  return failed;
}

/** Walks the tenant's orders with the store's own list (500 a page), then collects the cursors of `count` pages of 50. */
async function deepCursors(sql: Sql, tenant: string, pages: number, count: number) {
  const began = performance.now();
  let cursor: string | null = null;
  let depth = 0;
  for (let i = 0; i < pages; i++) {
    const page = await listOrders(sql, tenant, { limit: 500, cursor });
    depth += page.orders.length;
    if (!page.next) break;
    cursor = page.next;
  }
  const cursors: string[] = [];
  for (let i = 0; i < count && cursor; i++) {
    cursors.push(cursor);
    cursor = (await listOrders(sql, tenant, { limit: 50, cursor })).next;
  }
  return { cursors, depth, seconds: Number(((performance.now() - began) / 1000).toFixed(1)) };
}

interface IntakeRun {
  perSecond: number;
  /** The machine's 1-minute load average at the end of the run (2 cores): other work on it shows here. */
  loadAverage: number;
  accepted: number;
  refused: number;
  p50Ms: number;
  p99Ms: number;
}

let sequence = 0;

/** Signed, distinct ~4 KB orders (the intake bench's) from `senders` concurrent senders, round-robin over the tenants. */
async function sendWebhooks(url: string, seconds: number, senders = 8): Promise<IntakeRun> {
  const { prefix, suffix } = orderTemplate();
  const run = `${Date.now().toString(36)}`;
  const until = performance.now() + seconds * 1000;
  const times: number[] = [];
  let refused = 0;
  const sender = async () => {
    while (performance.now() < until) {
      const n = sequence++;
      const t = TENANTS[n % TENANTS.length]!.id;
      const body = `${prefix}"live-${run}-${n}"${suffix}`;
      const startedAt = performance.now();
      const res = await fetch(`${url}/webhooks/${connectionOf(t)}`, {
        method: 'POST',
        body,
        headers: signedHeaders(secretOf(t), body),
      });
      await res.arrayBuffer();
      if (res.ok) times.push(performance.now() - startedAt);
      else refused++;
    }
  };
  const began = performance.now();
  await Promise.all(Array.from({ length: senders }, sender));
  const elapsed = (performance.now() - began) / 1000;
  times.sort((a, b) => a - b);
  return {
    perSecond: Math.round(times.length / elapsed),
    loadAverage: Number(loadavg()[0]!.toFixed(2)),
    accepted: times.length,
    refused,
    p50Ms: ms(percentile(times, 50)),
    p99Ms: ms(percentile(times, 99)),
  };
}

/**
 * Live webhook intake for `seconds`, alone; then again while the job runner replays every open exception of the
 * tenant (a bulk replay through the API, paced at the runner's default 100 a second); then alone once more after
 * the job is cancelled (the drift between the two unloaded runs is the noise). The replay's own rate comes from
 * the job's progress over the loaded window.
 */
async function intakeVersusReplay(
  sql: Sql,
  url: string,
  api: (path: string, init?: RequestInit) => Promise<Record<string, unknown>>,
  seconds: number,
) {
  await sendWebhooks(url, 2); // warm-up
  const unloaded = await sendWebhooks(url, seconds);
  log(`intake alone: ${unloaded.perSecond}/s (p99 ${unloaded.p99Ms} ms)`);
  const job = await api('/v1/exceptions/replay', { method: 'POST', body: '{}' });
  const jobId = String(job.id);
  const progress = async () => {
    const j = await api(`/v1/jobs/${jobId}`);
    return { at: performance.now(), done: Number(j.done), status: String(j.status), total: Number(j.total) };
  };
  let start = await progress();
  const waitUntil = performance.now() + 30_000;
  while ((start.status !== 'running' || start.done === 0) && performance.now() < waitUntil) {
    await new Promise((r) => setTimeout(r, 100));
    start = await progress();
  }
  if (start.status !== 'running') throw new Error(`the bulk replay did not start: ${JSON.stringify(start)}`);
  // The job saves its progress every 50 replays; each replay stamps its exception's updated_at: count those.
  const [{ from } = { from: '' }] = await sql<{ from: string }[]>`select clock_timestamp()::text as from`;
  const loaded = await sendWebhooks(url, seconds);
  const [{ replayed, windowS } = { replayed: 0, windowS: 1 }] = await sql<
    { replayed: number; windowS: number }[]
  >`
    select count(*)::int as replayed, extract(epoch from clock_timestamp() - ${from}::timestamptz)::float8 as "windowS"
    from exceptions where tenant_id = ${EXCEPTIONS_TENANT} and updated_at >= ${from}::timestamptz`;
  const end = await progress();
  const cancelled = await api(`/v1/jobs/${jobId}/cancel`, { method: 'POST', body: '{}' });
  const replayPerSecond = Math.round(replayed / windowS);
  const progressPerSecond = Math.round(((end.done - start.done) * 1000) / (end.at - start.at));
  log(
    `intake during the replay: ${loaded.perSecond}/s (p99 ${loaded.p99Ms} ms); replay ${replayPerSecond}/s`,
  );
  await new Promise((r) => setTimeout(r, 1500)); // the runner sees the cancel at its next page
  const after = await sendWebhooks(url, seconds);
  log(`intake alone again: ${after.perSecond}/s (p99 ${after.p99Ms} ms)`);
  const toUnloaded = ratio(loaded.perSecond, unloaded.perSecond);
  const fullMinutes = Math.round(end.total / Math.max(1, replayPerSecond) / 60);
  return {
    figures: {
      senders: 8,
      seconds,
      unloaded,
      duringReplay: loaded,
      afterReplay: after,
      duringReplayToUnloaded: toUnloaded,
      duringReplayToAfter: ratio(loaded.perSecond, after.perSecond),
      duringReplayToMeanUnloaded: ratio(loaded.perSecond, (unloaded.perSecond + after.perSecond) / 2),
      replay: {
        job: jobId,
        total: end.total,
        doneWhenCancelled: Number(cancelled.done),
        perSecond: replayPerSecond,
        perSecondByJobProgress: progressPerSecond,
        pacedAt: 100,
        outcome: 'each replay fails again (the stored payloads do not normalize): the exception stays open',
        note: `stopped after the measurement: all ${end.total} at ${replayPerSecond}/s would take about ${fullMinutes} minutes`,
      },
    },
    summary:
      `intake alone ${unloaded.perSecond}/s, during the bulk replay ${loaded.perSecond}/s (x${toUnloaded}), ` +
      `after it ${after.perSecond}/s; replay ${replayPerSecond} exceptions/s (all ${end.total}: ~${fullMinutes} min)`,
  };
}
