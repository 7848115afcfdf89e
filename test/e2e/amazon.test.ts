import { amazon } from '@switchyard/connector-amazon';
import { CREDENTIALS, fakeAmazon, orderChange, sampleOrder } from '@switchyard/connector-amazon/testing';
import { fakeEasyPost } from '@switchyard/connector-easypost/testing';
import { type Engine, getOrder, hydrateDue, readNotificationQueue, runSync } from '@switchyard/core';
import type { TestDatabase } from '@switchyard/core/testing';
import { ORDER_EVENTS_TOPIC, orderWorkflowId } from '@switchyard/workflows';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channelHub, eastWarehouse } from '../support/channel-hub.ts';
import { eventually } from '../support/eventually.ts';

/**
 * Amazon end to end in one process: orders pulled by searchOrders and notified by ORDER_CHANGE on SQS (hydrated
 * with getOrder) go through the order workflow on DBOS, a label from EasyPost, and a shipment confirmed on Amazon
 * by confirmShipment, one package per shipment however often its call is repeated; the stock figure on the
 * Amazon listing follows the reservation; duplicate and stale deliveries change nothing; a buyer's cancellation
 * cancels the workflow. Amazon, SQS and EasyPost are faked at the network, AWS's SQS client in the loop.
 */
const sellerId = 'A3SELLERE2E001';
const easypostKey = 'EZTK_amazon_e2e_0123456789';
const amazonFake = fakeAmazon({ sellerId });
const easypostFake = fakeEasyPost(easypostKey);
const { api, sqs } = amazonFake;

const hub = channelHub({
  channel: {
    id: 'amazon',
    connector: amazon,
    settings: {
      sellerId,
      marketplaceIds: ['ATVPDKIKX0DER'],
      sqs: { queueUrl: sqs.queueUrl, waitSeconds: 0 },
    },
    secrets: CREDENTIALS,
    // Amazon shows one merchant figure per SKU: what the east warehouse has.
    stock: { locations: [{ from: ['east'] }] },
  },
  fulfillment: {
    shippingRules: { rules: [{ method: 'Standard', maxDays: 5, carriers: ['USPS', 'UPS'] }] },
    routing: { backorder: 'hold' },
  },
  shipping: { apiKey: easypostKey, webhookSecret: 'ep-amazon-secret' },
  locations: [eastWarehouse],
  handlers: [...amazonFake.handlers, ...easypostFake.handlers],
});
const { channel, connections } = hub;

let db: TestDatabase;
let engine: Engine;
const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();
const pull = () => runSync(db.sql, channel);
const notified = async () => {
  await readNotificationQueue(db.sql, channel, new AbortController().signal);
  return hydrateDue({ sql: db.sql, connections }, new AbortController().signal);
};
const orderOf = async (externalId: string) => {
  const [row] = await db.sql<{ id: string; version: number; status: string }[]>`
    select id, version, status from orders where external_id = ${externalId}`;
  return row;
};
const listing = (sku: string) => api.listings.get(sku)!.channels.DEFAULT;

beforeAll(async () => {
  api.listings.set('MUG-1', { productType: 'DRINKING_CUP', channels: { DEFAULT: 0 } });
  api.listings.set('LAMP-1', { productType: 'LAMP', channels: { DEFAULT: 0 } });
  ({ db, engine } = await hub.start());
  hub.startStockPusher();
  await hub.receive({ 'MUG-1': 5, 'LAMP-1': 3 });
});
afterAll(() => hub.stop());

