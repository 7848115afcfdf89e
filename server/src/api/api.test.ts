import { readFileSync } from 'node:fs';
import { httpJson, signedHeaders } from '@switchyard/connector-http-json';
import {
  type AnyConnector,
  applyMovement,
  type Connection,
  connectorMigrations,
  createApiKey,
  getInboxEntry,
  IntakeQueue,
  migrate,
  type ResolvedConfig,
  SecretBox,
  serverLimits,
  syncConfig,
} from '@switchyard/core';
import { createTestDatabase, type TestDatabase } from '@switchyard/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installedConnectors } from '../connectors.ts';
import { createApp } from '../http/app.ts';
import { silentLogger } from '../log.ts';
import { type JobRunner, startJobRunner } from '../operator/index.ts';

/**
 * The REST API over a real database and the real webhook intake: two tenants, each with a signed http-json
 * channel; keys of each role. Tenant isolation is checked on every route of the OpenAPI document.
 */
const example = JSON.parse(
  readFileSync(new URL('../../../connectors/http-json/examples/order.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;
const tenants = ['north', 'south'] as const;
const secretOf = (tenant: string) => `signing-secret-of-${tenant}`;
const config: ResolvedConfig = {
  tenants: tenants.map((id) => ({ id, name: id })),
  connections: tenants.map((id) => ({
    id: `${id}-web`,
    tenantId: id,
    connector: 'http-json',
    settings: { toleranceSeconds: 300 },
    secrets: { signingSecret: secretOf(id) },
    defaultedEnv: [],
  })),
  server: serverLimits({ bodyLimit: 64 * 1024 }),
};

let db: TestDatabase;
let app: ReturnType<typeof createApp>;
let jobs: JobRunner;
const keys: Record<string, Record<'admin' | 'operator' | 'viewer', string>> = {};

function order(n: number, overrides: Record<string, unknown> = {}) {
  return {
    ...example,
    id: `WEB-${n}`,
    number: `#${n}`,
    customer: { ...(example.customer as object), email: `Buyer${n}@Example.com` },
    ...overrides,
  };
}

async function deliver(tenant: string, body: unknown) {
  const bytes = JSON.stringify(body);
  return app.request(`/webhooks/${tenant}-web`, {
    method: 'POST',
    body: bytes,
    headers: signedHeaders(secretOf(tenant), bytes),
  });
}

function call(key: string | undefined, path: string, init: RequestInit = {}) {
  const headers = new Headers(init.headers);
  if (key) headers.set('authorization', `Bearer ${key}`);
  if (init.body) headers.set('content-type', 'application/json');
  return app.request(`/api${path}`, { ...init, headers });
}

async function ok<T = Record<string, unknown>>(res: Response, status = 200): Promise<T> {
  const body = await res.text();
  expect(res.status, body).toBe(status);
  return JSON.parse(body) as T;
}

beforeAll(async () => {
  db = await createTestDatabase();
  // The x12 connector's tables too, as the hub migrates them: the EDI routes read them.
  await migrate(db.sql, connectorMigrations(installedConnectors.values()));
  await syncConfig(db.sql, config, SecretBox.fromString(SecretBox.generateKey()));
  const connections = new Map<string, Connection>(
    tenants.map((t) => [
      `${t}-web`,
      {
        id: `${t}-web`,
        tenantId: t,
        connector: httpJson as unknown as AnyConnector,
        settings: { toleranceSeconds: 300 },
        secrets: { signingSecret: secretOf(t) },
      },
    ]),
  );
  const hub = { sql: db.sql, intake: new IntakeQueue(db.sql), connections, config };
  jobs = startJobRunner(hub, silentLogger, { pollMs: 50, replayPerSecond: 500 });
  app = createApp(hub, silentLogger, { nudgeJobs: () => jobs.nudge() });
  for (const tenant of tenants) {
    keys[tenant] = { admin: '', operator: '', viewer: '' };
    for (const role of ['admin', 'operator', 'viewer'] as const) {
      keys[tenant]![role] = (
        await createApiKey(db.sql, { tenantId: tenant, role, createdBy: 'test' })
      ).secret;
    }
    for (let n = 1; n <= 3; n++) expect((await deliver(tenant, order(n))).status).toBe(200);
    // Not an order: the lines are missing. Stored, answered 202, an exception.
    expect((await deliver(tenant, order(90, { lines: [] }))).status).toBe(202);
    expect((await deliver(tenant, order(91, { lines: [] }))).status).toBe(202);
    expect((await deliver(tenant, order(92, { lines: [] }))).status).toBe(202);
  }
});
afterAll(async () => {
  await jobs?.stop();
  await db?.drop();
});

describe('authentication', () => {
  it('refuses a request without a key, or with an unknown one, as a problem', async () => {
    for (const key of [undefined, 'sy_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'not-a-key']) {
      const res = await call(key, '/v1/orders');
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(await res.json()).toMatchObject({ type: 'urn:switchyard:problem:unauthorized' });
    }
  });

  it('serves the OpenAPI document and the reference page without a key', async () => {
    const doc = await ok<{ openapi: string; paths: Record<string, unknown> }>(
      await call(undefined, '/openapi.json'),
    );
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/orders', '/v1/exceptions/{id}/edit-and-replay', '/v1/exceptions/replay']),
    );
    const page = await call(undefined, '/docs');
    expect(await page.text()).toContain('/api/docs/assets/swagger-ui-bundle.js');
    const bundle = await call(undefined, '/docs/assets/swagger-ui-bundle.js');
    expect(bundle.status).toBe(200);
  });

  it('answers a bad query with the field and what it must be', async () => {
    const res = await call(keys.north!.viewer, '/v1/orders?limit=9000&placedFrom=yesterday');
    expect(res.status).toBe(400);
    const body = (await res.json()) as { issues: { path: string }[] };
    expect([...new Set(body.issues.map((i) => i.path))].sort()).toEqual(['limit', 'placedFrom']);
  });
});

describe('orders', () => {
  it('finds an order by its number, email (any case) and SKU, and pages with a cursor', async () => {
    const key = keys.north!.viewer;
    const byNumber = await ok<{ items: { externalNumber: string; id: string }[] }>(
      await call(key, `/v1/orders?q=${encodeURIComponent('#2')}`),
    );
    expect(byNumber.items.map((o) => o.externalNumber)).toEqual(['#2']);
    const byEmail = await ok<{ items: unknown[] }>(await call(key, '/v1/orders?email=buyer3@example.COM'));
    expect(byEmail.items).toHaveLength(1);
    const bySku = await ok<{ items: unknown[] }>(await call(key, '/v1/orders?sku=MUG-12OZ'));
    expect(bySku.items).toHaveLength(3);
    const first = await ok<{ items: { id: string }[]; next: string }>(await call(key, '/v1/orders?limit=2'));
    const second = await ok<{ items: { id: string }[]; next: null }>(
      await call(key, `/v1/orders?limit=2&cursor=${first.next}`),
    );
    expect([...first.items, ...second.items].map((o) => o.id)).toHaveLength(3);
    expect(second.next).toBeNull();
  });

  it('shows one order with its timeline and raw deliveries', async () => {
    const key = keys.north!.viewer;
    const [found] = (
      await ok<{ items: { id: string }[] }>(await call(key, `/v1/orders?q=${encodeURIComponent('WEB-1')}`))
    ).items;
    const detail = await ok<{
      order: { externalId: string; totals: { total: { amount: number } } };
      timeline: { type: string }[];
      deliveries: { id: string }[];
      workflow: null;
    }>(await call(key, `/v1/orders/${found!.id}`));
    expect(detail.order.externalId).toBe('WEB-1');
    expect(detail.order.totals.total.amount).toBe(6924);
    expect(detail.timeline[0]!.type).toBe('order.created');
    expect(detail.workflow).toBeNull();
    const raw = await ok<{ body: string; headers: Record<string, string> }>(
      await call(key, `/v1/deliveries/${detail.deliveries[0]!.id}`),
    );
    expect(JSON.parse(raw.body).id).toBe('WEB-1');
    expect(raw.headers['content-type']).toBe('application/json');
    expect(Object.keys(raw.headers)).not.toContain('authorization');
  });
});

describe('exceptions inbox', () => {
  type Exc = { id: string; status: string; inboxId: string; message: string };
  const openOf = async (tenant: string) =>
    (await ok<{ items: Exc[] }>(await call(keys[tenant]!.viewer, '/v1/exceptions'))).items;

  it('lists, counts and shows exceptions with their stored input', async () => {
    const open = await openOf('north');
    expect(open).toHaveLength(3);
    const counts = await ok<{ open: number; byKind: { kind: string; count: number }[] }>(
      await call(keys.north!.viewer, '/v1/exceptions/counts'),
    );
    expect(counts.open).toBe(3);
    expect(counts.byKind).toEqual([{ kind: 'normalize', count: 3 }]);
    const detail = await ok<{ input: { body: string }; editable: boolean }>(
      await call(keys.north!.viewer, `/v1/exceptions/${open[0]!.id}`),
    );
    expect(JSON.parse(detail.input.body).lines).toEqual([]);
    expect(detail.editable).toBe(true);
  });

  it('lets a viewer read but not replay', async () => {
    const [first] = await openOf('north');
    const res = await call(keys.north!.viewer, `/v1/exceptions/${first!.id}/replay`, { method: 'POST' });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ type: 'urn:switchyard:problem:forbidden' });
  });

  it('keeps an edit beside the original, replays it, and audits both', async () => {
    const [target] = await openOf('north');
    const original = await getInboxEntry(db.sql, target!.inboxId);
    const bad = await call(keys.north!.operator, `/v1/exceptions/${target!.id}/edit-and-replay`, {
      method: 'POST',
      body: JSON.stringify({ payload: '{"id": "WEB-90",' }),
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ type: 'urn:switchyard:problem:invalid-json' });

    const corrected = JSON.stringify(order(90));
    const done = await ok<{ inboxId: string; outcome: { status: string } }>(
      await call(keys.north!.operator, `/v1/exceptions/${target!.id}/edit-and-replay`, {
        method: 'POST',
        body: JSON.stringify({ payload: corrected }),
      }),
    );
    expect(done.outcome.status).toBe('resolved');
    expect(done.inboxId).not.toBe(target!.inboxId);
    // The original is as it was received.
    const after = await getInboxEntry(db.sql, target!.inboxId);
    expect(Buffer.from(after!.body).equals(Buffer.from(original!.body))).toBe(true);
    const found = await ok<{ items: unknown[] }>(await call(keys.north!.viewer, '/v1/orders?q=WEB-90'));
    expect(found.items).toHaveLength(1);

    const audit = await ok<{ items: { action: string; actor: string; before: { body?: string } }[] }>(
      await call(keys.north!.viewer, `/v1/audit?targetId=${target!.id}`),
    );
    expect(audit.items.map((a) => a.action)).toEqual(['exception.replay', 'exception.edit']);
    // Newest first by number, across the tens (ids compared as numbers, not as text).
    const all = await ok<{ items: { id: string }[] }>(await call(keys.north!.viewer, '/v1/audit?limit=500'));
    const ids = all.items.map((a) => Number(a.id));
    expect(ids).toEqual([...ids].sort((x, y) => y - x));
    expect(audit.items[1]!.actor).toMatch(/^key:key_/);
    expect(JSON.parse(audit.items[1]!.before.body!).lines).toEqual([]);
  });

  it('ignores an exception only with a reason, and says so when asked twice', async () => {
    const [target] = await openOf('north');
    const path = `/v1/exceptions/${target!.id}/ignore`;
    const noReason = await call(keys.north!.operator, path, { method: 'POST', body: '{"reason":"  "}' });
    expect(noReason.status).toBe(400);
    const ignored = await ok<{ status: string; resolution: string }>(
      await call(keys.north!.operator, path, { method: 'POST', body: '{"reason":"test order, not real"}' }),
    );
    expect(ignored).toMatchObject({ status: 'ignored', resolution: 'test order, not real' });
    const again = await call(keys.north!.operator, path, { method: 'POST', body: '{"reason":"again"}' });
    expect(again.status).toBe(409);
  });

  it('bulk-replays a filtered set as a job with progress', async () => {
    // South's three exceptions, fixed at the source: the same keys, now with lines, imported by the replay.
    // (The mapping is what an operator would fix; here the stored payloads themselves are edited in place of it.)
    const open = await openOf('south');
    expect(open).toHaveLength(3);
    const job = await ok<{ id: string; total: number; status: string }>(
      await call(keys.south!.operator, '/v1/exceptions/replay', {
        method: 'POST',
        body: JSON.stringify({ connection: 'south-web' }),
      }),
      202,
    );
    expect(job).toMatchObject({ total: 3, status: 'queued' });
    let current = job;
    for (let i = 0; i < 200 && !['succeeded', 'failed'].includes(current.status); i++) {
      await new Promise((r) => setTimeout(r, 50));
      current = await ok(await call(keys.south!.viewer, `/v1/jobs/${job.id}`));
    }
    // Replayed, and still failing (the payloads lack lines): counted, left open, none lost.
    expect(current).toMatchObject({ status: 'succeeded', done: 3, failed: 3 });
    const after = await openOf('south');
    expect(after.map((e) => e.id).sort()).toEqual(open.map((e) => e.id).sort());
  });
});

describe('keys', () => {
  it('lets an admin create and revoke keys, and no one else', async () => {
    const denied = await call(keys.north!.operator, '/v1/keys', {
      method: 'POST',
      body: JSON.stringify({ role: 'viewer' }),
    });
    expect(denied.status).toBe(403);
    const made = await ok<{ key: { id: string }; secret: string }>(
      await call(keys.north!.admin, '/v1/keys', {
        method: 'POST',
        body: JSON.stringify({ role: 'viewer', name: 'ci' }),
      }),
      201,
    );
    expect((await call(made.secret, '/v1/orders')).status).toBe(200);
    await ok(await call(keys.north!.admin, `/v1/keys/${made.key.id}/revoke`, { method: 'POST' }));
    expect((await call(made.secret, '/v1/orders')).status).toBe(401);
    const list = await ok<{ items: { id: string; revokedAt: string | null }[] }>(
      await call(keys.north!.admin, '/v1/keys'),
    );
    expect(JSON.stringify(list)).not.toContain(made.secret);
  });
});

describe('hostile input', () => {
  it('answers NUL characters, impossible dates and malformed bodies as 400 problems, never 500', async () => {
    const key = keys.north!.operator;
    const probes: [string, RequestInit?][] = [
      ['/v1/exceptions?kind=a%00b'],
      ['/v1/exceptions/exc_%00'],
      ['/v1/orders?q=%00'],
      ['/v1/orders?email=a%00b'],
      ['/v1/orders/ord_%00'],
      ['/v1/audit?targetId=%00'],
      ['/v1/orders?placedFrom=0000-01-01'],
      ['/v1/exceptions?since=0000-01-01'],
      ['/v1/exceptions?olderThan=999999w'],
      ['/v1/exceptions/replay', { method: 'POST', body: '{"kind": ' }],
      ['/v1/exceptions/replay', { method: 'POST', body: '{"olderThan": "999999w"}' }],
    ];
    for (const [path, init] of probes) {
      const res = await call(key, path, init);
      expect([400, 404], `${path}: ${res.status}`).toContain(res.status);
      expect(res.headers.get('content-type'), path).toBe('application/problem+json');
    }
  });

  it('lets a valid key in from an address that sent ten bad ones (a shared proxy), and refuses the bad ones', async () => {
    for (let i = 0; i < 12; i++) await call('sy_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB', '/v1/orders');
    const refused = await call('sy_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB', '/v1/orders');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await call(keys.south!.viewer, '/v1/orders')).status).toBe(200);
  });

  it('keeps one request id in the answer and the audit log', async () => {
    const [target] = (await ok<{ items: { id: string }[] }>(await call(keys.north!.viewer, '/v1/exceptions')))
      .items;
    const res = await call(keys.north!.operator, `/v1/exceptions/${target!.id}/replay`, {
      method: 'POST',
      headers: { 'x-request-id': 'req-audit-1' },
    });
    expect(res.headers.get('x-request-id')).toBe('req-audit-1');
    const audit = await ok<{ items: { requestId: string }[] }>(
      await call(keys.north!.viewer, `/v1/audit?targetId=${target!.id}&action=exception.replay`),
    );
    expect(audit.items[0]!.requestId).toBe('req-audit-1');
  });
});

