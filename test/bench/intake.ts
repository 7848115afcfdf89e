import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sign } from '@switchyard/connector-http-json';
import autocannon from 'autocannon';
import postgres from 'postgres';
import { type HubProcess, scratchDir, startHub } from '../support/hub-process.ts';

/**
 * Intake benchmark: signed, distinct ~4 KB orders POSTed to /webhooks/demo of a real
 * hub process (embedded PostgreSQL, fsync on) at 64 connections, against a bare
 * hono route measured the same way in the same run.
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

function startBare(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'bare-server.ts')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve({ child, url: m[1]! });
    });
    child.once('exit', (code) => reject(new Error(`bare server exited ${code}`)));
  });
}

/** What a webhook benchmark varies: the hub's config, the endpoint, and how a distinct signed delivery is made. */
export interface WebhookBench {
  name: string;
  /** A switchyard.config.ts for the hub under test; the example config when absent. */
  config?: string;
  env: Record<string, string | undefined>;
  path: string;
  signed: (n: number) => { body: string; headers: Record<string, string> };
  targets: Record<string, number>;
}

/**
 * Posts distinct signed deliveries to a real hub process (embedded PostgreSQL, fsync on) at 64
 * connections, after a warm-up, and the same load to a bare hono route in the same run.
 */
export async function measureWebhooks(bench: WebhookBench, durationS = 10, workers = 1) {
  const bodyBytes = Buffer.byteLength(bench.signed(0).body);
  const bare = await startBare();
  const baseline = await load(`${bare.url}${bench.path}`, durationS, bench.signed);
  bare.child.kill('SIGTERM');

  const scratch = scratchDir(`bench-${bench.name}`);
  if (bench.config) writeFileSync(join(scratch.dir, 'switchyard.config.ts'), bench.config);
  let hub: HubProcess | undefined;
  try {
    hub = await startHub(scratch.dir, {
      DATABASE_URL: undefined,
      SWITCHYARD_LOG_LEVEL: 'info',
      SWITCHYARD_WORKERS: String(workers),
      ...bench.env,
    });
    await load(`${hub.url}${bench.path}`, 2, bench.signed); // warm-up: JIT, pool, PostgreSQL caches
    const state = JSON.parse(readFileSync(join(scratch.dir, '.switchyard', 'embedded.json'), 'utf8')) as {
      port: number;
      password: string;
    };
    const sql = postgres(
      `postgres://switchyard:${encodeURIComponent(state.password)}@127.0.0.1:${state.port}/switchyard`,
      { max: 1 },
    );
    const ordersNow = async () =>
      Number((await sql<{ n: string }[]>`select count(*) as n from orders`)[0]!.n);
    const before = await ordersNow();
    const hubRun = await load(`${hub.url}${bench.path}`, durationS, bench.signed);
    const stored = (await ordersNow()) - before;
    const [{ fsync } = { fsync: '?' }] = await sql<
      { fsync: string }[]
    >`select current_setting('fsync') as fsync`;
    await sql.end();
    return {
      bench: bench.name,
      workers,
      bodyBytes,
      connections: 64,
      durationS,
      fsync,
      webhooks: { ...hubRun, perSecond: hubRun.requestsPerSecond },
      bareRoute: baseline,
      ratioToBare: Number((hubRun.requestsPerSecond / baseline.requestsPerSecond).toFixed(3)),
      /** Orders committed during the measured run; equals the 2xx count when every accepted webhook is durable. */
      ordersStored: stored,
      targets: bench.targets,
    };
  } finally {
    if (hub) {
      hub.child.kill('SIGTERM');
      await hub.exited;
    }
    scratch.remove();
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