describe('Amazon orders through the hub', () => {
  const placed = '113-4100001-0000001';

  it('sets the listings’ merchant quantity to what the warehouse has', async () => {
    await eventually('the stock on Amazon', () => listing('MUG-1') === 5 && listing('LAMP-1') === 3);
  });

  let gate: (() => void) | undefined;

  it('imports a pulled order once, whatever comes again: the same state pulled or notified, or an older one', async () => {
    // The label waits, so the order stays as Amazon first gave it while its deliveries come again.
    easypostFake.gate = new Promise<void>((resolve) => (gate = resolve));
    api.orders.set(placed, sampleOrder(placed, hoursAgo(1)));
    expect(await pull()).toMatchObject({ status: 'completed', records: 1, missedByWebhooks: 1 });
    const first = (await orderOf(placed))!;
    expect(first).toMatchObject({ status: 'placed', version: 1 });
    await eventually('the workflow waiting for its label', () =>
      easypostFake.calls.some((c) => c.body?.shipment?.reference?.startsWith(orderWorkflowId(first.id))),
    );

    // The same state by pull again, and by one notification SQS delivers twice: one record, no new version.
    expect(await runSync(db.sql, channel, { since: new Date(hoursAgo(3)) })).toMatchObject({
      missedByWebhooks: 0,
      alreadyReceived: 1,
    });
    const twice = orderChange(placed, {
      sellerId,
      notificationId: 'dup-notification-1',
      status: 'Unshipped',
    });
    sqs.send(twice);
    sqs.send(twice);
    expect(await notified()).toMatchObject({ hydrated: 1, failed: 0 });
    // An older state after it (a standard queue reorders; a read may meet a replica behind): stale.
    api.orders.set(placed, sampleOrder(placed, hoursAgo(2), { status: 'PENDING' }));
    sqs.send(orderChange(placed, { sellerId, status: 'Pending' }));
    expect(await notified()).toMatchObject({ hydrated: 1, failed: 0 });
    api.orders.set(placed, sampleOrder(placed, hoursAgo(1)));
    expect(sqs.messages).toEqual([]);
    expect(await orderOf(placed)).toEqual(first);
    const detail = await getOrder(db.sql, 'acme', first.id);
    // Created once, never updated (the workflow's own events, such as its routing, are not versions).
    const versions = detail!.timeline.filter((e) => e.type.startsWith('order.') && e.type !== 'order.routed');
    expect(versions.map((e) => e.type)).toEqual(['order.created']);
  });

  it('ships it: a label, and one confirmShipment per package with Amazon’s item ids, carrier and tracking', async () => {
    const order = (await orderOf(placed))!;
    const workflowId = orderWorkflowId(order.id);
    // Amazon takes the confirmation but its first two answers are lost: the repeated calls edit that package.
    api.loseAnswers.set('confirmShipment', 2);
    easypostFake.gate = undefined;
    gate?.();
    await eventually(
      'the shipment confirmed on Amazon',
      () => api.confirmations.filter((c) => c.orderId === placed).length === 3,
    );
    expect(api.packages.get(placed)!.size).toBe(1);
    const sent = api.confirmations.filter((c) => c.orderId === placed).map((c) => JSON.stringify(c.body));
    expect(new Set(sent).size).toBe(1);
    const [reference, pkg] = [...api.packages.get(placed)!][0]!;
    const labels = [...easypostFake.shipments.values()].filter((s) => s.reference?.startsWith(workflowId));
    expect(labels).toHaveLength(1);
    const label = labels[0]!;
    const items = api.orders.get(placed)!.orderItems as { orderItemId: string; quantityOrdered: number }[];
    expect(pkg).toMatchObject({
      packageReferenceId: reference,
      carrierCode: label.selected_rate.carrier,
      shippingMethod: label.selected_rate.service,
      trackingNumber: label.tracking_code,
      orderItems: items.map((i) => ({ orderItemId: i.orderItemId, quantity: i.quantityOrdered })),
    });
    // Reserved and shipped: what Amazon may sell is what is left.
    await eventually('the stock after the shipment', () => listing('MUG-1') === 3 && listing('LAMP-1') === 2);

    // Amazon now says SHIPPED, with the package: ORDER_CHANGE brings that state (a pull would, two minutes on).
    sqs.send(orderChange(placed, { sellerId, status: 'Shipped' }));
    expect(await notified()).toMatchObject({ hydrated: 1 });
    expect(await orderOf(placed)).toMatchObject({ status: 'shipped', version: 2 });
    await engine.signal(
      workflowId,
      ORDER_EVENTS_TOPIC,
      { kind: 'tracking', status: 'delivered', trackingCode: label.tracking_code },
      { dedupeKey: `delivered-${placed}` },
    );
    expect(await engine.settled(workflowId)).toMatchObject({
      state: 'succeeded',
      output: { outcome: 'delivered' },
    });
    expect(api.packages.get(placed)!.size).toBe(1);
  });

  it('cancels the workflow when the buyer cancels on Amazon, confirming nothing and giving the stock back', async () => {
    const id = '113-4100002-0000002';
    let open!: () => void;
    easypostFake.gate = new Promise<void>((resolve) => (open = resolve));
    try {
      api.orders.set(
        id,
        sampleOrder(id, hoursAgo(1), {
          items: [{ id: '41000020000201', sku: 'MUG-1', quantity: 1, unitPrice: '12.00' }],
        }),
      );
      sqs.send(orderChange(id, { sellerId }));
      expect(await notified()).toMatchObject({ hydrated: 1 });
      const order = (await orderOf(id))!;
      const workflowId = orderWorkflowId(order.id);
      await eventually('the reservation on Amazon', () => listing('MUG-1') === 2);
      // The buyer cancels: Amazon's order says so, and ORDER_CHANGE tells the hub (CamelCase, as notifications spell it).
      api.orders.set(
        id,
        sampleOrder(id, hoursAgo(0.5), {
          status: 'CANCELLED',
          items: [{ id: '41000020000201', sku: 'MUG-1', quantity: 1, unitPrice: '12.00' }],
        }),
      );
      sqs.send(orderChange(id, { sellerId, status: 'Canceled', changeType: 'BuyerRequestedChange' }));
      expect(await notified()).toMatchObject({ hydrated: 1 });
      expect((await orderOf(id))!.status).toBe('cancelled');
      easypostFake.gate = undefined;
      open();
      expect(await engine.settled(workflowId)).toMatchObject({
        state: 'succeeded',
        output: { outcome: 'cancelled' },
      });
    } finally {
      easypostFake.gate = undefined;
      open?.();
    }
    expect(api.confirmations.filter((c) => c.orderId === id)).toHaveLength(0);
    await eventually('the units back on Amazon', () => listing('MUG-1') === 3);
  });
});
