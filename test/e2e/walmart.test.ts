import { fakeEasyPost } from '@switchyard/connector-easypost/testing';
import { orderKey, walmart } from '@switchyard/connector-walmart';
import { fakeWalmart, walmartOrder } from '@switchyard/connector-walmart/testing';
import { checkLedger, type Engine, getOrder, IntakeQueue, runSync } from '@switchyard/core';
import type { TestDatabase } from '@switchyard/core/testing';
import { ORDER_EVENTS_TOPIC, orderWorkflowId } from '@switchyard/workflows';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channelHub, eastWarehouse } from '../support/channel-hub.ts';
import { eventually } from '../support/eventually.ts';

/**
 * Walmart Marketplace end to end in one process: a released order pulled from the fake (the real hand-written
 * client: token, WM_* headers, nextCursor pages), one order workflow that acknowledges it, buys the label from the
 * EasyPost fake and ships each line once on Walmart even when the step is retried after a lost answer (the
 * customer charged once), the stock figure on Walmart following the reservation; pulls that repeat or come late
 * change nothing, and a cancellation on Walmart cancels the workflow. DBOS and PostgreSQL underneath.
 */
const SHIP_NODE = '720893456';
const easypostKey = 'EZTK_walmart_e2e_0123456789';
const vendor = fakeWalmart({ origin: 'https://marketplace.walmart.e2e.test', rateScale: 100 });
const easypostFake = fakeEasyPost(easypostKey);

const hub = channelHub({
  channel: {
    id: 'walmart',
    connector: walmart,
    settings: { apiOrigin: vendor.origin },
    secrets: { clientId: vendor.clientId, clientSecret: vendor.clientSecret },
    // Walmart keeps a figure per SKU and ship node: the east warehouse is the seller's ship node.
    stock: { locations: [{ channelLocation: SHIP_NODE, from: ['east'] }] },
  },
  fulfillment: { shippingRules: { rules: [{ method: 'Standard', maxDays: 5, carriers: ['USPS'] }] } },
  shipping: { apiKey: easypostKey, webhookSecret: 'ep-walmart-e2e-secret' },
  locations: [eastWarehouse],
  handlers: [...vendor.handlers, ...easypostFake.handlers],
});
const { connections } = hub;

let db: TestDatabase;
let engine: Engine;
const wm = () => connections.get('walmart')!;
const figure = (sku: string) => vendor.stock.get(`${sku}@${SHIP_NODE}`);
const orderRow = async (po: string) => {
  const [row] = await db.sql<{ id: string; version: number; status: string; started: boolean }[]>`
    select id, version, status, workflow_started_at is not null as started from orders
    where connection_id = 'walmart' and external_id = ${po}`;
  return row;
};
const placedAgo = (minutes: number) => Date.now() - minutes * 60_000;

beforeAll(async () => {
  for (const sku of ['MUG-1', 'LAMP-1']) vendor.skus.add(sku);
  ({ db, engine } = await hub.start({ receipts: { 'MUG-1': 5, 'LAMP-1': 3 }, signalDispatcher: true }));
});
afterAll(() => hub.stop());

