import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverLimits } from '../config.ts';
import { OrderDraft, type OrderDraftInput } from '../order.ts';
import { SecretBox } from '../secrets.ts';
import { createTestDatabase, type TestDatabase } from '../testing/database.ts';
import { sampleDraft } from '../testing/fixtures.ts';
import { storeRaw } from './inbox.ts';
import { getDelivery, getOrderDetail } from './order-detail.ts';
import { listOrders, type OrderFilter, type OrderSort } from './order-list.ts';
import { appendOrderEvent, applyOrder } from './orders.ts';
import { syncConfig } from './tenants.ts';

let db: TestDatabase;
const web = { tenantId: 'acme', connectionId: 'acme-web', connector: 'http-json' };
const pos = { tenantId: 'acme', connectionId: 'acme-pos', connector: 'http-json' };
const globex = { tenantId: 'globex', connectionId: 'globex-web', connector: 'http-json' };
type Source = typeof web;

const connection = (id: string, tenantId: string) => ({
  id,
  tenantId,
  connector: 'http-json',
  settings: {},
  secrets: { signingSecret: `secret-${id}` },
  defaultedEnv: [],
});

beforeAll(async () => {
  db = await createTestDatabase();
  await syncConfig(
    db.sql,
    {
      tenants: [
        { id: 'acme', name: 'Acme' },
        { id: 'globex', name: 'Globex' },
      ],
      connections: [
        connection('acme-web', 'acme'),
        connection('acme-pos', 'acme'),
        connection('globex-web', 'globex'),
      ],
      server: serverLimits({ bodyLimit: 1024 }),
    },
    SecretBox.fromString(SecretBox.generateKey()),
  );
});
afterAll(async () => db?.drop());

const lines = (...skus: string[]) =>
  skus.map((sku, i) => ({
    id: String(i + 1),
    sku,
    title: sku,
    quantity: { ordered: 1 },
    unitPrice: { amount: 500, currency: 'USD' },
  }));

async function apply(
  source: Source,
  externalId: string,
  overrides: Partial<Omit<OrderDraftInput, 'totals'>> = {},
  inboxId: string | null = null,
) {
  return db.sql.begin((tx) =>
    applyOrder(tx, source, OrderDraft.parse(sampleDraft(externalId, overrides)), inboxId),
  );
}

/** Every page of a list, by its cursor, with the external ids in the order given. */
async function allPages(tenantId: string, filter: OrderFilter, limit = 2): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await listOrders(db.sql, tenantId, { ...filter, limit, cursor });
    ids.push(...page.orders.map((o) => o.externalId));
    cursor = page.next;
  } while (cursor);
  return ids;
}

