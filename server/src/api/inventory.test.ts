import { readFileSync } from 'node:fs';
import { httpJson, signedHeaders } from '@switchyard/connector-http-json';
import {
  type AnyConnector,
  allocateStock,
  type Connection,
  createApiKey,
  IntakeQueue,
  listAudit,
  markShipmentRated,
  type ResolvedConfig,
  SecretBox,
  serverLimits,
  syncConfig,
} from '@switchyard/core';
import { createTestDatabase, type TestDatabase } from '@switchyard/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../http/app.ts';
import { silentLogger } from '../log.ts';

/**
 * The inventory API over a real database: two tenants, north with locations east and west, south with its hub;
 * an order of each imported through the webhook intake and routed (reserved) by the ledger itself.
 */
const example = JSON.parse(
  readFileSync(new URL('../../../connectors/http-json/examples/order.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;
const tenants = ['north', 'south'] as const;
const secretOf = (tenant: string) => `signing-secret-of-${tenant}`;
const address = { street1: '1 Dock Rd', city: 'Newark', zip: '07102', country: 'US' };
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
  locations: [
    { id: 'east', tenant: 'north', kind: 'warehouse', address },
    { id: 'west', tenant: 'north', kind: 'store', address: { ...address, city: 'Reno', zip: '89501' } },
    { id: 'hub', tenant: 'south', kind: '3pl', address },
  ],
  server: serverLimits({ bodyLimit: 64 * 1024 }),
};

let db: TestDatabase;
let app: ReturnType<typeof createApp>;
const keys: Record<string, Record<'admin' | 'operator' | 'viewer', string>> = {};
const orders: Record<string, string> = {};

function call(key: string | undefined, path: string, init: RequestInit & { type?: string } = {}) {
  const headers = new Headers(init.headers);
  if (key) headers.set('authorization', `Bearer ${key}`);
  if (init.body) headers.set('content-type', init.type ?? 'application/json');
  return app.request(`/api/v1${path}`, { ...init, headers });
}

async function ok<T = Record<string, unknown>>(res: Response, status = 200): Promise<T> {
  const body = await res.text();
  expect(res.status, body).toBe(status);
  return JSON.parse(body) as T;
}

async function problem(res: Response, status: number) {
  const body = await res.text();
  expect(res.status, body).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  return JSON.parse(body) as { type: string; detail: string; fix?: string; problems?: { line: number }[] };
}

let keyN = 0;
const move = (tenant: string, body: Record<string, unknown>, role: 'operator' | 'viewer' = 'operator') =>
  call(keys[tenant]![role], '/inventory/movements', {
    method: 'POST',
    headers: { 'idempotency-key': `k-${++keyN}` },
    body: JSON.stringify(body),
  });

beforeAll(async () => {
  db = await createTestDatabase();
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
  app = createApp({ sql: db.sql, intake: new IntakeQueue(db.sql), connections, config }, silentLogger);
  for (const tenant of tenants) {
    keys[tenant] = { admin: '', operator: '', viewer: '' };
    for (const role of ['admin', 'operator', 'viewer'] as const) {
      keys[tenant]![role] = (
        await createApiKey(db.sql, { tenantId: tenant, role, createdBy: 'test' })
      ).secret;
    }
    const bytes = JSON.stringify({ ...example, id: `${tenant.toUpperCase()}-1` });
    const res = await app.request(`/webhooks/${tenant}-web`, {
      method: 'POST',
      body: bytes,
      headers: signedHeaders(secretOf(tenant), bytes),
    });
    expect(res.status).toBe(200);
    const [row] = await db.sql<{ id: string }[]>`select id from orders where tenant_id = ${tenant}`;
    orders[tenant] = row!.id;
  }
});
afterAll(async () => {
  await db?.drop();
});

describe('locations and recording by hand', () => {
  it("lists the tenant's locations only", async () => {
    const north = await ok<{ items: { id: string }[] }>(
      await call(keys.north!.viewer, '/inventory/locations'),
    );
    expect(north.items.map((l) => l.id)).toEqual(['east', 'west']);
    const south = await ok<{ items: { id: string }[] }>(
      await call(keys.south!.viewer, '/inventory/locations'),
    );
    expect(south.items.map((l) => l.id)).toEqual(['hub']);
  });

  it('records a receipt once per idempotency key, and refuses the key for another movement', async () => {
    const body = JSON.stringify({ sku: 'MUG-12OZ', location: 'east', kind: 'receipt', quantity: 40 });
    const send = (b = body) =>
      call(keys.north!.operator, '/inventory/movements', {
        method: 'POST',
        headers: { 'idempotency-key': 'delivery-0001' },
        body: b,
      });
    const first = await ok<{ applied: boolean; level: { onHand: number; available: number } }>(
      await send(),
      201,
    );
    expect(first).toMatchObject({ applied: true, level: { onHand: 40, available: 40 } });
    const again = await ok<{ applied: boolean; movement: { quantity: number }; level: { onHand: number } }>(
      await send(),
    );
    expect(again).toMatchObject({ applied: false, movement: { quantity: 40 }, level: { onHand: 40 } });
    const reused = await problem(await send(body.replace('40', '41')), 409);
    expect(reused.type).toBe('urn:switchyard:problem:idempotency-key-reused');
    const audit = await listAudit(db.sql, 'north', { targetType: 'sku', targetId: 'MUG-12OZ' });
    expect(audit.items.map((a) => a.action)).toEqual(['stock.receipt']);
  });

  it('says what is wrong with a movement, never a 500', async () => {
    const noKey = await problem(
      await call(keys.north!.operator, '/inventory/movements', {
        method: 'POST',
        body: JSON.stringify({ sku: 'MUG-12OZ', location: 'east', kind: 'receipt', quantity: 1 }),
      }),
      400,
    );
    expect(noKey.type).toBe('urn:switchyard:problem:idempotency-key-required');
    expect(noKey.fix).toContain('Idempotency-Key');
    const unknown = await problem(
      await move('north', { sku: 'MUG-12OZ', location: 'hub', kind: 'receipt', quantity: 1 }),
      400,
    );
    expect(unknown.detail).toBe('tenant north has no location "hub"');
    expect(unknown.fix).toBe('use one of: east, west');
    const noReason = await problem(
      await move('north', { sku: 'MUG-12OZ', location: 'east', kind: 'adjustment', quantity: -2 }),
      400,
    );
    expect(noReason.detail).toBe('an adjustment needs its reason');
    await problem(
      await move('north', { sku: 'MUG-12OZ', location: 'east', kind: 'receipt', quantity: 0 }),
      400,
    );
    await problem(
      await move('north', { sku: 'MUG-12OZ', location: 'east', kind: 'reservation', quantity: 1 }),
      400,
    );
    await problem(
      await move('north', { sku: 'A\u0000B', location: 'east', kind: 'receipt', quantity: 1 }),
      400,
    );
    const below = await problem(
      await move('north', {
        sku: 'MUG-12OZ',
        location: 'east',
        kind: 'adjustment',
        quantity: -500,
        reason: 'x',
      }),
      409,
    );
    expect(below.type).toBe('urn:switchyard:problem:stock-refused');
    const viewer = await problem(
      await move('north', { sku: 'MUG-12OZ', location: 'east', kind: 'receipt', quantity: 1 }, 'viewer'),
      403,
    );
    expect(viewer.type).toBe('urn:switchyard:problem:forbidden');
  });

  it('counts, adjusts and holds back safety stock, each as a movement', async () => {
    await ok(await move('north', { sku: 'MUG-12OZ', location: 'west', kind: 'count', quantity: 12 }), 201);
    await ok(
      await move('north', {
        sku: 'MUG-12OZ',
        location: 'west',
        kind: 'adjustment',
        quantity: -2,
        reason: 'chipped',
      }),
      201,
    );
    const safety = await ok<{ level: Record<string, number> }>(
      await move('north', { sku: 'MUG-12OZ', location: 'west', kind: 'safety', quantity: 3 }),
      201,
    );
    expect(safety.level).toMatchObject({ onHand: 10, reserved: 0, safetyStock: 3, available: 7 });
    await ok(await move('north', { sku: 'TEE/BLK', location: 'east', kind: 'receipt', quantity: 1 }), 201);
    await ok(
      await move('north', {
        sku: 'TEE/BLK',
        location: 'east',
        kind: 'adjustment',
        quantity: -1,
        reason: 'lost',
      }),
      201,
    );
    await ok(await move('south', { sku: 'SOUTH-ONLY', location: 'hub', kind: 'receipt', quantity: 5 }), 201);
  });
});

describe('reading the ledger', () => {
  type Level = { sku: string; locationId: string; onHand: number; available: number };
  it('lists balances by SKU and location, filtered and paged by keyset', async () => {
    const all = await ok<{ items: Level[]; next: null }>(await call(keys.north!.viewer, '/inventory/levels'));
    expect(all.items.map((l) => `${l.sku}@${l.locationId}`)).toEqual([
      'MUG-12OZ@east',
      'MUG-12OZ@west',
      'TEE/BLK@east',
    ]);
    const mugs = await ok<{ items: Level[] }>(
      await call(keys.north!.viewer, '/inventory/levels?sku=MUG&location=west'),
    );
    expect(mugs.items).toEqual([
      expect.objectContaining({ sku: 'MUG-12OZ', locationId: 'west', available: 7 }),
    ]);
    const short = await ok<{ items: Level[] }>(
      await call(keys.north!.viewer, '/inventory/levels?short=true'),
    );
    expect(short.items.map((l) => l.sku)).toEqual(['TEE/BLK']);
    const seen: string[] = [];
    let next: string | null = null;
    do {
      const page: { items: Level[]; next: string | null } = await ok(
        await call(keys.north!.viewer, `/inventory/levels?limit=1${next ? `&cursor=${next}` : ''}`),
      );
      seen.push(...page.items.map((l) => `${l.sku}@${l.locationId}`));
      next = page.next;
    } while (next);
    expect(seen).toEqual(all.items.map((l) => `${l.sku}@${l.locationId}`));
    const bad = await problem(await call(keys.north!.viewer, '/inventory/levels?cursor=bm9wZQ'), 400);
    expect(bad.type).toBe('urn:switchyard:problem:invalid-cursor');
    // A well-formed cursor naming no movement id is refused the same way, before any query.
    const edited = Buffer.from(JSON.stringify(['abc'])).toString('base64url');
    const foreign = await problem(
      await call(keys.north!.viewer, `/inventory/movements?cursor=${edited}`),
      400,
    );
    expect(foreign.type).toBe('urn:switchyard:problem:invalid-cursor');
  });

  it('shows a SKU with its totals and the movements behind them, newest first', async () => {
    const mug = await ok<{
      levels: Level[];
      total: { onHand: number; available: number };
      movements: { kind: string; onHandAfter: number; reason: string | null }[];
    }>(await call(keys.north!.viewer, '/inventory/skus/MUG-12OZ'));
    expect(mug.levels.map((l) => l.locationId)).toEqual(['east', 'west']);
    expect(mug.total).toMatchObject({ onHand: 50, available: 47 });
    expect(mug.movements.map((m) => m.kind)).toEqual(['safety', 'adjustment', 'count', 'receipt']);
    expect(mug.movements[1]).toMatchObject({ onHandAfter: 10, reason: 'chipped' });
    const slash = await ok<{ sku: string }>(
      await call(keys.north!.viewer, `/inventory/skus/${encodeURIComponent('TEE/BLK')}`),
    );
    expect(slash.sku).toBe('TEE/BLK');
    const west = await ok<{ movements: unknown[] }>(
      await call(keys.north!.viewer, '/inventory/skus/MUG-12OZ?location=west&limit=2'),
    );
    expect(west.movements).toHaveLength(2);
  });

  it("answers another tenant's SKU exactly as an unknown one", async () => {
    const theirs = await problem(await call(keys.north!.admin, '/inventory/skus/SOUTH-ONLY'), 404);
    const none = await problem(await call(keys.north!.admin, '/inventory/skus/NO-SUCH'), 404);
    expect(theirs.detail.replace('SOUTH-ONLY', 'X')).toBe(none.detail.replace('NO-SUCH', 'X'));
    expect(theirs.detail).not.toContain('south');
    const listed = await (await call(keys.north!.admin, '/inventory/movements?sku=SOUTH-ONLY')).json();
    expect(listed).toEqual({ items: [], next: null });
    await problem(await call(keys.north!.viewer, '/inventory/skus/%00'), 400);
  });
});

describe('loading a CSV', () => {
  const load = (csv: string, query = '', role: 'operator' | 'viewer' = 'operator') =>
    call(keys.north![role], `/inventory/counts${query}`, { method: 'POST', body: csv, type: 'text/csv' });

  it('refuses a file with bad rows, naming each line, and records nothing', async () => {
    const csv =
      'sku,location,quantity\nMUG-12OZ,east,30\nMUG-12OZ,nowhere,3\nPLATE,west,-1\nBOWL,west,ten\nCUP,east,"4"\n';
    const refused = await problem(await load(csv), 400);
    expect(refused.type).toBe('urn:switchyard:problem:invalid-stock-file');
    expect(refused.problems!.map((p) => p.line)).toEqual([3, 4, 5]);
    expect(refused.detail).toContain('line 3: no location "nowhere" (the tenant has east, west)');
    expect(refused.detail).toContain('line 5: quantity "ten" is not a whole number');
    const mug = await ok<{ levels: Level[] }>(await call(keys.north!.viewer, '/inventory/skus/MUG-12OZ'));
    expect(mug.levels.find((l) => l.locationId === 'east')!.onHand).toBe(40);
    await problem(await load('sku;location;quantity\nA;east;1\n'), 400);
    await problem(await load(csv, '', 'viewer'), 403);
    await problem(await call(keys.north!.operator, '/inventory/counts', { method: 'POST', body: '{}' }), 415);
    const big = `sku,location,quantity\n${'MUG-12OZ,east,1\n'.repeat(5000)}`;
    expect((await problem(await load(big), 413)).type).toBe('urn:switchyard:problem:body-too-large');
    const latin1 = await problem(
      await call(keys.north!.operator, '/inventory/counts', {
        method: 'POST',
        body: new Uint8Array([
          ...Buffer.from('sku,location,quantity\nCAF'),
          0xc9,
          ...Buffer.from(',east,1\n'),
        ]),
        type: 'text/csv',
      }),
      400,
    );
    expect(latin1.detail).toBe('the file is not UTF-8 text');
  });
  type Level = { locationId: string; onHand: number };

  it('applies the counts once, however often the same file is loaded', async () => {
    const csv =
      'SKU,Location,Quantity,Reason\r\nMUG-12OZ,east,30,"cycle count, aisle 4"\r\nPLATE,west,8,\r\n';
    const first = await ok<{ rows: number; applied: number; alreadyLoaded: number; sha256: string }>(
      await load(csv),
    );
    expect(first).toMatchObject({ rows: 2, applied: 2, alreadyLoaded: 0 });
    expect(first.sha256).toMatch(/^[0-9a-f]{64}$/);
    const again = await ok(await load(csv));
    expect(again).toMatchObject({ rows: 2, applied: 0, alreadyLoaded: 2 });
    const mug = await ok<{ levels: Level[]; movements: { kind: string; reason: string }[] }>(
      await call(keys.north!.viewer, '/inventory/skus/MUG-12OZ?location=east'),
    );
    expect(mug.levels.find((l) => l.locationId === 'east')!.onHand).toBe(30);
    expect(mug.movements[0]).toMatchObject({ kind: 'count', reason: 'cycle count, aisle 4' });
    const receipts = await ok(await load('sku,location,quantity\nPLATE,west,2\n', '?kind=receipt'));
    expect(receipts).toMatchObject({ kind: 'receipt', applied: 1 });
    const plate = await ok<{ levels: Level[] }>(await call(keys.north!.viewer, '/inventory/skus/PLATE'));
    expect(plate.levels[0]!.onHand).toBe(10);
    const audit = await listAudit(db.sql, 'north', { targetType: 'stock-file' });
    expect(audit.items.map((a) => a.action)).toEqual(['stock.load-receipts', 'stock.load-counts']);
  });

  it('refuses a whole file when one row would take the shelf below zero', async () => {
    const res = await load(
      'sku,location,quantity,reason\nPLATE,west,-3,broken\nMUG-12OZ,west,-99,lost\n',
      '?kind=adjustment',
    );
    const refused = await problem(res, 409);
    expect(refused.problems!.map((p) => p.line)).toEqual([3]);
    const plate = await ok<{ levels: Level[] }>(await call(keys.north!.viewer, '/inventory/skus/PLATE'));
    expect(plate.levels[0]!.onHand).toBe(10);
  });

  it('applies the same file as counts and then as receipts: the kind is part of each row’s key', async () => {
    const csv = 'sku,location,quantity\nSAUCER,east,5\nSAUCER,west,2\n';
    const counts = await ok<{ sha256: string }>(await load(csv));
    expect(counts).toMatchObject({ kind: 'count', rows: 2, applied: 2, alreadyLoaded: 0 });
    const receipts = await ok(await load(csv, '?kind=receipt'));
    expect(receipts).toMatchObject({ kind: 'receipt', sha256: counts.sha256, applied: 2, alreadyLoaded: 0 });
    expect(await ok(await load(csv, '?kind=receipt'))).toMatchObject({ applied: 0, alreadyLoaded: 2 });
    const saucer = await ok<{ levels: Level[]; movements: { kind: string }[] }>(
      await call(keys.north!.viewer, '/inventory/skus/SAUCER'),
    );
    expect(Object.fromEntries(saucer.levels.map((l) => [l.locationId, l.onHand]))).toEqual({
      east: 10,
      west: 4,
    });
    expect(saucer.movements.map((m) => m.kind).sort()).toEqual(['count', 'count', 'receipt', 'receipt']);
  });
});

describe('routing and reroute', () => {
  type Routing = {
    decisions: { key: string }[];
    shipments: { n: number; locationId: string; status: string; held: number }[];
  };
  beforeAll(async () => {
    await allocateStock(db.sql, {
      tenantId: 'north',
      orderId: orders.north!,
      key: `order:${orders.north}:route-order`,
      skus: ['MUG-12OZ'],
      locations: ['east', 'west'],
      decide: () => ({
        outcome: 'single',
        summary: 'east has the whole order',
        candidates: [{ locationId: 'east', verdict: 'chosen', reasons: ['has it all'], has: 2 }],
        shipments: [{ locationId: 'east', lines: [{ lineId: 'L2', sku: 'MUG-12OZ', quantity: 2 }] }],
      }),
    });
  });

  it("shows the order's decisions and shipments", async () => {
    const routing = await ok<Routing>(await call(keys.north!.viewer, `/orders/${orders.north}/routing`));
    expect(routing.decisions).toHaveLength(1);
    expect(routing.shipments).toEqual([
      expect.objectContaining({ n: 1, locationId: 'east', status: 'planned', held: 2 }),
    ]);
    await problem(await call(keys.south!.admin, `/orders/${orders.north}/routing`), 404);
  });

  it('moves a planned shipment where the stock is, audited and on the timeline', async () => {
    const path = `/orders/${orders.north}/shipments/1/reroute`;
    const send = (to: string, key = keys.north!.operator) =>
      call(key, path, { method: 'POST', body: JSON.stringify({ to }) });
    await problem(await send('west', keys.north!.viewer), 403);
    const nowhere = await problem(await send('hub'), 400);
    expect(nowhere.fix).toBe('use one of: east, west');
    // West holds 10 with 3 held back: 7 to promise, enough for 2.
    const moved = await ok<{ from: string; to: string; replayNeeded: boolean; message: string }>(
      await send('west'),
    );
    expect(moved).toMatchObject({ from: 'east', to: 'west', replayNeeded: false });
    expect(moved.message).toContain('now leaves from west (was east)');
    const levels = await ok<{ levels: { locationId: string; reserved: number }[] }>(
      await call(keys.north!.viewer, '/inventory/skus/MUG-12OZ'),
    );
    expect(levels.levels.map((l) => [l.locationId, l.reserved])).toEqual([
      ['east', 0],
      ['west', 2],
    ]);
    const order = await ok<{ timeline: { type: string; data: Record<string, unknown> }[] }>(
      await call(keys.north!.viewer, `/orders/${orders.north}`),
    );
    expect(order.timeline.at(-1)).toMatchObject({
      type: 'order.rerouted',
      data: { n: 1, from: 'east', to: 'west' },
    });
    const audit = await listAudit(db.sql, 'north', { targetType: 'order', targetId: orders.north! });
    expect(audit.items[0]).toMatchObject({
      action: 'shipment.reroute',
      before: { shipment: 1, locationId: 'east' },
      after: { shipment: 1, locationId: 'west' },
    });
    const byOrder = await ok<{ items: { kind: string }[] }>(
      await call(keys.north!.viewer, `/inventory/movements?order=${orders.north}`),
    );
    expect(byOrder.items.map((m) => m.kind)).toEqual(['reservation', 'release', 'reservation']);
  });

  it('refuses a move to a place without the stock, of a shipment that is not there, or one already rated', async () => {
    const path = (n: number | string) => `/orders/${orders.north}/shipments/${n}/reroute`;
    const send = (n: number | string, to: string, key = keys.north!.operator) =>
      call(key, path(n), { method: 'POST', body: JSON.stringify({ to }) });
    await ok(await move('north', { sku: 'MUG-12OZ', location: 'east', kind: 'count', quantity: 1 }), 201);
    const short = await problem(await send(1, 'east'), 409);
    expect(short.detail).toBe('east cannot promise 2 × MUG-12OZ (has 1)');
    const missing = await problem(await send(9, 'east'), 404);
    expect(missing.detail).toBe(`order ${orders.north} has no shipment 9`);
    await problem(await send('x', 'east'), 400);
    await problem(await send(1, 'west', keys.south!.admin), 404);
    expect(await markShipmentRated(db.sql, orders.north!, 1, 'west')).toBe(true);
    const rated = await problem(await send(1, 'east'), 409);
    expect(rated.detail).toContain('shipment 1 is rated');
  });
});
