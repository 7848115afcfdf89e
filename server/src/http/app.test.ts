import { readFileSync } from 'node:fs';
import { httpJson, signedHeaders } from '@switchyard/connector-http-json';
import {
  type AnyConnector,
  type Connection,
  IntakeQueue,
  listExceptions,
  listOrders,
  type ResolvedConfig,
  SecretBox,
  serverLimits,
  syncConfig,
} from '@switchyard/core';
import { createTestDatabase, type TestDatabase } from '@switchyard/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../log.ts';
import { listen } from '../serve.ts';
import { createApp } from './app.ts';

const secret = 'test-signing-secret-42';
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
let app: ReturnType<typeof createApp>;

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
  app = createApp(
    { sql: db.sql, intake: new IntakeQueue(db.sql), connections: new Map([['demo', connection]]), config },
    silentLogger,
  );
});
afterAll(async () => db?.drop());

const post = (body: Uint8Array | string, headers: Record<string, string>, path = '/webhooks/demo') =>
  app.request(path, { method: 'POST', body, headers });

async function problemOf(res: Response) {
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  const body = (await res.json()) as Record<string, unknown>;
  expect(body).toMatchObject({
    type: expect.stringMatching(/^urn:switchyard:problem:/),
    title: expect.any(String),
    status: res.status,
    detail: expect.any(String),
    fix: expect.any(String),
  });
  return body;
}

describe('webhook intake over HTTP', () => {
  it('imports a signed order (200), and a redelivery adds nothing (200)', async () => {
    const first = await post(example, signedHeaders(secret, example));
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({
      status: 'accepted',
      orders: [{ result: 'created', version: 1 }],
    });
    const again = await post(example, signedHeaders(secret, example));
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ status: 'duplicate' });
    const { orders } = await listOrders(db.sql, 'demo');
    expect(orders).toEqual([
      expect.objectContaining({ externalId: 'WEB-100234', totalAmount: 6924, currency: 'USD' }),
    ]);
  });

  it('answers 401 for a bad or missing signature, storing nothing', async () => {
    const before = await db.sql`select count(*) from inbox`;
    const bad = await post(example, { ...signedHeaders('some-other-secret', example) });
    expect(bad.status).toBe(401);
    expect((await problemOf(bad)).detail).toBe('signature does not match the body and timestamp');
    const missing = await post(example, { 'content-type': 'application/json' });
    expect(missing.status).toBe(401);
    expect((await problemOf(missing)).detail).toBe('missing X-Switchyard-Timestamp header');
    expect(await db.sql`select count(*) from inbox`).toEqual(before);
  });

  it('answers 404 for an unknown connection and 415 for another media type', async () => {
    const unknown = await post(example, signedHeaders(secret, example), '/webhooks/nope');
    expect(unknown.status).toBe(404);
    expect((await problemOf(unknown)).detail).toContain('no connection "nope"');
    const text = await post(example, { ...signedHeaders(secret, example), 'content-type': 'text/plain' });
    expect(text.status).toBe(415);
    expect((await problemOf(text)).fix).toBe('send Content-Type: application/json');
    const charset = await post('{"x": 1', {
      ...signedHeaders(secret, '{"x": 1'),
      'content-type': 'application/json; charset=utf-8',
    });
    expect(charset.status).toBe(202);
  });

  it('answers 413 for a body over the limit, declared or streamed', async () => {
    const big = Buffer.alloc(config.server.bodyLimit + 1, 'a');
    const res = await post(big, signedHeaders(secret, big));
    expect(res.status).toBe(413);
    await problemOf(res);
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new Uint8Array(big));
        controller.close();
      },
    });
    const chunked = await app.request('/webhooks/demo', {
      method: 'POST',
      body: stream,
      headers: signedHeaders(secret, big),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
  });

  it('stores malformed JSON with a good signature and answers 202 with the exception to replay', async () => {
    const body = '{"id": "BROKEN-1", "lines": [';
    const res = await post(body, signedHeaders(secret, body));
    expect(res.status).toBe(202);
    const json = (await res.json()) as { exceptionId: string; fix: string };
    expect(json).toMatchObject({
      status: 'exception',
      exceptionId: expect.stringMatching(/^exc_/),
      detail: expect.stringContaining('not valid JSON'),
    });
    expect(json.fix).toContain(`switchyard exceptions replay ${json.exceptionId}`);
    const [row] = await db.sql<
      { body: Buffer }[]
    >`select body from inbox i join exceptions e on e.inbox_id = i.id where e.id = ${json.exceptionId}`;
    expect(row!.body.toString()).toBe(body);
    expect((await listExceptions(db.sql, 'demo')).items.map((e) => e.id)).toContain(json.exceptionId);
  });

  it('answers every other error as problem+json, never a bare 500', async () => {
    const res = await app.request('/nowhere');
    expect(res.status).toBe(404);
    await problemOf(res);
    expect((await app.request('/healthz')).status).toBe(200);
    expect(await (await app.request('/readyz')).json()).toEqual({ status: 'ready' });
  });
});

describe('graceful shutdown', () => {
  it('finishes an in-flight request before closing', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slowApp = createApp(
      { sql: db.sql, intake: new IntakeQueue(db.sql), connections: new Map(), config },
      silentLogger,
    );
    slowApp.get('/slow', async (c) => {
      await gate;
      return c.text('done');
    });
    const server = await listen(slowApp, { port: 0, hostname: '127.0.0.1', log: silentLogger });
    const pending = fetch(`${server.url}/slow`);
    await new Promise((r) => setTimeout(r, 50));
    const closing = server.close(5000);
    setTimeout(release, 100);
    const res = await pending;
    expect(await res.text()).toBe('done');
    await closing;
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  });
});
