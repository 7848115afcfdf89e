// The intake benchmark's two baselines, each a hono route on the same node adapter as the hub:
// - bare (no BENCH_DATABASE_URL): answers 200 with no work, the ceiling of HTTP on this machine;
// - hand-written (BENCH_DATABASE_URL set): what a developer would write by hand on the same PostgreSQL: check the
//   HMAC (the connector's scheme, with BENCH_SECRET), INSERT the raw body once per request (ON CONFLICT DO NOTHING on the
//   hash of the body, as the hub keys these orders), answer 200 after the commit. No normalization, no batching.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import postgres from 'postgres';

const url = process.env.BENCH_DATABASE_URL;
const secret = process.env.BENCH_SECRET ?? '';
const app = new Hono();

if (!url) {
  app.post('/webhooks/:id', (c) => c.json({ status: 'accepted' }));
} else {
  // The pool the hub gets by default (openHub: 20), so the two differ in what they do, not in connections.
  const sql = postgres(url, { max: 20, onnotice: () => {} });
  await sql`create table if not exists handwritten_webhooks (
    id bigint generated always as identity primary key,
    dedupe_key text not null unique,
    received_at timestamptz not null default now(),
    body bytea not null)`;
  app.post('/webhooks/:id', async (c) => {
    const body = Buffer.from(await c.req.arrayBuffer());
    // The scheme of the connector under test: Shopify signs the body alone (base64), http-json timestamp.body (hex).
    const shopify = c.req.header('x-shopify-hmac-sha256');
    const timestamp = c.req.header('x-switchyard-timestamp') ?? '';
    const given = Buffer.from(shopify ?? c.req.header('x-switchyard-signature') ?? '');
    const expected = Buffer.from(
      shopify !== undefined
        ? createHmac('sha256', secret).update(body).digest('base64')
        : `sha256=${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`,
    );
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      return c.json({ error: 'bad signature' }, 401);
    const key = createHash('sha256').update(body).digest('hex');
    await sql`insert into handwritten_webhooks (dedupe_key, body) values (${key}, ${body})
              on conflict (dedupe_key) do nothing`;
    return c.json({ status: 'accepted' });
  });
  process.on('SIGTERM', () => void sql.end({ timeout: 1 }));
}

const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
  process.stdout.write(`listening on http://127.0.0.1:${info.port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
