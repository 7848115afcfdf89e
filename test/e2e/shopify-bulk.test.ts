import { createServer, type Server } from 'node:http';
import { API_VERSION, shopify } from '@switchyard/connector-shopify';
import { fakeShopify, shopifyNode } from '@switchyard/connector-shopify/testing';
import {
  type AnyConnector,
  type Connection,
  getOrder,
  listOrders,
  runSync,
  SecretBox,
  serverLimits,
  syncConfig,
} from '@switchyard/core';
import { createTestDatabase, type TestDatabase } from '@switchyard/core/testing';
import { http, passthrough } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

/**
 * `backfill` through a Shopify bulk operation: the mutation, the status polls, the JSONL download streamed and
 * put back together, resumption after a crash or a dropped download, and a failed export. shopify-api-node
 * and fetch in the loop, the fake answering in Shopify's shapes.
 */
const shop = 'bulk-demo.myshopify.com';
const token = 'shpat_bulk_0123456789';
const fake = fakeShopify(shop, API_VERSION, token, { max: 1000, restoreRate: 100_000, costPerNode: 10 });
const server = setupServer(...fake.handlers);
const settings = shopify.settings.parse({ shop, bulkPageSize: 25 });
const secrets = { clientSecret: 'shpss_bulk_0123456789', accessToken: token };
const since = new Date('2026-01-01T00:00:00Z');
let db: TestDatabase;

const connectionFor = (id: string, overrides: Record<string, unknown> = {}): Connection => ({
  id,
  tenantId: 'acme',
  connector: shopify as unknown as AnyConnector,
  settings: { ...settings, ...overrides },
  secrets,
});
const mine = async (connectionId: string) =>
  (await listOrders(db.sql, 'acme', { limit: 500 })).orders.filter((o) => o.connectionId === connectionId);
const stored = async (connectionId: string, externalId: string) => {
  const summary = (await mine(connectionId)).find((o) => o.externalId === externalId)!;
  return (await getOrder(db.sql, 'acme', summary.id))!.order;
};
const money = (amount: string) => ({ shopMoney: { amount, currencyCode: 'USD' } });

beforeAll(async () => {
  server.listen({ onUnhandledRequest: 'error' });
  db = await createTestDatabase();
  const ids = ['bulk', 'again', 'exact', 'cap', 'eof', 'drop', 'resume', 'expired', 'failed'];
  await syncConfig(
    db.sql,
    {
      tenants: [{ id: 'acme', name: 'Acme' }],
      connections: ids.map((id) => ({
        id,
        tenantId: 'acme',
        connector: 'shopify',
        settings,
        secrets,
        defaultedEnv: [],
      })),
      server: serverLimits({ bodyLimit: 1 << 20 }),
    },
    SecretBox.fromString(SecretBox.generateKey()),
  );
  for (let i = 1; i <= 60; i++) {
    fake.nodes.push(
      shopifyNode(`90071992547409${String(100 + i)}`, `2026-11-20T10:00:${String(i % 60).padStart(2, '0')}Z`),
    );
  }
  // One order with two lines, one shipped and one refunded before it shipped, with a shipping line.
  const rich = shopifyNode('9007199254740993', '2026-11-20T09:00:00Z', '47.00');
  const line = rich.lineItems.nodes[0]!;
  rich.lineItems.nodes = [
    {
      ...line,
      quantity: 2,
      currentQuantity: 2,
      unfulfilledQuantity: 0,
      originalUnitPriceSet: money('10.00'),
    },
    {
      ...line,
      id: 'gid://shopify/LineItem/90071992547409932',
      sku: 'MUG-1',
      quantity: 1,
      currentQuantity: 0,
      unfulfilledQuantity: 0,
      originalUnitPriceSet: money('20.00'),
    },
  ];
  rich.shippingLines.nodes = [
    {
      code: 'Standard',
      title: 'Standard',
      source: 'shopify',
      carrierIdentifier: null,
      originalPriceSet: money('7.00'),
      discountAllocations: [],
      taxLines: [],
    },
  ];
  rich.fulfillments = [
    {
      id: 'gid://shopify/Fulfillment/5550001',
      status: 'SUCCESS',
      displayStatus: 'IN_TRANSIT',
      createdAt: '2026-11-20T08:30:00Z',
      trackingInfo: [{ company: 'UPS', number: '1Z999AA10123456784', url: null }],
      fulfillmentLineItems: {
        nodes: [{ quantity: 2, lineItem: { id: `gid://shopify/LineItem/${line.id.split('/').pop()}` } }],
      },
    },
  ];
  rich.refunds = [
    {
      id: 'gid://shopify/Refund/7770001',
      createdAt: '2026-11-20T08:45:00Z',
      note: 'out of stock',
      totalRefundedSet: money('20.00'),
      refundLineItems: {
        nodes: [
          {
            quantity: 1,
            restockType: 'CANCEL',
            lineItem: { id: 'gid://shopify/LineItem/90071992547409932' },
          },
        ],
      },
    },
  ];
  fake.nodes.push(rich);
});
afterAll(async () => {
  server.close();
  await db?.drop();
});
beforeEach(() => {
  fake.bulk.downloads = [];
  fake.bulk.runningPolls = 0;
  fake.bulk.nextCreatedAt = undefined;
});

