import { createHash } from 'node:crypto';
import { fakeEasyPost } from '@switchyard/connector-easypost/testing';
import { ebay } from '@switchyard/connector-ebay';
import {
  type EbayOrderJson,
  ebayOrder,
  fakeEbay,
  orderConfirmation,
} from '@switchyard/connector-ebay/testing';
import {
  checkLedger,
  type Engine,
  getOrder,
  type Hydrator,
  IntakeQueue,
  runSync,
  serverLimits,
  startHydrator,
} from '@switchyard/core';
import type { TestDatabase } from '@switchyard/core/testing';
import { createApp, silentLogger } from '@switchyard/server';
import { ORDER_EVENTS_TOPIC, orderWorkflowId } from '@switchyard/workflows';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channelHub, eastWarehouse } from '../support/channel-hub.ts';
import { eventually } from '../support/eventually.ts';

/**
 * eBay end to end in one process: ORDER_CONFIRMATION notifications (one per line item, signed with eBay's key)
 * through the hub's webhook route, the order fetched after the answer and stored once, one order workflow, a
 * label from the EasyPost fake, the shipping fulfillment created once on the eBay fake even when its step is
 * retried, the listing quantities on eBay following the reservation; pulls that repeat or come late change
 * nothing, and a cancellation on eBay cancels the workflow. Real clients against the msw fakes, DBOS, PostgreSQL.
 */
const apiOrigin = 'https://api.ebay.e2e.test';
const ebaySecrets = {
  clientId: 'AcmeOutf-Switchya-PRD-e2e0a1b2c-3d4e5f60',
  clientSecret: 'PRD-e2e0a1b2c3d4-5e6f-7a8b-9c0d-1e2f',
  refreshToken: 'v^1.1#i^1#r^1#p^3#I^3#f^0#t^Ul4xMF8yOkUyRTBBMUIyQzNENEU1RjZBN0I4QzlEMEUxRjJfMV8xI0VeMjYw',
  verificationToken: 'acme-ebay-e2e-destination-verification-token-01',
};
const easypostKey = 'EZTK_ebay_e2e_0123456789';
const vendor = fakeEbay({ apiOrigin, ...ebaySecrets, fulfillmentPerDay: 86_400_000 });
const easypostFake = fakeEasyPost(easypostKey);

const hub = channelHub({
  channel: {
    id: 'ebay-us',
    connector: ebay,
    settings: { apiOrigin },
    secrets: ebaySecrets,
    // eBay keeps one ship-to-home quantity per SKU: the warehouse's figure.
    stock: { locations: [{ from: ['east'] }] },
  },
  fulfillment: { shippingRules: { rules: [{ method: 'USPSPriority', maxDays: 5, carriers: ['USPS'] }] } },
  shipping: { apiKey: easypostKey, webhookSecret: 'ep-ebay-e2e-secret' },
  locations: [eastWarehouse],
  handlers: [...vendor.handlers, ...easypostFake.handlers],
});
const { connections } = hub;

let db: TestDatabase;
let engine: Engine;
let hydrator: Hydrator;
let app: ReturnType<typeof createApp>;

const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000).toISOString();
const post = (body: string, headers: Record<string, string>) =>
  app.request('/webhooks/ebay-us', {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...headers },
  });
const signed = (body: string) => post(body, vendor.signatureHeaders(body));
const orderRow = async (externalId: string) => {
  const [row] = await db.sql<{ id: string; version: number; status: string; started: boolean }[]>`
    select id, version, status, workflow_started_at is not null as started from orders
    where connection_id = 'ebay-us' and external_id = ${externalId}`;
  return row;
};

beforeAll(async () => {
  vendor.state.inventory = new Map([
    ['MUG-BLU-12', 0],
    ['LAMP-DESK-BLK', 0],
  ]);
  ({ db, engine } = await hub.start({
    receipts: { 'MUG-BLU-12': 5, 'LAMP-DESK-BLK': 3 },
    signalDispatcher: true,
  }));
  // Notifications are fetched by the hydrator; the webhook route is the hub's own app.
  hydrator = startHydrator({ sql: db.sql, connections, everyMs: 50, onError: () => {} });
  app = createApp(
    {
      sql: db.sql,
      intake: new IntakeQueue(db.sql),
      connections,
      config: {
        tenants: [{ id: 'acme', name: 'Acme' }],
        connections: hub.resolved,
        server: serverLimits({ bodyLimit: 1 << 20 }),
      },
      hydrator,
    } as unknown as Parameters<typeof createApp>[0],
    silentLogger,
  );
});
afterAll(async () => {
  await hydrator?.stop();
  await hub.stop();
});