describe('Walmart orders through the hub', () => {
  const A = '1795000000001';
  let createdState: string;

  it('pulls a released order, starts one workflow, and acknowledges it once', async () => {
    vendor.put(
      walmartOrder(A, {
        orderDate: placedAgo(30),
        lines: [
          {
            lineNumber: '1',
            sku: 'MUG-1',
            price: 25.98,
            tax: 2.15,
            shipping: 5.99,
            quantity: 2,
            weightLb: '0.9',
          },
          { lineNumber: '2', sku: 'LAMP-1', price: 34.5, tax: 2.85 },
        ],
      }),
    );
    createdState = JSON.stringify(vendor.orders.get(A)!.order);
    // The first shipping update Walmart takes loses its answer: the step is tried again.
    vendor.loseNextShippingAnswer = true;
    const report = await runSync(db.sql, wm());
    // Released first, then the modified listing: the same state twice, stored once.
    expect(report).toMatchObject({
      status: 'completed',
      records: 2,
      missedByWebhooks: 1,
      alreadyReceived: 1,
      exceptions: 0,
    });
    expect(await orderRow(A)).toMatchObject({ version: 1, status: 'placed' });
    await eventually('the acknowledgment on Walmart', () => vendor.acknowledged.includes(A));
    expect(vendor.acknowledged.filter((po) => po === A)).toHaveLength(1);
    expect(vendor.calls.filter((c) => c.operation === 'acknowledge').map((c) => c.status)).toEqual([200]);
  });

  it('ships each line once even when the step is retried, and Walmart shows the stock after the reservation', async () => {
    const { id } = (await orderRow(A))!;
    const workflowId = orderWorkflowId(id);
    await eventually('the shipping update on Walmart', () => vendor.charges.some((c) => c.po === A));
    hub.startStockPusher();
    await eventually('the figures on Walmart', () => figure('MUG-1') === 3 && figure('LAMP-1') === 2, {
      describe: () => JSON.stringify([...vendor.stock]),
    });
    const label = [...easypostFake.shipments.values()].find((s) =>
      s.reference?.startsWith(`${workflowId}/`),
    )!;
    expect(easypostFake.purchases.filter((p) => p === label.id)).toHaveLength(1);
    await eventually(
      'the retried step done',
      async () =>
        (await getOrder(db.sql, 'acme', id))!.timeline.some((e) => e.type === 'label.purchased') &&
        vendor.calls.filter((c) => c.operation === 'order' && c.path.endsWith(A)).length >= 2,
    );
    // One Shipped status per line, with the label's carrier and tracking and the order's ship method: the
    // customer charged once, though the update went out on a step that ran twice.
    expect(vendor.charges.filter((c) => c.po === A)).toEqual([
      {
        po: A,
        lineNumber: '1',
        quantity: 2,
        trackingNumber: label.tracking_code,
        carrier: 'USPS',
        methodCode: 'Standard',
      },
      {
        po: A,
        lineNumber: '2',
        quantity: 1,
        trackingNumber: label.tracking_code,
        carrier: 'USPS',
        methodCode: 'Standard',
      },
    ]);
    expect(vendor.calls.filter((c) => c.operation === 'shipping' && c.status >= 400)).toEqual([]);
    // Each attempt read the order first; the second found both lines shipped with this tracking and sent nothing.
    expect(vendor.calls.filter((c) => c.operation === 'order' && c.path.endsWith(A))).toHaveLength(2);
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
    const timeline = (await getOrder(db.sql, 'acme', id))!.timeline.map((e) => e.type);
    expect(timeline.slice(0, 2)).toEqual(['order.created', 'order.acknowledged']);
  });

  it('takes Walmart’s shipped state by the pull; a repeated pull or an older state changes nothing', async () => {
    const first = await runSync(db.sql, wm());
    expect(first).toMatchObject({ status: 'completed', exceptions: 0, missedByWebhooks: 1 });
    expect(await orderRow(A)).toMatchObject({ version: 2, status: 'shipped' });
    const again = await runSync(db.sql, wm());
    expect(again).toMatchObject({ status: 'completed', missedByWebhooks: 0, exceptions: 0 });
    expect(await orderRow(A)).toMatchObject({ version: 2, status: 'shipped' });
    // The state Walmart had between acknowledgment and shipment, read by a pull that commits late: older.
    const acknowledged = JSON.parse(createdState);
    for (const line of acknowledged.orderLines.orderLine) {
      line.orderLineStatuses.orderLineStatus[0].status = 'Acknowledged';
      line.statusDate += 60_000;
    }
    const late = await new IntakeQueue(db.sql).receive(
      wm(),
      {
        method: 'PULL',
        path: '/pull/walmart',
        headers: { 'content-type': 'application/json' },
        body: new Uint8Array(Buffer.from(JSON.stringify(acknowledged))),
        contentType: 'application/json',
        receivedAt: new Date(),
      },
      () => new Date(),
      orderKey(acknowledged),
    );
    expect(late).toMatchObject({
      status: 'accepted',
      orders: [expect.objectContaining({ result: 'stale' })],
    });
    expect(await orderRow(A)).toMatchObject({ version: 2, status: 'shipped' });
    const [started] = await db.sql<{ count: string }[]>`
      select count(*) from orders where connection_id = 'walmart' and workflow_started_at is not null`;
    expect(Number(started!.count)).toBe(1);
  });

  it('cancels the workflow of an order cancelled on Walmart, and gives its units back', async () => {
    const B = '1795000000002';
    let open!: () => void;
    easypostFake.gate = new Promise<void>((resolve) => (open = resolve));
    vendor.put(
      walmartOrder(B, {
        orderDate: placedAgo(5),
        lines: [{ lineNumber: '1', sku: 'MUG-1', price: 12.99, tax: 1.07 }],
      }),
    );
    await runSync(db.sql, wm());
    await eventually('order B’s workflow started', async () => (await orderRow(B))?.started);
    const { id } = (await orderRow(B))!;
    await eventually('the label being made', () =>
      easypostFake.calls.some((c) => c.body?.shipment?.reference?.startsWith(orderWorkflowId(id))),
    );
    await eventually('the reservation on Walmart', () => figure('MUG-1') === 2);
    // The buyer cancels before the seller ships: Walmart cancels the line.
    vendor.cancel(B);
    const synced = await runSync(db.sql, wm());
    expect(synced).toMatchObject({ status: 'completed', exceptions: 0 });
    expect(await orderRow(B)).toMatchObject({ status: 'cancelled' });
    open();
    easypostFake.gate = undefined;
    expect(await engine.settled(orderWorkflowId(id))).toMatchObject({
      state: 'succeeded',
      output: { outcome: 'cancelled' },
    });
    expect(vendor.charges.filter((c) => c.po === B)).toEqual([]);
    const timeline = (await getOrder(db.sql, 'acme', id))!.timeline.map((e) => e.type);
    expect(timeline.at(-1)).toBe('order.cancelled');
    await eventually('the unit back on Walmart', () => figure('MUG-1') === 3);
    expect(await checkLedger(db.sql, 'acme')).toEqual([]);
  });
});
