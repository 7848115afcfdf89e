import { readFileSync } from 'node:fs';
import { httpJson, signedHeaders } from '@switchyard/connector-http-json';
import {
  type AnyConnector,
  type Connection,
  IntakeQueue,
  type ResolvedConfig,
  SecretBox,
  serverLimits,
  syncConfig,
} from '@switchyard/core';
import { createTestDatabase, type TestDatabase } from '@switchyard/core/testing';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, silentLogger } from '../log.ts';
import { createMetrics, type HubMetrics } from '../metrics.ts';
import { listen } from '../serve.ts';
import { metricsAuth, metricsRoutes, requestId, serveMetrics } from './metrics.ts';
import { webhookRoutes } from './webhooks.ts';

const secret = 'test-signing-secret-42';
const token = 'metrics-token-0123456789abcdef';
const example = readFileSync(new URL('../../../connectors/http-json/examples/order.json', import.meta.url));
const config: ResolvedConfig = {
  tenants: [{ id: 'demo', name: 'Demo' }],
  connections: [
    {
      id: 'demo',
      tenantId: 'demo',
      connector: 'http-json',
      settings: { toleranceSeconds: 300 },
      secrets: { signingSecret: secret },
      defaultedEnv: [],
    },
  ],
  server: serverLimits({ bodyLimit: 64 * 1024 }),
};
let db: TestDatabase;
let metrics: HubMetrics;
let app: Hono;
const lines: string[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  await syncConfig(db.sql, config, SecretBox.fromString(SecretBox.generateKey()));
  const connection: Connection = {
    id: 'demo',
    tenantId: 'demo',
    connector: httpJson as unknown as AnyConnector,
    settings: { toleranceSeconds: 300 },
    secrets: { signingSecret: secret },
  };
  metrics = createMetrics({ sql: db.sql, config, processMetrics: false });
  const hub = {
    sql: db.sql,
    intake: new IntakeQueue(db.sql),
    connections: new Map([['demo', connection]]),
    config,
    metrics,
  };
  const log = createLogger({ format: 'json', env: {}, write: (line) => lines.push(line) });
  // As app.ts mounts them.
  app = new Hono();
  app.use('*', requestId(log));
  app.use('/metrics', metricsAuth(token));
  app.route('/metrics', metricsRoutes(metrics));
  app.route('/webhooks', webhookRoutes(hub, log));
});
afterAll(async () => {
  metrics?.close();
  await db?.drop();
});

const scrape = (headers: Record<string, string> = {}) => app.request('/metrics', { headers });

/** Checks every line is Prometheus text (a comment or `name{labels} value`); answers the families. */
function families(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    if (!line) continue;
    const comment = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) .+$/.exec(line);
    if (comment) {
      names.add(comment[2]!);
      continue;
    }
    expect(line).toMatch(
      /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? (-?[0-9.e+-]+|NaN|\+Inf|-Inf)$/,
    );
  }
  return names;
}