describe('eBay orders through the hub', () => {
  it('answers eBay’s endpoint validation as eBay computes it, and nothing else on GET', async () => {
    const res = await app.request('/webhooks/ebay-us?challenge_code=7f1c2d3e-4b5a-6978-8a9b-0c1d2e3f4a5b');
    expect(res.status).toBe(200);
    const expected = createHash('sha256')
      .update(
        `7f1c2d3e-4b5a-6978-8a9b-0c1d2e3f4a5b${ebaySecrets.verificationToken}http://localhost/webhooks/ebay-us`,
      )
      .digest('hex');
    expect(await res.json()).toEqual({ challengeResponse: expected });
    expect((await app.request('/webhooks/ebay-us?other=1')).status).toBe(404);
  });

  const orderA = ebayOrder({
    orderId: '05-10001-00001',
    creationDate: minutesAgo(10),
    lastModifiedDate: minutesAgo(9),
    lines: [
      {
        lineItemId: '10090000000101',
        sku: 'MUG-BLU-12',
        title: 'Stoneware mug',
        quantity: 2,
        price: 1299,
        shipping: 500,
        tax: 310,
      },
      {
        lineItemId: '10090000000102',
        sku: 'LAMP-DESK-BLK',
        title: 'Desk lamp',
        quantity: 1,
        price: 3450,
        tax: 354,
      },
    ],
    collectAndRemit: true,
  });

  it('takes an order notified once per line item: verified, fetched after the answer, stored once, one workflow', async () => {
    vendor.state.orders.set(orderA.orderId, orderA);
    // The first push of the shipment creates it at eBay and loses the answer: the step is tried again.
    vendor.state.loseAnswers = 1;
    const perLine = ['n-a-1', 'n-a-2'].map((id) => orderConfirmation(id, orderA.orderId));
    const answers = await Promise.all(perLine.map(async (body) => (await signed(body)).json()));
    expect(answers.map((a) => (a as { status: string }).status)).toEqual([
      'accepted for hydration',
      'accepted for hydration',
    ]);
    // eBay sends a notification again when it did not hear 2xx in time: the same notificationId.
    expect(await (await signed(perLine[0]!)).json()).toMatchObject({ status: 'duplicate' });
    // Signed with a key eBay never published: refused.
    expect((await post(perLine[1]!, vendor.signatureHeaders(perLine[1]!, 'forged'))).status).toBe(401);
    hydrator.nudge();
    await eventually(
      'the order imported, fetched once per notification, and its workflow started',
      async () => vendor.state.calls.getOrder === 2 && (await orderRow(orderA.orderId))?.started,
    );
    const row = (await orderRow(orderA.orderId))!;
    expect(row).toMatchObject({ version: 1, status: 'placed' });
    // One fetch per notification; both gave the same state, stored once.
    expect(vendor.state.calls.getOrder).toBe(2);
    const [counted] = await db.sql<{ count: string }[]>`
      select count(*) from orders where connection_id = 'ebay-us'`;
    expect(Number(counted!.count)).toBe(1);
  });

  it('shows the reservation on eBay, creates one shipping fulfillment per package, and ships once', async () => {
    const { id } = (await orderRow(orderA.orderId))!;
    const workflowId = orderWorkflowId(id);
    await eventually(
      'the shipping fulfillment on eBay',
      () => (vendor.state.fulfillments.get(orderA.orderId)?.length ?? 0) > 0,
    );
    // Started once the reservation is made: the first figures eBay is told are the promisable ones.
    hub.startStockPusher();
    await eventually(
      'the listing quantities on eBay',
      () =>
        vendor.state.inventory.get('MUG-BLU-12') === 3 && vendor.state.inventory.get('LAMP-DESK-BLK') === 2,
      { describe: () => JSON.stringify([...vendor.state.inventory]) },
    );
    const label = [...easypostFake.shipments.values()].find((s) =>
      s.reference?.startsWith(`${workflowId}/`),
    )!;
    expect(easypostFake.purchases.filter((p) => p === label.id)).toHaveLength(1);
    expect(vendor.state.fulfillments.get(orderA.orderId)).toEqual([
      expect.objectContaining({
        fulfillmentId: label.tracking_code,
        shipmentTrackingNumber: label.tracking_code,
        shippingCarrierCode: 'USPS',
        lineItems: [
          { lineItemId: '10090000000101', quantity: 2 },
          { lineItemId: '10090000000102', quantity: 1 },
        ],
      }),
    ]);
    await engine.signal(
      workflowId,
      ORDER_EVENTS_TOPIC,
      { kind: 'tracking', status: 'delivered', trackingCode: label.tracking_code },
      { dedupeKey: `delivered-${label.id}` },
    );
    expect(await engine.settled(workflowId)).toMatchObject({
      state: 'succeeded',
      output: { outcome: 'delivered' },
    });
    // The lost answer made the step run twice, each reading eBay's fulfillments first: eBay has one,
    // with the order's eBay line items, carrier and tracking.
    expect(vendor.state.loseAnswers).toBe(0);
    expect(vendor.state.calls.getShippingFulfillments).toBe(2);
    expect(vendor.state.calls.createShippingFulfillment).toBe(1);
  });

  it('takes eBay’s shipped state by the pull, and a pull or notification that repeats it changes nothing', async () => {
    const first = await runSync(db.sql, connections.get('ebay-us')!, {
      since: new Date(Date.now() - 3_600_000),
    });
    expect(first).toMatchObject({ status: 'completed', records: 1, exceptions: 0 });
    const shipped = (await orderRow(orderA.orderId))!;
    expect(shipped).toMatchObject({ version: 2, status: 'shipped' });
    const again = await runSync(db.sql, connections.get('ebay-us')!, {
      since: new Date(Date.now() - 3_600_000),
    });
    expect(again).toMatchObject({ status: 'completed', records: 1, alreadyReceived: 1, missedByWebhooks: 0 });
    expect(await (await signed(orderConfirmation('n-a-3', orderA.orderId))).json()).toMatchObject({
      status: 'accepted for hydration',
    });
    hydrator.nudge();
    await eventually('the late notification’s fetch', () => vendor.state.calls.getOrder === 3);
    await new Promise((r) => setTimeout(r, 200));
    expect(await orderRow(orderA.orderId)).toMatchObject({ version: 2, status: 'shipped' });
    const [counted] = await db.sql<{ count: string }[]>`
      select count(*) from orders where connection_id = 'ebay-us' and workflow_started_at is not null`;
    expect(Number(counted!.count)).toBe(1);
  });

  it('cancels the workflow of an order cancelled on eBay, and a late, older state changes nothing', async () => {
    let open!: () => void;
    easypostFake.gate = new Promise<void>((resolve) => (open = resolve));
    const orderB: EbayOrderJson = ebayOrder({
      orderId: '05-10002-00002',
      creationDate: minutesAgo(8),
      lastModifiedDate: minutesAgo(8),
      lines: [{ lineItemId: '10090000000201', sku: 'MUG-BLU-12', quantity: 1, price: 1299, shipping: 500 }],
    });
    vendor.state.orders.set(orderB.orderId, orderB);
    expect(await (await signed(orderConfirmation('n-b-1', orderB.orderId))).json()).toMatchObject({
      status: 'accepted for hydration',
    });
    hydrator.nudge();
    await eventually('order B’s workflow started', async () => (await orderRow(orderB.orderId))?.started);
    const { id } = (await orderRow(orderB.orderId))!;
    await eventually('the label being made', () =>
      easypostFake.calls.some((c) => c.path.includes('shipments')),
    );
    // The buyer asked to cancel (the seller has not answered yet: on hold), then eBay cancelled and refunded.
    const requested = structuredClone(orderB);
    requested.lastModifiedDate = minutesAgo(4);
    requested.cancelStatus = { cancelState: 'IN_PROGRESS', cancelRequests: [] };
    orderB.lastModifiedDate = minutesAgo(2);
    orderB.cancelStatus = {
      cancelState: 'CANCELED',
      cancelledDate: orderB.lastModifiedDate,
      cancelRequests: [
        { cancelRequestId: '5009999', cancelRequestState: 'COMPLETED', cancelInitiator: 'Buyer' },
      ],
    };
    orderB.orderPaymentStatus = 'FULLY_REFUNDED';
    const synced = await runSync(db.sql, connections.get('ebay-us')!, {
      since: new Date(Date.now() - 3_600_000),
    });
    expect(synced).toMatchObject({ status: 'completed', exceptions: 0 });
    expect(await orderRow(orderB.orderId)).toMatchObject({ version: 2, status: 'cancelled' });
    // A pull that read the cancel request before the cancellation, committed after it: older, so nothing.
    const body = JSON.stringify(requested);
    const late = await new IntakeQueue(db.sql).receive(
      connections.get('ebay-us')!,
      {
        method: 'PULL',
        path: '/pull/ebay-us',
        headers: { 'content-type': 'application/json' },
        body: new Uint8Array(Buffer.from(body)),
        contentType: 'application/json',
        receivedAt: new Date(),
      },
      () => new Date(),
      `order:${requested.orderId}@${requested.lastModifiedDate}`,
    );
    expect(late).toMatchObject({
      status: 'accepted',
      orders: [expect.objectContaining({ result: 'stale' })],
    });
    expect(await orderRow(orderB.orderId)).toMatchObject({ version: 2, status: 'cancelled' });
    open();
    easypostFake.gate = undefined;
    expect(await engine.settled(orderWorkflowId(id))).toMatchObject({
      state: 'succeeded',
      output: { outcome: 'cancelled' },
    });
    expect(vendor.state.fulfillments.get(orderB.orderId) ?? []).toHaveLength(0);
    const timeline = (await getOrder(db.sql, 'acme', id))!.timeline.map((e) => e.type);
    expect(timeline.at(-1)).toBe('order.cancelled');
    expect(await checkLedger(db.sql, 'acme')).toEqual([]);
    // eBay allows 250 revisions of a listing a day: the hub held the mug's interim figure (2) back, and the
    // figure after the cancellation is the one eBay already shows.
    await new Promise((r) => setTimeout(r, 300));
    expect(vendor.state.inventory.get('MUG-BLU-12')).toBe(3);
    expect(vendor.state.revisions.get('MUG-BLU-12')).toBe(1);
  });
});
