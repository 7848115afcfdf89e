import { createHmac } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { signedHeaders } from '@switchyard/connector-http-json';
import { createTestDatabase, type TestDatabase } from '@switchyard/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.ts';
import { cli, type HubProcess, scratchDir, startHub } from '../support/hub-process.ts';

/**
 * Issue 10's defects that show through the running binary, each driven as the hostile test found it: a corrected
 * resend, negative prices, ids that collapse to one key, large and slow bodies, a 413 on a pooled connection,
 * and a Stripe event dated in the future.
 */
const scratch = scratchDir('hostile');
const SECRET = 'hostile-test-secret-0123';
const WHSEC = 'whsec_hostile_test_0123456789';
let db: TestDatabase;
let hub: HubProcess;
let env: Record<string, string | undefined>;

beforeAll(async () => {
  db = await createTestDatabase({ migrate: false });
  writeFileSync(
    join(scratch.dir, 'switchyard.config.ts'),
    `import { defineConfig, env } from '@switchyard/core';
export default defineConfig({
  tenants: [{ id: 'demo', name: 'Demo' }],
  connections: [
    { id: 'demo', tenant: 'demo', connector: 'http-json', secrets: { signingSecret: env('DEMO_WEBHOOK_SECRET') } },
    { id: 'stripe', tenant: 'demo', connector: 'stripe',
      secrets: { secretKey: env('STRIPE_SECRET_KEY'), webhookSecret: env('STRIPE_WEBHOOK_SECRET') } },
  ],
  server: { bodyLimit: '1mb', bodyMemory: '2mb', requestTimeout: '3s', headersTimeout: '2s', maxConnections: 16 },
});
`,
  );
  env = {
    DATABASE_URL: db.url,
    DEMO_WEBHOOK_SECRET: SECRET,
    STRIPE_SECRET_KEY: 'sk_test_hostile_0123',
    STRIPE_WEBHOOK_SECRET: WHSEC,
  };
  hub = await startHub(scratch.dir, env);
});
afterAll(async () => {
  if (hub && hub.child.exitCode === null) {
    hub.child.kill('SIGTERM');
    await hub.exited;
  }
  await db?.drop();
  scratch.remove();
});

const post = (body: string | Uint8Array, path = '/webhooks/demo') =>
  fetch(`${hub.url}${path}`, { method: 'POST', body, headers: signedHeaders(SECRET, body) });

const order = (id: string, overrides: Record<string, unknown> = {}) =>
  JSON.stringify({
    id,
    currency: 'USD',
    placedAt: '2026-12-01T10:00:00Z',
    updatedAt: '2026-12-01T10:00:00Z',
    lines: [{ sku: 'MUG-1', title: 'Mug', quantity: 2, unitPrice: '12.50' }],
    ...overrides,
  });

function cliJson<T>(args: string[]): T {
  const r = cli(scratch.dir, [...args, '--json'], env);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as T;
}
const orderIds = () =>
  cliJson<{ orders: { externalId: string }[] }>(['orders', 'list', '--limit', '500']).orders.map(
    (o) => o.externalId,
  );
interface ListedException {
  id: string;
  status: string;
  message: string;
  detail: Record<string, unknown>;
}
const allExceptions = () =>
  cliJson<{ exceptions: ListedException[] }>(['exceptions', 'list', '--status', 'all', '--limit', '1000'])
    .exceptions;