describe('tenant isolation', () => {
  it("answers another tenant's ids exactly as unknown ones, on every route with an id", async () => {
    const doc = await ok<{ paths: Record<string, Record<string, unknown>> }>(
      await call(undefined, '/openapi.json'),
    );
    const northOrder = (await ok<{ items: { id: string }[] }>(await call(keys.north!.viewer, '/v1/orders')))
      .items[0]!;
    const northException = (
      await ok<{ items: { id: string }[] }>(await call(keys.north!.viewer, '/v1/exceptions?status=all'))
    ).items[0]!;
    const northJob = await ok<{ id: string }>(
      await call(keys.north!.operator, '/v1/exceptions/replay', { method: 'POST', body: '{}' }),
      202,
    );
    const northDelivery = (
      await ok<{ deliveries: { id: string }[] }>(
        await call(keys.north!.viewer, `/v1/orders/${northOrder.id}`),
      )
    ).deliveries[0]!;
    const northKey = (await ok<{ items: { id: string }[] }>(await call(keys.north!.admin, '/v1/keys')))
      .items[0]!;
    // Stock of north's, straight into the ledger (this config declares no locations for the API to accept).
    const northSku = 'NORTH-ONLY-SKU';
    await db.sql.begin((tx) =>
      applyMovement(tx, {
        tenantId: 'north',
        sku: northSku,
        locationId: 'east',
        kind: 'receipt',
        quantity: 3,
        idempotencyKey: 'tenant-walk',
      }),
    );
    // The other tenant's object for each kind of id; the south admin asks for each (the strongest role).
    const idFor = (path: string) =>
      path.startsWith('/v1/orders')
        ? northOrder.id
        : path.startsWith('/v1/exceptions')
          ? northException.id
          : path.startsWith('/v1/jobs')
            ? northJob.id
            : path.startsWith('/v1/deliveries')
              ? northDelivery.id
              : path.startsWith('/v1/keys')
                ? northKey.id
                : path.startsWith('/v1/workflows')
                  ? `order:${northOrder.id}`
                  : path.startsWith('/v1/connections')
                    ? 'north-web'
                    : '1';
    let checked = 0;
    for (const [path, methods] of Object.entries(doc.paths)) {
      if (!/\{(id|sku)\}/.test(path)) continue;
      for (const method of Object.keys(methods)) {
        const body =
          method === 'post'
            ? JSON.stringify({ reason: 'x', payload: '{}', since: '2026-01-01', role: 'viewer', to: 'east' })
            : undefined;
        const url = path
          .replace('{id}', encodeURIComponent(idFor(path)))
          .replace('{sku}', encodeURIComponent(northSku))
          .replace('{n}', '1');
        const res = await call(keys.south!.admin, url, {
          method: method.toUpperCase(),
          ...(body ? { body } : {}),
        });
        const problem = (await res.json()) as { status: number; detail: string };
        expect(res.status, `${method} ${path}: ${problem.detail}`).toBe(404);
        expect(problem.detail).not.toContain('tenant north');
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(15);
  });

  it("lists none of another tenant's objects", async () => {
    const south = keys.south!.admin;
    const lists = [
      '/v1/orders',
      '/v1/exceptions?status=all',
      '/v1/jobs',
      '/v1/audit',
      '/v1/keys',
      '/v1/connections',
      '/v1/inventory/levels',
      '/v1/inventory/movements',
      '/v1/inventory/locations',
    ];
    for (const path of lists) {
      const text = await (await call(south, path)).text();
      expect(text, path).not.toContain('north');
    }
    const northOnly = await ok<{ items: unknown[] }>(await call(south, '/v1/orders?connection=north-web'));
    expect(northOnly.items).toEqual([]);
  });
});