describe('Shopify backfill through a bulk operation', () => {
  it('runs one export, waits for it, and imports every order from the streamed JSONL', async () => {
    fake.bulk.runningPolls = 1;
    const before = fake.bulk.operations.length;
    const left: (number | undefined)[] = [];
    const said: string[] = [];
    const report = await runSync(db.sql, connectionFor('bulk'), {
      since,
      backfill: true,
      onPage: (p) => {
        left.push(p.remaining);
        if (p.status) said.push(p.status);
      },
    });
    expect(fake.bulk.operations).toHaveLength(before + 1);
    const operation = fake.bulk.operations.at(-1)!;
    // The export was asked for with the backfill's start, one second of overlap, and grouped children.
    expect(operation.query).toContain(`updated_at:>='2025-12-31T23:59:59.000Z'`);
    expect(operation.polls).toBe(2);
    // First the export's id is recorded, then each wait (no records: the lease is renewed), then 61 orders in
    // pages of 25.
    expect(left).toEqual([undefined, undefined, 36, 11, 0]);
    expect(said).toEqual([
      'bulk export started',
      "waiting for Shopify's bulk export (running, 0 objects so far)",
    ]);
    expect(report).toMatchObject({
      status: 'completed',
      records: 61,
      missedByWebhooks: 61,
      exceptions: 0,
      cursor: null,
    });
    expect(fake.bulk.downloads).toEqual([null]);
    // The file's link is signed: the access token is not sent there.
    expect(fake.bulk.downloadsWithToken).toBe(0);

    expect(await mine('bulk')).toHaveLength(61);
    const order = await stored('bulk', '9007199254740993');
    expect(order.totals.total).toEqual({ amount: 4700, currency: 'USD' });
    expect(order.shippingLines).toHaveLength(1);
    // Fulfillments and refunds come without their lines in a bulk export: the lines' counters say.
    expect(order.lines.map((l) => [l.sku, l.quantity.shipped, l.quantity.cancelled])).toEqual([
      ['CAP-1', 2, 0],
      ['MUG-1', 0, 1],
    ]);
    expect(order.fulfillments[0]).toMatchObject({ carrier: 'UPS', trackingNumbers: ['1Z999AA10123456784'] });
    expect(order.refunds[0]).toMatchObject({
      amount: { amount: 2000, currency: 'USD' },
      reason: 'out of stock',
    });
    expect(order.summary).toBe(true);
  });

  it('caps the watermark at the export’s start: what changed while Shopify exported is pulled again', async () => {
    fake.bulk.nextCreatedAt = '2026-11-20T10:00:30Z';
    const report = await runSync(db.sql, connectionFor('cap'), { since, backfill: true });
    expect(report.status).toBe('completed');
    expect(report.watermark).toBe('2026-11-20T10:00:30.000Z');
  });

  it('takes nothing twice when the same backfill runs again; the full state then replaces the summary', async () => {
    await runSync(db.sql, connectionFor('again'), { since, backfill: true });
    const report = await runSync(db.sql, connectionFor('again'), { since, backfill: true });
    expect(report).toMatchObject({
      status: 'completed',
      records: 61,
      missedByWebhooks: 0,
      alreadyReceived: 61,
    });
    expect(await mine('again')).toHaveLength(61);
    // A paged pull of the same states: only the order the export summarised changes, to its full state.
    const paged = await runSync(db.sql, connectionFor('again'), { since });
    expect(paged).toMatchObject({
      status: 'completed',
      records: 61,
      missedByWebhooks: 1,
      alreadyReceived: 60,
    });
    const order = await stored('again', '9007199254740993');
    expect(order.summary).toBeUndefined();
    expect(order.version).toBe(2);
  });

  it('never lets a summary replace the full state of the same change', async () => {
    const paged = await runSync(db.sql, connectionFor('exact'), { since });
    expect(paged).toMatchObject({ status: 'completed', missedByWebhooks: 61 });
    const report = await runSync(db.sql, connectionFor('exact'), { since, backfill: true });
    expect(report).toMatchObject({
      status: 'completed',
      records: 61,
      missedByWebhooks: 0,
      alreadyReceived: 61,
    });
    const order = await stored('exact', '9007199254740993');
    expect(order.summary).toBeUndefined();
    expect(order.version).toBe(1);
  });

  it('completes when stopped after the last page, and a cursor at the end of the file reads nothing', async () => {
    const stop = new AbortController();
    const whole = connectionFor('eof', { bulkPageSize: 61 });
    const report = await runSync(db.sql, whole, {
      since,
      backfill: true,
      signal: stop.signal,
      onPage: (p) => {
        if (p.records) stop.abort();
      },
    });
    expect(report).toMatchObject({ status: 'completed', records: 61, cursor: null });
    // A cursor left at the end of the export (as an older version could) finishes without a download.
    const operation = fake.bulk.operations.at(-1)!;
    await db.sql`
      update sync_state set cursor = ${`bulk:${operation.id.split('/').pop()}:${operation.file!.length}:61`},
        cursor_since = ${since.toISOString()}::text::timestamptz, cursor_backfill = true
      where connection_id = 'eof'`;
    const downloads = fake.bulk.downloads.length;
    const exports = fake.bulk.operations.length;
    const again = await runSync(db.sql, whole, { since, backfill: true });
    expect(again).toMatchObject({ status: 'completed', records: 0, cursor: null });
    expect(fake.bulk.downloads).toHaveLength(downloads);
    expect(fake.bulk.operations).toHaveLength(exports);
  });

  it('resumes a dropped download at the order it was reading, with a Range request', async () => {
    // A real socket that drops partway through the first download (msw buffers bodies, so it cannot).
    const cut = 30_000;
    let requests = 0;
    const files: Server = createServer((req, res) => {
      const op = fake.bulk.operations.find((o) => req.url?.endsWith(`/${o.id.split('/').pop()}.jsonl`));
      fake.bulk.downloads.push(req.headers.range ?? null);
      const from = Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? '')?.[1] ?? 0);
      const body = op!.file!.subarray(from);
      if (requests++ === 0) {
        res.writeHead(200, { 'content-length': body.length });
        res.write(body.subarray(0, cut), () => res.destroy());
        return;
      }
      res
        .writeHead(206, {
          'content-length': body.length,
          'content-range': `bytes ${from}-${op!.file!.length - 1}/${op!.file!.length}`,
        })
        .end(body);
    });
    await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(files.address() as { port: number }).port}`;
    const servedBy = fake.bulk.origin;
    fake.bulk.origin = origin;
    server.use(http.get(`${origin}/*`, () => passthrough()));
    try {
      const report = await runSync(db.sql, connectionFor('drop'), { since, backfill: true });
      expect(report).toMatchObject({ status: 'completed', records: 61, exceptions: 0 });
    } finally {
      fake.bulk.origin = servedBy;
      server.resetHandlers();
      files.close();
    }
    expect(fake.bulk.downloads).toHaveLength(2);
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(fake.bulk.downloads[1]!)?.[1]);
    // The resume point is the start of an order's line, before the cut.
    const file = fake.bulk.operations.at(-1)!.file!;
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThanOrEqual(cut);
    expect(file[resumedAt - 1]).toBe(10);
    expect(JSON.parse(file.subarray(resumedAt, file.indexOf(10, resumedAt)).toString())).not.toHaveProperty(
      '__parentId',
    );
    const { orders } = await listOrders(db.sql, 'acme', { limit: 500 });
    expect(orders.filter((o) => o.connectionId === 'drop')).toHaveLength(61);
  });

  it('resumes an interrupted backfill from its cursor in the same export', async () => {
    const stop = new AbortController();
    const first = await runSync(db.sql, connectionFor('resume'), {
      since,
      backfill: true,
      signal: stop.signal,
      onPage: (p) => {
        if (p.records >= 25) stop.abort();
      },
    });
    expect(first).toMatchObject({ status: 'interrupted', records: 25 });
    expect(first.cursor).toMatch(/^bulk:\d+:\d+:25$/);
    const exports = fake.bulk.operations.length;

    // The scheduled sync meanwhile pages from its watermark and leaves the backfill's cursor alone.
    const sync = await runSync(db.sql, connectionFor('resume'));
    // 36 orders the backfill had not reached, and the one it had only in summary.
    expect(sync).toMatchObject({ status: 'completed', records: 61, missedByWebhooks: 37 });
    const [state] =
      await db.sql`select cursor, cursor_backfill from sync_state where connection_id = 'resume'`;
    expect(state).toEqual({ cursor: first.cursor, cursor_backfill: true });

    const second = await runSync(db.sql, connectionFor('resume'), { since, backfill: true });
    expect(fake.bulk.operations).toHaveLength(exports);
    expect(second).toMatchObject({ status: 'completed', records: 36, missedByWebhooks: 0 });
    expect(fake.bulk.downloads.at(-1)).toBe(`bytes=${first.cursor!.split(':')[2]}-`);
    const { orders } = await listOrders(db.sql, 'acme', { limit: 500 });
    expect(orders.filter((o) => o.connectionId === 'resume')).toHaveLength(61);
  });

  it('starts a new export when the interrupted one’s file has expired', async () => {
    const stop = new AbortController();
    const first = await runSync(db.sql, connectionFor('expired'), {
      since,
      backfill: true,
      signal: stop.signal,
      onPage: (p) => {
        if (p.records >= 25) stop.abort();
      },
    });
    expect(first.status).toBe('interrupted');
    fake.bulk.expiredFiles.add(fake.bulk.operations.at(-1)!.id);
    const exports = fake.bulk.operations.length;
    const report = await runSync(db.sql, connectionFor('expired'), { since, backfill: true });
    expect(fake.bulk.operations).toHaveLength(exports + 1);
    expect(report).toMatchObject({
      status: 'completed',
      records: 61,
      alreadyReceived: 25,
      missedByWebhooks: 36,
    });
    expect(await mine('expired')).toHaveLength(61);
  });

  it('names a failed export, and the next run starts a new one', async () => {
    fake.bulk.failNext = 'INTERNAL_SERVER_ERROR';
    await expect(runSync(db.sql, connectionFor('failed'), { since, backfill: true })).rejects.toThrow(
      /bulk export gid:\/\/shopify\/BulkOperation\/\d+ failed \(INTERNAL_SERVER_ERROR\); run the backfill again/,
    );
    const exports = fake.bulk.operations.length;
    const report = await runSync(db.sql, connectionFor('failed'), { since, backfill: true });
    expect(fake.bulk.operations).toHaveLength(exports + 1);
    expect(report).toMatchObject({ status: 'completed', records: 61, exceptions: 0 });
  });
});