describe('a corrected resend (defect 1)', () => {
  it('is stored and imported, and the failed twin’s exception is superseded, not left to replay', async () => {
    const wrong = order('RESEND-1', { totals: { total: '24.99' } });
    const first = await post(wrong);
    expect(first.status).toBe(202);
    const { exceptionId } = (await first.json()) as { exceptionId: string };

    const right = order('RESEND-1', { totals: { total: '25.00' } });
    const second = await post(right);
    expect(second.status).toBe(200);
    expect(await second.json()).toMatchObject({ status: 'accepted', orders: [{ result: 'created' }] });
    expect(orderIds()).toContain('RESEND-1');

    // The same corrected bytes again, and the first wrong bytes again: both duplicates now.
    expect(await (await post(right)).json()).toMatchObject({ status: 'duplicate' });
    expect(await (await post(wrong)).json()).toMatchObject({ status: 'duplicate' });

    const superseded = allExceptions().find((e) => e.id === exceptionId);
    expect(superseded).toMatchObject({
      status: 'resolved',
      detail: { supersededBy: { inboxId: expect.any(String) } },
    });
    const replay = cli(scratch.dir, ['exceptions', 'replay', exceptionId], env);
    expect(replay.code).toBe(2);
    expect(replay.stderr).toMatch(/superseded .* by a corrected delivery/);
  });

  it('keeps a resend that fails again as the one exception to fix, and takes no revision once one is imported', async () => {
    const id = 'RESEND-😀-2'; // a key with a character outside the BMP
    const first = await post(order(id, { totals: { total: '1.00' } }));
    const { exceptionId: older } = (await first.json()) as { exceptionId: string };
    const second = await post(order(id, { totals: { total: '2.00' } }));
    expect(second.status).toBe(202);
    const { exceptionId: newer } = (await second.json()) as { exceptionId: string };
    expect(newer).not.toBe(older);
    let listed = allExceptions();
    expect(listed.find((e) => e.id === older)?.status).toBe('resolved');
    expect(listed.find((e) => e.id === newer)?.status).toBe('open');

    const third = await post(order(id, { totals: { total: '25.00' } }));
    expect(await third.json()).toMatchObject({ status: 'accepted', orders: [{ result: 'created' }] });
    listed = allExceptions();
    expect(listed.filter((e) => e.id === older || e.id === newer).map((e) => e.status)).toEqual([
      'resolved',
      'resolved',
    ]);
    // Imported: the same id and time with other bytes is a duplicate again, not another revision.
    const fourth = await post(order(id, { totals: { total: '25.00' }, note: 'changed' }));
    expect(await fourth.json()).toMatchObject({ status: 'duplicate' });
  });
});

describe('negative prices and quantities (defect 4)', () => {
  it('imports no order with a line at -500.00, and says which field', async () => {
    const res = await post(
      order('NEGATIVE-1', { lines: [{ title: 'Refund me', quantity: 1, unitPrice: '-500.00' }] }),
    );
    expect(res.status).toBe(202);
    expect(((await res.json()) as { detail: string }).detail).toContain(
      'lines.0.unitPrice.amount: must be zero or more, not negative',
    );
    const zero = await post(
      order('ZERO-QTY', { lines: [{ title: 'Nothing', quantity: 0, unitPrice: '1.00' }] }),
    );
    expect(zero.status).toBe(202);
    expect(((await zero.json()) as { detail: string }).detail).toContain(
      'lines.0.quantity: must be a whole number of at least 1',
    );
    expect(orderIds()).not.toEqual(expect.arrayContaining(['NEGATIVE-1']));
    expect(orderIds()).not.toContain('ZERO-QTY');
  });
});

describe('ids that parse or store alike (defect 8)', () => {
  it('keeps each delivery: none is answered duplicate of another', async () => {
    const pairs = [
      ['"LONE-\\ud800"', '"LONE-\\ud801"'],
      ['1e309', '9'.repeat(309)],
      ['-0', '0'],
    ];
    for (const [a, b] of pairs) {
      const raw = (id: string) => order('X').replace('"id":"X"', `"id":${id}`);
      const first = (await (await post(raw(a!))).json()) as { status: string };
      const second = (await (await post(raw(b!))).json()) as { status: string };
      expect(first.status, a).not.toBe('duplicate');
      expect(second.status, b).not.toBe('duplicate');
    }
    expect(orderIds()).toContain('0');
  });
});

/** A raw HTTP/1.1 connection: what the hub answers, and whether it closes the socket cleanly. */
function rawConnection(port: number) {
  const socket: Socket = connect(port, '127.0.0.1');
  let received = '';
  let error: Error | undefined;
  socket.on('data', (d) => (received += d));
  socket.on('error', (e) => (error = e));
  const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return { socket, received: () => received, error: () => error, ended };
}