describe('the orders list', () => {
  beforeAll(async () => {
    // Stored in this order, so newest first by created time is F-6 .. F-1.
    await apply(web, 'F-1', {
      externalNumber: '#1001',
      placedAt: '2026-01-10T10:00:00Z',
      updatedAt: '2026-03-01T00:00:00Z',
      customer: { email: 'Ann@Example.COM' },
      lines: lines('RED', 'BLUE', 'RED'),
    });
    await apply(web, 'F-2', {
      externalNumber: '#1002',
      placedAt: '2026-02-10T10:00:00Z',
      updatedAt: '2026-02-10T10:00:00Z',
      status: 'accepted',
      customer: { email: 'bob@example.com' },
      b2b: { poNumber: 'PO-77' },
      lines: lines('BLUE'),
    });
    await apply(pos, 'F-3', {
      externalNumber: 'F-1', // another order's external id: q finds both
      placedAt: '2026-03-10T10:00:00Z',
      updatedAt: '2026-03-10T10:00:00Z',
      customer: { email: 'ann@example.com' },
      lines: lines('GREEN'),
    });
    await apply(pos, 'F-4', {
      placedAt: '2025-12-01T10:00:00Z',
      updatedAt: '2026-04-01T00:00:00Z',
      status: 'delivered',
      lines: [
        { id: '1', title: 'no sku', quantity: { ordered: 1 }, unitPrice: { amount: 100, currency: 'USD' } },
      ],
    });
    await apply(web, 'F-5', { placedAt: '2026-02-20T10:00:00Z', updatedAt: '2026-02-20T10:00:00Z' });
    await apply(web, 'F-6', { placedAt: '2026-02-20T10:00:00Z', updatedAt: '2026-02-20T10:00:00Z' });
    // Another tenant's order, matching every filter below that it can.
    await apply(globex, 'F-1', {
      externalNumber: '#1001',
      customer: { email: 'ann@example.com' },
      b2b: { poNumber: 'PO-77' },
      lines: lines('RED'),
    });
  });

  const cases: [string, OrderFilter, string[]][] = [
    ['no filter, newest stored first', {}, ['F-6', 'F-5', 'F-4', 'F-3', 'F-2', 'F-1']],
    ['connection', { connectionId: 'acme-pos' }, ['F-4', 'F-3']],
    ['status', { status: 'accepted' }, ['F-2']],
    ['external id', { externalId: 'F-2' }, ['F-2']],
    ['external number', { externalNumber: '#1001' }, ['F-1']],
    ['q: external id or number', { q: 'F-1' }, ['F-3', 'F-1']],
    ['q: external number', { q: '#1002' }, ['F-2']],
    ['PO number', { poNumber: 'PO-77' }, ['F-2']],
    ['customer email, any case', { customerEmail: 'ANN@example.com' }, ['F-3', 'F-1']],
    ['SKU', { sku: 'BLUE' }, ['F-2', 'F-1']],
    ['SKU, exact', { sku: 'blue' }, []],
    // A placed range runs newest placed first; F-5 and F-6 were placed at the same time: by id then.
    ['placed from', { placedFrom: new Date('2026-02-10T10:00:00Z') }, ['F-3', 'F-5|F-6', 'F-5|F-6', 'F-2']],
    [
      'placed range',
      { placedFrom: new Date('2026-01-01T00:00:00Z'), placedTo: new Date('2026-02-10T10:00:00Z') },
      ['F-1'],
    ],
    ['updated from', { updatedFrom: new Date('2026-03-01T00:00:00Z') }, ['F-4', 'F-3', 'F-1']],
    ['updated to', { updatedTo: new Date('2026-02-20T10:00:00Z') }, ['F-2']],
    [
      'placed range, by created time',
      { placedTo: new Date('2026-02-01T00:00:00Z'), sort: 'created' },
      ['F-4', 'F-1'],
    ],
    [
      'several filters at once',
      { connectionId: 'acme-web', customerEmail: 'ann@example.com', sku: 'RED' },
      ['F-1'],
    ],
    ['nothing matches', { externalNumber: 'nope' }, []],
  ];
  for (const [name, filter, expected] of cases) {
    it(`filters by ${name}, page by page, in the tenant only`, async () => {
      const ids = await allPages('acme', filter);
      expect(ids).toHaveLength(expected.length);
      for (const [i, want] of expected.entries()) expect(want.split('|')).toContain(ids[i]);
      expect(new Set(ids).size).toBe(ids.length);
    });
  }

  it('answers each order in summary, with its connection, lower-cased email and source times', async () => {
    const { orders, next } = await listOrders(db.sql, 'acme', { externalId: 'F-1' });
    expect(next).toBeNull();
    expect(orders).toEqual([
      {
        id: expect.stringMatching(/^ord_/),
        connectionId: 'acme-web',
        externalId: 'F-1',
        externalNumber: '#1001',
        status: 'placed',
        currency: 'USD',
        totalAmount: 1500,
        poNumber: null,
        customerEmail: 'ann@example.com',
        placedAt: '2026-01-10T10:00:00.000Z',
        updatedAt: '2026-03-01T00:00:00.000Z',
        version: 1,
        createdAt: expect.any(String),
      },
    ]);
  });

  it('follows an update: the new SKUs and email are searched, the old ones no longer', async () => {
    await apply(web, 'U-1', { customer: { email: 'old@example.com' }, lines: lines('OLD') });
    expect(await allPages('acme', { sku: 'OLD' })).toEqual(['U-1']);
    await apply(web, 'U-1', {
      updatedAt: '2026-11-21T00:00:00Z',
      customer: { email: 'New@Example.com' },
      lines: lines('NEW', 'NEWER'),
    });
    expect(await allPages('acme', { sku: 'OLD' })).toEqual([]);
    expect(await allPages('acme', { customerEmail: 'old@example.com' })).toEqual([]);
    expect(await allPages('acme', { sku: 'NEWER', customerEmail: 'new@example.com' })).toEqual(['U-1']);
  });

  it('pages to the end without repeats or gaps while orders are stored meanwhile', async () => {
    for (let i = 0; i < 40; i++) await apply(i % 2 ? web : pos, `P-${i}`);
    const before = (await listOrders(db.sql, 'acme', { limit: 500 })).orders.map((o) => o.externalId);
    let writes = 0;
    const writer = (async () => {
      for (; writes < 30; writes++) await apply(writes % 2 ? web : pos, `LATE-${writes}`);
    })();
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await listOrders(db.sql, 'acme', { limit: 3, cursor });
      seen.push(...page.orders.map((o) => o.externalId));
      cursor = page.next;
    } while (cursor);
    await writer;
    expect(new Set(seen).size).toBe(seen.length);
    // Every order stored before the first page is on exactly one page, in the same order; one stored meanwhile
    // is newer than any cursor, so at most the first page shows it.
    expect(seen.filter((id) => before.includes(id))).toEqual(before);
    expect(seen.length - before.length).toBeLessThanOrEqual(writes);
    // The same by connection and by placed time.
    const byConnection = await allPages('acme', { connectionId: 'acme-pos' }, 4);
    expect(byConnection.filter((id) => id.startsWith('P-'))).toEqual(
      before.filter((id) => id.startsWith('P-') && Number(id.slice(2)) % 2 === 0),
    );
    const byPlaced = await allPages('acme', { sort: 'placed' }, 4);
    expect([...byPlaced].sort()).toEqual([...(await allPages('acme', {}, 500))].sort());
  });

  it('keeps the microseconds of orders stored in one transaction (one created time)', async () => {
    await db.sql.begin(async (tx) => {
      for (let i = 0; i < 9; i++) await applyOrder(tx, web, OrderDraft.parse(sampleDraft(`TX-${i}`)), null);
    });
    const ids = (await allPages('acme', {}, 4)).filter((id) => id.startsWith('TX-'));
    expect(ids.sort()).toEqual(Array.from({ length: 9 }, (_, i) => `TX-${i}`));
  });

  it('refuses a limit outside 1..500, a bad status or time, and a cursor it did not give out', async () => {
    const refused = (options: Parameters<typeof listOrders>[2], type: string) =>
      expect(listOrders(db.sql, 'acme', options)).rejects.toMatchObject({ problem: { status: 400, type } });
    await refused({ limit: 0 }, 'invalid-limit');
    await refused({ limit: 501 }, 'invalid-limit');
    await refused({ limit: 2.5 }, 'invalid-limit');
    await refused({ status: 'lost' }, 'invalid-status');
    await refused({ sort: 'price' as OrderSort }, 'invalid-sort');
    await refused({ placedFrom: new Date('not a time') }, 'invalid-placed-from');
    await refused({ cursor: 'not-a-cursor' }, 'invalid-cursor');
    await refused({ cursor: '!!' }, 'invalid-cursor');
    const forged = (pair: unknown) => Buffer.from(JSON.stringify(pair)).toString('base64url');
    await refused({ cursor: forged(['created', '2026-02-30T00:00:00.000000Z', 'ord_x']) }, 'invalid-cursor');
    await refused({ cursor: forged(['created', '2026-02-03 00:00:00+00', 'ord_x']) }, 'invalid-cursor');
    await refused({ cursor: forged(['created', '2026-02-03T00:00:00.000000Z', 7]) }, 'invalid-cursor');
    await refused({ cursor: forged(['2026-02-03T00:00:00.000000Z', 'ord_x']) }, 'invalid-cursor');
    const { next } = await listOrders(db.sql, 'acme', { limit: 1 });
    expect(next).toBeTruthy();
    // A cursor of one sort means nothing in another; the same bytes spelt with base64 padding are not ours.
    await refused({ cursor: next!, sort: 'placed' }, 'invalid-cursor');
    await refused({ cursor: `${next}=` }, 'invalid-cursor');
    expect((await listOrders(db.sql, 'acme', { limit: 1, cursor: next! })).orders).toHaveLength(1);
    expect((await listOrders(db.sql, 'acme', { limit: 500 })).orders.length).toBeGreaterThan(1);
  });

  it('never lists another tenant’s order, and its id gives nothing', async () => {
    const globexOnly = await allPages('globex', {});
    expect(globexOnly).toEqual(['F-1']);
    const [theirs] = (await listOrders(db.sql, 'globex', {})).orders;
    const acmeIds = (await listOrders(db.sql, 'acme', { limit: 500 })).orders.map((o) => o.id);
    expect(acmeIds).not.toContain(theirs!.id);
    expect(await allPages('acme', { poNumber: 'PO-77', sku: 'RED' })).toEqual([]);
    expect(await getOrderDetail(db.sql, 'acme', theirs!.id)).toBeUndefined();
    expect(await getOrderDetail(db.sql, 'acme', 'ord_none')).toBeUndefined();
  });

  it('fills the search columns of orders stored before migration 0017, and runs again harmlessly', async () => {
    const [order] = (await listOrders(db.sql, 'acme', { externalId: 'F-1' })).orders;
    await db.sql`update orders set customer_email = null, skus = null where id = ${order!.id}`;
    const migration = readFileSync(new URL('./migrations/0017_order_search.sql', import.meta.url), 'utf8');
    await db.sql.unsafe(migration);
    await db.sql.unsafe(migration);
    const [row] = await db.sql<{ customer_email: string; skus: string[] }[]>`
      select customer_email, skus from orders where id = ${order!.id}`;
    expect(row).toEqual({ customer_email: 'ann@example.com', skus: ['BLUE', 'RED'] });
    const [noSku] = await db.sql<{ skus: string[] }[]>`
      select skus from orders where tenant_id = 'acme' and external_id = 'F-4'`;
    expect(noSku!.skus).toEqual([]);
  });
});