describe('GET /metrics', () => {
  it('asks for the token: none or a wrong one is 401 problem+json', async () => {
    const none = await scrape();
    expect(none.status).toBe(401);
    expect(none.headers.get('content-type')).toBe('application/problem+json');
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await none.json()).toMatchObject({
      status: 401,
      detail: expect.stringMatching(/no Authorization/),
    });
    const wrong = await scrape({ authorization: 'Bearer not-the-metrics-token-at-all' });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ detail: 'the bearer token is not the metrics token' });
  });

  it('answers Prometheus text with the named families after a delivery', async () => {
    const delivered = await app.request('/webhooks/demo', {
      method: 'POST',
      body: example,
      headers: signedHeaders(secret, example),
    });
    expect(delivered.status).toBe(200);
    const bad = '{"not": "an order"}';
    const parked = await app.request('/webhooks/demo', {
      method: 'POST',
      body: bad,
      headers: signedHeaders(secret, bad),
    });
    expect(parked.status).toBe(202);
    const res = await scrape({ authorization: `Bearer ${token}` });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    const present = families(text);
    for (const family of [
      'switchyard_deliveries_total',
      'switchyard_intake_duration_seconds',
      'switchyard_normalization_failures_total',
      'switchyard_workflows_started_total',
      'switchyard_workflows_finished_total',
      'switchyard_workflow_step_duration_seconds',
      'switchyard_vendor_calls_total',
      'switchyard_vendor_throttled_total',
      'switchyard_exceptions_open',
      'switchyard_inbox_deliveries',
      'switchyard_orders_awaiting_workflow',
      'switchyard_engine_workflows',
      'switchyard_sync_lag_seconds',
      'switchyard_metrics_store_up',
    ]) {
      expect(present, family).toContain(family);
    }
    expect(text).toContain(
      'switchyard_deliveries_total{channel="webhook",connection="demo",outcome="accepted"} 1',
    );
    expect(text).toContain(
      'switchyard_deliveries_total{channel="webhook",connection="demo",outcome="exception"} 1',
    );
    expect(text).toContain('switchyard_normalization_failures_total{channel="webhook",connection="demo"} 1');
    expect(text).toContain('switchyard_intake_duration_seconds_count{channel="webhook",connection="demo"} 2');
    expect(text).toMatch(/switchyard_exceptions_open\{connection="demo",reason="[^"]+"\} 1/);
    expect(text).toContain('switchyard_metrics_store_up 1');
  });

  it('counts a delivery with a bad signature as rejected, and an unknown connection not at all', async () => {
    await app.request('/webhooks/demo', {
      method: 'POST',
      body: example,
      headers: signedHeaders('another-secret', example),
    });
    await app.request('/webhooks/nope', {
      method: 'POST',
      body: example,
      headers: signedHeaders(secret, example),
    });
    const text = await (await scrape({ authorization: `Bearer ${token}` })).text();
    expect(text).toContain(
      'switchyard_deliveries_total{channel="webhook",connection="demo",outcome="rejected"} 1',
    );
    expect(text).not.toContain('connection="nope"');
  });
});

describe('requestId', () => {
  it('echoes a sane X-Request-Id, replaces one that is not, and logs the id with the request’s lines', async () => {
    lines.length = 0;
    const kept = await app.request('/webhooks/demo', {
      method: 'POST',
      body: example,
      headers: { ...signedHeaders('another-secret', example), 'x-request-id': 'edge-42.abc' },
    });
    expect(kept.headers.get('x-request-id')).toBe('edge-42.abc');
    expect(lines.map((l) => JSON.parse(l))).toContainEqual(
      expect.objectContaining({ message: 'webhook rejected', requestId: 'edge-42.abc' }),
    );
    const replaced = await app.request('/webhooks/demo', {
      method: 'POST',
      body: example,
      headers: { ...signedHeaders(secret, example), 'x-request-id': 'bad id\twith spaces' },
    });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('stores the request id with the delivery', async () => {
    const body = example.toString().replace(/"id":\s*"([^"]+)"/, '"id": "$1-rid"');
    const res = await app.request('/webhooks/demo', {
      method: 'POST',
      body,
      headers: { ...signedHeaders(secret, body), 'x-request-id': 'trace-me-1' },
    });
    const { inboxId } = (await res.json()) as { inboxId: string };
    const [row] = await db.sql<{ requestId: string }[]>`
      select headers->>'x-request-id' as "requestId" from inbox where id = ${inboxId}`;
    expect(row?.requestId).toBe('trace-me-1');
  });
});

describe('metricsAuth without a token', () => {
  it('answers loopback clients only, and not a request forwarded by a proxy', async () => {
    const open = new Hono();
    open.use('/metrics', metricsAuth(undefined));
    open.route('/metrics', metricsRoutes(metrics));
    // Not served by Node: no client address to trust.
    expect((await open.request('/metrics')).status).toBe(403);
    const server = await listen(open, { port: 0, hostname: '127.0.0.1', log: silentLogger });
    try {
      expect((await fetch(`${server.url}/metrics`)).status).toBe(200);
      const proxied = await fetch(`${server.url}/metrics`, { headers: { 'x-forwarded-for': '203.0.113.9' } });
      expect(proxied.status).toBe(403);
      expect(await proxied.json()).toMatchObject({ fix: expect.stringMatching(/server\.metrics\.token/) });
    } finally {
      await server.close(100);
    }
  });
});

describe('serveMetrics', () => {
  it('serves GET /metrics alone on a port of its own, with the token when one is set', async () => {
    const server = await serveMetrics(0, '127.0.0.1', metrics, { token, log: silentLogger });
    try {
      expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
      const ok = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain('# TYPE switchyard_deliveries_total counter');
      expect((await fetch(`${server.url}/webhooks/demo`, { method: 'POST' })).status).toBe(404);
    } finally {
      await server.close(100);
    }
  });
});