const port = () => Number(new URL(hub.url).port);
const head = (length: number) =>
  `POST /webhooks/demo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;

describe('large, slow and many requests (defect 5) and 413 on a pooled connection (defect 7)', () => {
  it('answers 413 with Connection: close and closes cleanly; the pooled client’s next request goes through', async () => {
    const c = rawConnection(port());
    c.socket.write(head(2 * 1024 * 1024));
    c.socket.write('x'.repeat(1000));
    await c.ended;
    expect(c.error()).toBeUndefined();
    expect(c.received()).toMatch(/^HTTP\/1\.1 413 /);
    expect(c.received().toLowerCase()).toContain('connection: close');

    // A keep-alive client whose request is refused before its body is read, then reuses its pool.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const send = (body: Buffer) =>
      new Promise<{ status: number; connection: string | undefined }>((resolve, reject) => {
        const req = httpRequest(
          `${hub.url}/webhooks/demo`,
          { method: 'POST', agent, headers: signedHeaders(SECRET, body) },
          (res) => {
            res.resume();
            res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection }));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    expect(await send(Buffer.alloc(1024 * 1024 + 1, 0x20))).toEqual({ status: 413, connection: 'close' });
    const small = Buffer.from(order('AFTER-413'));
    expect((await send(small)).status).toBe(200);
    agent.destroy();
  });

  it('answers 503 at once, body unread, when large bodies would pass server.bodyMemory', async () => {
    const slow = [rawConnection(port()), rawConnection(port())];
    await Promise.all(
      slow.map((s) => new Promise<void>((sent) => s.socket.write(`${head(900_000)}{`, () => sent()))),
    );
    // Their heads reached the hub before this probe, so it has reserved their bodies once the probe is answered:
    // a third large body sent earlier could take the budget first and have one of them refused instead.
    await fetch(`${hub.url}/healthz`);
    // Both are held (900,000 bytes each of 2 MiB); a third large one does not fit.
    let refused: Response | undefined;
    await eventually('a third large body refused', async () => {
      refused = await fetch(`${hub.url}/webhooks/demo`, {
        method: 'POST',
        body: Buffer.alloc(900_000, 0x20),
        headers: { 'content-type': 'application/json' },
      });
      return refused.status === 503;
    });
    expect(refused!.headers.get('retry-after')).toBe('2');
    expect(refused!.headers.get('connection')).toBe('close');
    expect(refused!.headers.get('content-type')).toBe('application/problem+json');
    expect(((await refused!.json()) as { detail: string }).detail).toContain('server.bodyMemory');
    // A slow body is cut off by server.requestTimeout (3 s here) with 408, its memory given back.
    await Promise.all(slow.map((s) => s.ended));
    for (const s of slow) expect(s.received()).toMatch(/^HTTP\/1\.1 408 /);
    // Two large bodies at once fit again: the slow ones' reservations were given back.
    const large = [Buffer.alloc(900_000, 0x20), Buffer.alloc(900_000, 0x0a)];
    const statuses = await Promise.all(large.map(async (body) => (await post(body)).status));
    expect(statuses).toEqual([202, 202]); // read, signed, stored: blank JSON is an exception, not a 503
  });

  it('closes a connection that does not finish its headers within server.headersTimeout', async () => {
    const c = rawConnection(port());
    c.socket.write('POST /webhooks/demo HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    await c.ended;
    expect(c.received()).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('refuses connections past server.maxConnections and serves again once they are gone', async () => {
    const many = Array.from({ length: 24 }, () => rawConnection(port()));
    // Past 16 open connections, Node closes each new one as it is accepted.
    await eventually(
      'the connections past the limit closed',
      () => many.filter((c) => c.socket.destroyed).length >= 24 - 16,
    );
    // Closed for the limit, not by the headers timeout that would close silent sockets too.
    expect(hub.log()).toContain('connection refused: server.maxConnections reached');
    for (const c of many) c.socket.destroy();
    await eventually('a request served again', async () => (await post(order('AFTER-MANY'))).status === 200);
  });
});

describe('a Stripe event dated in the future (defect 11)', () => {
  it('is refused with 401, as a stale one is', async () => {
    const body = JSON.stringify({
      id: 'evt_future_1',
      object: 'event',
      type: 'customer.created',
      data: { object: {} },
    });
    const signed = (t: number) =>
      `t=${t},v1=${createHmac('sha256', WHSEC).update(`${t}.${body}`).digest('hex')}`;
    const send = (t: number) =>
      fetch(`${hub.url}/webhooks/stripe`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', 'stripe-signature': signed(t) },
      });
    const now = Math.floor(Date.now() / 1000);
    const res = await send(now + 3600);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/ahead of the hub's clock/);
    const ok = await send(now);
    expect(ok.status).toBe(200);
  });
});