describe('an order’s detail', () => {
  const delivery = (
    tenantId: string,
    connectionId: string,
    key: string,
    body: Uint8Array,
    revisionOf?: string,
  ) =>
    db.sql.begin((tx) =>
      storeRaw(tx, {
        tenantId,
        connectionId,
        dedupeKey: key,
        receivedAt: new Date('2026-11-20T10:00:00Z'),
        method: 'POST',
        path: '/webhooks/http-json/acme-web',
        headers: { 'content-type': 'application/json', 'x-topic': 'orders/create' },
        contentType: 'application/json',
        body,
        status: 'processed',
        ...(revisionOf ? { revisionOf } : {}),
      }),
    );
  const text = (s: string) => new TextEncoder().encode(s);

  it('holds the order, its timeline with step outcomes, its deliveries and revisions, and the workflow start', async () => {
    const first = (await delivery('acme', 'acme-web', 'D-1', text('{"id":"D-1","note":"é"}')))!;
    const unrelated = (await delivery('acme', 'acme-web', 'D-other', text('{}')))!;
    const created = await apply(web, 'D-1', { lines: lines('RED') }, first);
    const second = (await delivery('acme', 'acme-web', 'D-1@2', new Uint8Array([0xff, 0x00, 0x7b])))!;
    const revision = (await delivery('acme', 'acme-web', 'D-1@2#rev', text('{"fixed":true}'), second))!;
    await apply(
      web,
      'D-1',
      { updatedAt: '2026-11-21T00:00:00Z', status: 'accepted', lines: lines('RED') },
      revision,
    );
    await appendOrderEvent(db.sql, {
      orderId: created.orderId,
      type: 'payment.captured',
      data: { amount: 500 },
      stepKey: 'capture',
    });
    await db.sql`update orders set workflow_started_at = '2026-11-21T00:00:01Z' where id = ${created.orderId}`;

    const detail = await getOrderDetail(db.sql, 'acme', created.orderId);
    expect(detail!.order).toMatchObject({
      id: created.orderId,
      externalId: 'D-1',
      status: 'accepted',
      version: 2,
    });
    expect(detail!.order.lines).toHaveLength(1);
    expect(detail!.order.totals.total).toEqual({ amount: 500, currency: 'USD' });
    expect(detail!.timeline.map((e) => [e.type, e.inboxId, e.stepKey])).toEqual([
      ['order.created', first, null],
      ['order.status_changed', revision, null],
      ['payment.captured', null, 'capture'],
    ]);
    expect(detail!.workflowStartedAt).toBe('2026-11-21T00:00:01.000Z');
    // The revised delivery is named through its revision; the unrelated one is not there; no body in the list.
    expect(detail!.deliveries).toEqual([
      {
        id: first,
        dedupeKey: 'D-1',
        receivedAt: '2026-11-20T10:00:00.000Z',
        contentType: 'application/json',
        status: 'processed',
        bytes: 24,
        revisionOf: null,
      },
      expect.objectContaining({ id: second, dedupeKey: 'D-1@2', bytes: 3, revisionOf: null }),
      expect.objectContaining({ id: revision, revisionOf: second }),
    ]);
    expect(detail!.deliveries.map((d) => d.id)).not.toContain(unrelated);

    expect(await getDelivery(db.sql, 'acme', first)).toMatchObject({
      id: first,
      connectionId: 'acme-web',
      headers: { 'x-topic': 'orders/create' },
      body: '{"id":"D-1","note":"é"}',
      bodyEncoding: 'utf8',
      bytes: 24,
    });
    expect(await getDelivery(db.sql, 'acme', second)).toMatchObject({ body: '/wB7', bodyEncoding: 'base64' });
  });

  it('gives no delivery of another tenant, and none for an id that is not one', async () => {
    const theirs = (await delivery('globex', 'globex-web', 'G-D-1', text('{}')))!;
    expect(await getDelivery(db.sql, 'globex', theirs)).toMatchObject({ id: theirs });
    expect(await getDelivery(db.sql, 'acme', theirs)).toBeUndefined();
    expect(await getDelivery(db.sql, 'acme', 'abc')).toBeUndefined();
    expect(await getDelivery(db.sql, 'acme', '99999999999999999999')).toBeUndefined();
  });
});
