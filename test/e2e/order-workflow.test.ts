import { easypost, easypostSignature } from '@switchyard/connector-easypost';
import { fakeEasyPost } from '@switchyard/connector-easypost/testing';
import { API_VERSION, shopify } from '@switchyard/connector-shopify';
import { fakeShopify } from '@switchyard/connector-shopify/testing';
import { stripe } from '@switchyard/connector-stripe';
import { authorizedIntent, fakeStripe } from '@switchyard/connector-stripe/testing';
import { woocommerce } from '@switchyard/connector-woocommerce';
import { fakeWooCommerce, wooOrder } from '@switchyard/connector-woocommerce/testing';
import {
  type AnyConnector,
  applyOrder,
  type Connection,
  type Engine,
  getOrder,
  IntakeQueue,
  OrderDraft,
} from '@switchyard/core';
import { createTestDatabase, sampleDraft, type TestDatabase } from '@switchyard/core/testing';
import { ShippingRules } from '@switchyard/mappings';
import {
  type FulfillmentPlan,
  ORDER_EVENTS_TOPIC,
  orderWorkflow,
  orderWorkflowId,
  PAYMENT_TOPIC,
  startDbosEngine,
  startSignalDispatcher,
} from '@switchyard/workflows';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeConnections } from '../support/connections.ts';
import { eventually } from '../support/eventually.ts';

/**
 * The order workflow on the DBOS engine, end to end in one process: a Shopify order, capture-on-ship with
 * Stripe, a label from EasyPost chosen by the shipping rules, the fulfillment pushed back to Shopify, tracking
 * to the door; and cancellations that undo what was done. Real clients against the msw fakes.
 */
const shop = 'flow-demo.myshopify.com';
const shopToken = 'shpat_flow_0123456789';
const stripeKey = 'sk_test_flow_0123456789';
const easypostKey = 'EZTK_flow_0123456789';
const shopifyFake = fakeShopify(shop, API_VERSION, shopToken);
const stripeFake = fakeStripe(stripeKey);
const easypostFake = fakeEasyPost(easypostKey);
const wooSite = 'https://flow-woo.example.com';
const wooKeys = { consumerKey: 'ck_flow_0123456789', consumerSecret: 'cs_flow_0123456789' };
const wooFake = fakeWooCommerce(wooSite, wooKeys.consumerKey, wooKeys.consumerSecret);
const server = setupServer(
  ...shopifyFake.handlers,
  ...stripeFake.handlers,
  ...easypostFake.handlers,
  ...wooFake.handlers,
);

const connections = new Map<string, Connection>(
  (
    [
      ['shop', shopify, { shop }, { clientSecret: 'shpss_flow_0123456789', accessToken: shopToken }],
      ['payments', stripe, {}, { secretKey: stripeKey, webhookSecret: 'whsec_flow_0123456789' }],
      ['shipping', easypost, {}, { apiKey: easypostKey, webhookSecret: 'ep-flow-secret' }],
      ['woo', woocommerce, { siteUrl: wooSite }, { webhookSecret: 'woo-flow-secret', ...wooKeys }],
    ] as const
  ).map(([id, connector, settings, secrets]) => [
    id,
    {
      id,
      tenantId: 'acme',
      connector: connector as unknown as AnyConnector,
      settings: (connector as unknown as AnyConnector).settings.parse(settings),
      secrets: (connector as unknown as AnyConnector).secrets.parse(secrets),
    },
  ]),
);
/** Orders (by Shopify id) whose connection invoices on net terms instead of capturing on ship. */
const onTerms = new Set<string>();
const plan: FulfillmentPlan = {
  payment: 'capture-on-ship',
  paymentsConnection: 'payments',
  shippingConnection: 'shipping',
  shipFrom: {
    company: 'Acme Warehouse',
    street1: '388 Townsend St',
    city: 'San Francisco',
    state: 'CA',
    zip: '94107',
    country: 'US',
  },
  rules: ShippingRules.parse({ rules: [{ method: 'Standard', maxDays: 5, carriers: ['USPS', 'UPS'] }] }),
  defaultParcel: { weightGrams: 500 },
};

let db: TestDatabase;
let engine: Engine;
let nextOrder = 700;

/** A Shopify order in the store and in the fake shop, paid by a PaymentIntent authorized at checkout. */
async function placeOrder() {
  const id = String(9_007_199_254_740_000 + nextOrder++);
  const lineId = `${id}1`;
  const intent = authorizedIntent(2750, 'usd');
  stripeFake.intents.set(intent.id, intent);
  shopifyFake.orders.set(id, {
    cancelledAt: null,
    fulfillmentOrders: [
      {
        id: `gid://shopify/FulfillmentOrder/${id}`,
        status: 'OPEN',
        lineItems: [
          { id: `gid://shopify/FulfillmentOrderLineItem/${id}`, remainingQuantity: 2, lineItemId: lineId },
        ],
      },
    ],
    fulfillments: [],
    transactions: [],
    refunds: [],
  });
  const draft = OrderDraft.parse(
    sampleDraft(id, {
      externalNumber: `#${id.slice(-4)}`,
      shippingAddress: {
        name: 'Elizabeth Swan',
        line1: '179 N Harbor Dr',
        city: 'Redondo Beach',
        region: 'CA',
        postalCode: '90277',
        country: 'US',
      },
      lines: [
        {
          id: lineId,
          externalId: lineId,
          sku: 'MUG-1',
          title: 'Mug',
          quantity: { ordered: 2 },
          unitPrice: { amount: 1000, currency: 'USD' },
          weightGrams: 400,
        },
      ],
      shippingLines: [{ code: 'Standard', title: 'Standard', price: { amount: 750, currency: 'USD' } }],
      payments: [
        {
          id: 'p1',
          status: 'authorized',
          gateway: 'stripe',
          reference: intent.id,
          authorized: { amount: 2750, currency: 'USD' },
        },
      ],
    }),
  );
  const created = await applyOrder(
    db.sql,
    { tenantId: 'acme', connectionId: 'shop', connector: 'shopify' },
    draft,
    null,
  );
  return { orderId: created.orderId, shopifyId: id, intent };
}

const until = (what: string, check: () => boolean) => eventually(what, check);
const timeline = async (orderId: string) =>
  (await getOrder(db.sql, 'acme', orderId))!.timeline.map((e) => e.type);

beforeAll(async () => {
  server.listen({ onUnhandledRequest: 'error' });
  db = await createTestDatabase();
  await storeConnections(db.sql, connections.values());
  // A switch to make the timeline's writes fail, standing in for a crash between a vendor's effect and its
  // step's checkpoint: the step is then retried with the effect already done.
  await db.sql.unsafe(`
    create table failing_events (type text primary key);
    create function fail_event() returns trigger language plpgsql as $$ begin
      if exists (select 1 from failing_events where type = new.type) then
        raise exception 'injected failure writing %', new.type;
      end if;
      return new;
    end $$;
    create trigger fail_event before insert on order_events for each row execute function fail_event();`);
  engine = await startDbosEngine({
    databaseUrl: db.url,
    executorId: 'order-flow-test',
    applicationVersion: 'test',
    workflows: [
      orderWorkflow({
        sql: db.sql,
        connections,
        plan: (o) =>
          o.source.connectionId === 'woo'
            ? { ...plan, payment: 'channel' }
            : onTerms.has(o.externalId)
              ? { ...plan, payment: 'invoice', invoiceDays: 30 }
              : { ...plan, holdRecheckMs: 100 },
      }),
    ],
    log: () => {},
  });
});
afterAll(async () => {
  await engine?.stop();
  server.close();
  await db?.drop();
});

describe('the order workflow', () => {
  it('ships a capture-on-ship order: label by the rules, capture once, fulfillment to Shopify, tracked to the door', async () => {
    const { orderId, shopifyId, intent } = await placeOrder();
    const workflowId = orderWorkflowId(orderId);
    await engine.start('order', { tenantId: 'acme', orderId }, { workflowId });
    await engine.start('order', { tenantId: 'acme', orderId }, { workflowId });
    const fake = shopifyFake.orders.get(shopifyId)!;
    await until('the fulfillment on Shopify', () => fake.fulfillments.length > 0);

    // The cheapest allowed rate within 5 days: USPS Ground Advantage; 2 × 400 g makes the parcel.
    const shipments = [...easypostFake.shipments.values()].filter(
      (s) => s.reference === `${workflowId}/create-shipment`,
    );
    expect(shipments).toHaveLength(1);
    expect(shipments[0]!.parcel.weight).toBe(28.3);
    expect(shipments[0]!.selected_rate).toMatchObject({ carrier: 'USPS', service: 'GroundAdvantage' });
    expect(easypostFake.purchases.filter((p) => p === shipments[0]!.id)).toHaveLength(1);
    // Captured once, the order's total in cents, under the step's key.
    const captures = stripeFake.requests.filter((r) => r.path === `/v1/payment_intents/${intent.id}/capture`);
    expect(captures.map((c) => [c.idempotencyKey, c.params.amount_to_capture])).toEqual([
      [`${workflowId}/capture-payment`, '2750'],
    ]);
    expect(fake.fulfillments).toHaveLength(1);
    expect(fake.fulfillments[0]!.trackingNumbers).toEqual([shipments[0]!.tracking_code]);

    for (const [status, dedupeKey] of [
      ['in_transit', 'evt_1'],
      ['in_transit', 'evt_1'],
      ['delivered', 'evt_2'],
    ]) {
      await engine.signal(
        workflowId,
        ORDER_EVENTS_TOPIC,
        { kind: 'tracking', status, trackingCode: shipments[0]!.tracking_code },
        { dedupeKey: dedupeKey! },
      );
    }
    expect(await engine.settled(workflowId)).toMatchObject({
      state: 'succeeded',
      output: { outcome: 'delivered' },
    });
    expect(await timeline(orderId)).toEqual([
      'order.created',
      'label.purchased',
      'payment.captured',
      'shipment.tracking',
      'shipment.tracking',
      'order.closed',
    ]);
  });

  it('undoes a cancellation after the label: the label voided, then the capture refunded', async () => {
    const { orderId, shopifyId, intent } = await placeOrder();
    const workflowId = orderWorkflowId(orderId);
    await engine.start('order', { tenantId: 'acme', orderId }, { workflowId });
    await until(
      'the fulfillment on Shopify',
      () => shopifyFake.orders.get(shopifyId)!.fulfillments.length > 0,
    );
    await engine.signal(
      workflowId,
      ORDER_EVENTS_TOPIC,
      { kind: 'cancel', reason: 'customer changed their mind' },
      { dedupeKey: 'cancel-1' },
    );
    expect(await engine.settled(workflowId)).toMatchObject({
      state: 'succeeded',
      output: { outcome: 'cancelled' },
    });
    const shipment = [...easypostFake.shipments.values()].find(
      (s) => s.reference === `${workflowId}/create-shipment`,
    )!;
    expect(shipment.refund_status).toBe('submitted');
    expect(stripeFake.refunds.filter((r) => r.payment_intent === intent.id).map((r) => r.amount)).toEqual([
      2750,
    ]);
    expect(await timeline(orderId)).toEqual([
      'order.created',
      'label.purchased',
      'payment.captured',
      'label.voided',
      'payment.refunded',
      'order.cancelled',
    ]);
  });

  it('undoes a cancellation before the label: the authorization is released, nothing is bought', async () => {
    const { orderId, intent } = await placeOrder();
    const workflowId = orderWorkflowId(orderId);
    let open!: () => void;
    easypostFake.gate = new Promise<void>((resolve) => (open = resolve));
    const purchases = easypostFake.purchases.length;
    await engine.start('order', { tenantId: 'acme', orderId }, { workflowId });
    await until('the shipment request', () =>
      easypostFake.calls.some(
        (c) => c.method === 'POST' && c.body?.shipment?.reference === `${workflowId}/create-shipment`,
      ),
    );
    // The channel cancels the order while the shipment is being made.
    await db.sql`update orders set status = 'cancelled' where id = ${orderId}`;
    easypostFake.gate = undefined;
    open();
    expect(await engine.settled(workflowId)).toMatchObject({
      state: 'succeeded',
      output: { outcome: 'cancelled' },
    });
    expect(easypostFake.purchases).toHaveLength(purchases);
    expect(intent.status).toBe('canceled');
    expect(await timeline(orderId)).toEqual(['order.created', 'payment.voided', 'order.cancelled']);
  });

  it('voids a label bought by a step whose retry meets the cancellation, and releases the authorization', async () => {
    await db.sql`insert into failing_events values ('label.purchased')`;
    const { orderId, intent } = await placeOrder();
    const workflowId = orderWorkflowId(orderId);
    const purchases = easypostFake.purchases.length;
    await engine.start('order', { tenantId: 'acme', orderId }, { workflowId });
    await until('the label purchase', () => easypostFake.purchases.length > purchases);
    // The label is bought but its step cannot finish; meanwhile the channel cancels the order.
    await db.sql`update orders set status = 'cancelled' where id = ${orderId}`;
    await db.sql`delete from failing_events`;
    expect(await engine.settled(workflowId)).toMatchObject({
      state: 'succeeded',
      output: { outcome: 'cancelled' },
    });
    expect(easypostFake.purchases).toHaveLength(purchases + 1);
    const shipment = easypostFake.shipments.get(easypostFake.purchases.at(-1)!)!;
    expect(shipment.refund_status).toBe('submitted');
    expect(intent.status).toBe('canceled');
    expect(await timeline(orderId)).toEqual([
      'order.created',
      'label.purchased',
      'label.voided',
      'payment.voided',
      'order.cancelled',
    ]);
  });

  it('refunds a capture made by a step whose retry meets the cancellation, pushing nothing to the channel', async () => {
    await db.sql`insert into failing_events values ('payment.captured')`;
    const { orderId, shopifyId, intent } = await placeOrder();
    const workflowId = orderWorkflowId(orderId);
    await engine.start('order', { tenantId: 'acme', orderId }, { workflowId });
    await until('the capture', () => intent.status === 'succeeded');
    await db.sql`update orders set status = 'cancelled' where id = ${orderId}`;
    await db.sql`delete from failing_events`;
    expect(await engine.settled(workflowId)).toMatchObject({
      state: 'succeeded',
      output: { outcome: 'cancelled' },
    });
    expect(stripeFake.refunds.filter((r) => r.payment_intent === intent.id).map((r) => r.amount)).toEqual([
      2750,
    ]);
    expect(shopifyFake.orders.get(shopifyId)!.fulfillments).toEqual([]);
    expect(await timeline(orderId)).toEqual([
      'order.created',
      'label.purchased',
      'payment.captured',
      'label.voided',
      'payment.refunded',
      'order.cancelled',
    ]);
  });

  it('leaves a cancellation caught after the capture to a person when the carrier has scanned the parcel', async () => {
    await db.sql`insert into failing_events values ('payment.captured')`;
    const { orderId, shopifyId, intent } = await placeOrder();
    const workflowId = orderWorkflowId(orderId);
    await engine.start('order', { tenantId: 'acme', orderId }, { workflowId });
    await until('the capture', () => intent.status === 'succeeded');
    // While the capture's step cannot finish, the carrier scans the parcel and the channel cancels.
    const shipment = easypostFake.shipments.get(easypostFake.purchases.at(-1)!)!;
    (shipment.tracker as { status: string }).status = 'in_transit';
    await db.sql`update orders set status = 'cancelled' where id = ${orderId}`;
    await db.sql`delete from failing_events`;
    expect(await engine.settled(workflowId)).toMatchObject({
      state: 'failed',
      error: expect.stringMatching(
        /after USPS had the parcel .*: intercept it or arrange a return, then refund/,
      ),
    });
    expect(stripeFake.refunds.filter((r) => r.payment_intent === intent.id)).toEqual([]);
    expect(shipment.refund_status).toBeNull();
    expect(shopifyFake.orders.get(shopifyId)!.fulfillments).toEqual([]);
  });

  it('holds an order put on hold on the channel until the hold is lifted, then ships it', async () => {
    const { orderId, shopifyId, intent } = await placeOrder();
    await db.sql`update orders set status = 'on_hold' where id = ${orderId}`;
    const workflowId = orderWorkflowId(orderId);
    const shipments = () =>
      [...easypostFake.shipments.values()].filter((x) => x.reference === `${workflowId}/create-shipment`);
    await engine.start('order', { tenantId: 'acme', orderId }, { workflowId });
    // Looked at again and again while held: nothing is made for it.
    await new Promise((r) => setTimeout(r, 600));
    expect(shipments()).toEqual([]);
    expect(intent.status).toBe('requires_capture');
    await db.sql`update orders set status = 'placed' where id = ${orderId}`;
    await until(
      'the fulfillment on Shopify',
      () => shopifyFake.orders.get(shopifyId)!.fulfillments.length > 0,
    );
    expect(shipments()).toHaveLength(1);
    expect(intent.status).toBe('succeeded');
  });

  it('invoices a B2B order on terms, ships it, and closes it once paid, a failed attempt in between', async () => {
    const { orderId, shopifyId, intent } = await placeOrder();
    onTerms.add(shopifyId);
    await db.sql`update orders set data = jsonb_set(data, '{customer}', '{"email": "buyer@b2b.example"}') where id = ${orderId}`;
    const workflowId = orderWorkflowId(orderId);
    await engine.start('order', { tenantId: 'acme', orderId }, { workflowId });
    await until('the fulfillment', () => shopifyFake.orders.get(shopifyId)!.fulfillments.length > 0);
    const invoices = [...stripeFake.invoices.values()].filter(
      (i) => (i.metadata as Record<string, string> | undefined)?.switchyard_workflow_id === workflowId,
    );
    expect(invoices).toHaveLength(1);
    const trackingCode = shopifyFake.orders.get(shopifyId)!.fulfillments[0]!.trackingNumbers[0]!;
    const send = (payload: unknown, dedupeKey: string, topic = ORDER_EVENTS_TOPIC) =>
      engine.signal(workflowId, topic, payload, { dedupeKey });
    await send({ kind: 'tracking', status: 'delivered', trackingCode }, 'trk-b2b-1');
    await send(
      { kind: 'payment', type: 'invoice.payment_failed', objectId: invoices[0]!.id },
      'evt_f1',
      PAYMENT_TOPIC,
    );
    await send({ kind: 'payment', type: 'invoice.paid', objectId: invoices[0]!.id }, 'evt_p1', PAYMENT_TOPIC);
    expect(await engine.settled(workflowId)).toMatchObject({
      state: 'succeeded',
      output: { outcome: 'delivered' },
    });
    // Nothing captured: the invoice is the payment.
    expect(intent.status).toBe('requires_capture');
    expect(await timeline(orderId)).toEqual([
      'order.created',
      'label.purchased',
      'shipment.tracking',
      'invoice.payment_failed',
      'invoice.paid',
      'order.closed',
    ]);
  });

  it('ships a WooCommerce order paid at checkout: label, the order completed with its tracking note, delivered', async () => {
    const wooId = 41;
    wooFake.orders.push(wooOrder(wooId, '2026-11-30T10:00:00'));
    const draft = OrderDraft.parse(
      sampleDraft(String(wooId), {
        shippingAddress: {
          name: 'Ada Woo',
          line1: '1 Market St',
          city: 'San Francisco',
          region: 'CA',
          postalCode: '94105',
          country: 'US',
        },
        lines: [
          {
            id: 'w1',
            externalId: 'w1',
            sku: 'TEE-M',
            title: 'Tee',
            quantity: { ordered: 1 },
            unitPrice: { amount: 2000, currency: 'USD' },
          },
        ],
        shippingLines: [{ code: 'Standard', title: 'Standard', price: { amount: 500, currency: 'USD' } }],
        payments: [
          { id: 'wp1', status: 'captured', gateway: 'stripe', captured: { amount: 2500, currency: 'USD' } },
        ],
      }),
    );
    const { orderId } = await applyOrder(
      db.sql,
      { tenantId: 'acme', connectionId: 'woo', connector: 'woocommerce' },
      draft,
      null,
    );
    const workflowId = orderWorkflowId(orderId);
    await engine.start('order', { tenantId: 'acme', orderId }, { workflowId });
    await until('the order completed on WooCommerce', () =>
      wooFake.orders.some((o) => o.id === wooId && o.status === 'completed'),
    );
    const label = easypostFake.shipments.get(easypostFake.purchases.at(-1)!)!;
    expect(wooFake.notes.get(wooId)).toEqual([
      expect.objectContaining({
        customer_note: true,
        note: expect.stringContaining(label.tracking_code as string),
      }),
    ]);
    await engine.signal(
      workflowId,
      ORDER_EVENTS_TOPIC,
      { kind: 'tracking', status: 'delivered', trackingCode: label.tracking_code },
      { dedupeKey: 'woo-delivered' },
    );
    expect(await engine.settled(workflowId)).toMatchObject({
      state: 'succeeded',
      output: { outcome: 'delivered' },
    });
    expect(await timeline(orderId)).toEqual([
      'order.created',
      'label.purchased',
      'shipment.tracking',
      'order.closed',
    ]);
  });

  it('parks an order that cannot ship, naming what to fix; replayed after the fix, it ships', async () => {
    const { orderId, shopifyId } = await placeOrder();
    const [saved] = await db.sql<
      { address: unknown }[]
    >`select data->'shippingAddress' as address from orders where id = ${orderId}`;
    await db.sql`update orders set data = data - 'shippingAddress' where id = ${orderId}`;
    const workflowId = orderWorkflowId(orderId);
    await engine.start('order', { tenantId: 'acme', orderId }, { workflowId });
    expect(await engine.settled(workflowId)).toMatchObject({
      state: 'failed',
      error: expect.stringMatching(/cannot ship: no shipping address; fix it, then replay/),
    });
    await db.sql`update orders set data = jsonb_set(data, '{shippingAddress}', ${db.sql.json(saved!.address as never)}) where id = ${orderId}`;
    await engine.replay(workflowId);
    await until(
      'the fulfillment on Shopify',
      () => shopifyFake.orders.get(shopifyId)!.fulfillments.length > 0,
    );
    expect((await engine.status(workflowId))?.state).toBe('pending');
  });

  it('leaves a cancellation after the carrier scanned the parcel to a person, refunding nothing', async () => {
    const { orderId, shopifyId, intent } = await placeOrder();
    const workflowId = orderWorkflowId(orderId);
    await engine.start('order', { tenantId: 'acme', orderId }, { workflowId });
    await until(
      'the fulfillment on Shopify',
      () => shopifyFake.orders.get(shopifyId)!.fulfillments.length > 0,
    );
    const trackingCode = shopifyFake.orders.get(shopifyId)!.fulfillments[0]!.trackingNumbers[0]!;
    await engine.signal(
      workflowId,
      ORDER_EVENTS_TOPIC,
      { kind: 'tracking', status: 'in_transit', trackingCode },
      { dedupeKey: 'scan-1' },
    );
    await engine.signal(
      workflowId,
      ORDER_EVENTS_TOPIC,
      { kind: 'cancel', reason: 'late cancel' },
      { dedupeKey: 'cancel-3' },
    );
    expect(await engine.settled(workflowId)).toMatchObject({
      state: 'failed',
      error: expect.stringMatching(
        /after USPS had the parcel .*: intercept it or arrange a return, then refund/,
      ),
    });
    expect(stripeFake.refunds.filter((r) => r.payment_intent === intent.id)).toEqual([]);
  });

  it('returns the money even when the label cannot be voided, and names what is left', async () => {
    const { orderId, shopifyId, intent } = await placeOrder();
    const workflowId = orderWorkflowId(orderId);
    await engine.start('order', { tenantId: 'acme', orderId }, { workflowId });
    await until(
      'the fulfillment on Shopify',
      () => shopifyFake.orders.get(shopifyId)!.fulfillments.length > 0,
    );
    easypostFake.refuseRefunds = true;
    try {
      await engine.signal(
        workflowId,
        ORDER_EVENTS_TOPIC,
        { kind: 'cancel', reason: 'changed mind' },
        { dedupeKey: 'cancel-4' },
      );
      expect(await engine.settled(workflowId)).toMatchObject({
        state: 'failed',
        error: expect.stringMatching(/left for a person: void the label: EasyPost label refund failed/),
      });
    } finally {
      easypostFake.refuseRefunds = false;
    }
    expect(stripeFake.refunds.filter((r) => r.payment_intent === intent.id).map((r) => r.amount)).toEqual([
      2750,
    ]);
    expect(await timeline(orderId)).toEqual([
      'order.created',
      'label.purchased',
      'payment.captured',
      'payment.refunded',
      'order.cancelled',
    ]);
  });

  it('takes tracking from EasyPost’s webhooks and cancellations from the channel through the signal dispatcher', async () => {
    const signals = startSignalDispatcher({
      sql: db.sql,
      engine,
      connections,
      log: { error: () => {} },
      everyMs: 50,
    });
    const intake = new IntakeQueue(db.sql);
    const shipping = connections.get('shipping')!;
    const tracker = (id: string, trackingCode: string, status: string) => {
      const body = JSON.stringify({
        id,
        object: 'Event',
        description: 'tracker.updated',
        mode: 'test',
        result: { id: 'trk_x', object: 'Tracker', tracking_code: trackingCode, status, carrier: 'USPS' },
      });
      return intake.receive(shipping, {
        method: 'POST',
        path: '/webhooks/shipping',
        headers: {
          'content-type': 'application/json',
          'x-hmac-signature': easypostSignature('ep-flow-secret', body),
        },
        body: new Uint8Array(Buffer.from(body)),
        contentType: 'application/json',
        receivedAt: new Date(),
      });
    };
    try {
      // Delivered through webhooks, one of them sent twice by EasyPost, and the first one before the hub has
      // recorded the label it tracks (the carrier can be quicker than the step's checkpoint): held, not lost.
      const shipped = await placeOrder();
      const shippedId = orderWorkflowId(shipped.orderId);
      await db.sql`insert into failing_events values ('label.purchased')`;
      const purchases = easypostFake.purchases.length;
      await engine.start('order', { tenantId: 'acme', orderId: shipped.orderId }, { workflowId: shippedId });
      await until('the label purchase', () => easypostFake.purchases.length > purchases);
      const code = easypostFake.shipments.get(easypostFake.purchases.at(-1)!)!.tracking_code as string;
      await tracker('evt_web_0', code, 'pre_transit');
      const held = async () =>
        (
          await db.sql<{ held: boolean }[]>`
            select signalled_at is null and signal_after is not null as held from inbox
            where convert_from(body, 'UTF8') like '%evt_web_0%'`
        )[0]?.held;
      await eventually('the early event held back', held);
      await db.sql`delete from failing_events`;
      await until(
        'the fulfillment',
        () => shopifyFake.orders.get(shipped.shopifyId)!.fulfillments.length > 0,
      );
      // Looked at again (sooner than the dispatcher's own 15 s), it now finds the label and is handed over.
      await db.sql`update inbox set signal_after = now() where convert_from(body, 'UTF8') like '%evt_web_0%'`;
      await eventually('the early event handed over', async () => (await held()) === false);
      await tracker('evt_web_1', code, 'in_transit');
      await tracker('evt_web_1', code, 'in_transit');
      await tracker('evt_web_2', code, 'delivered');
      expect(await engine.settled(shippedId)).toMatchObject({
        state: 'succeeded',
        output: { outcome: 'delivered' },
      });
      expect((await timeline(shipped.orderId)).filter((t) => t === 'shipment.tracking')).toHaveLength(3);

      // An event for a label the hub never bought (bought outside it on the same account) is let go after
      // an hour, as concerning no workflow.
      await tracker('evt_web_stranger', 'EZ_NOT_OURS', 'in_transit');
      await db.sql`update inbox set received_at = now() - interval '2 hours', signal_after = now()
        where convert_from(body, 'UTF8') like '%evt_web_stranger%'`;

      const letGo = async () =>
        (
          await db.sql<{ done: boolean }[]>`
            select signalled_at is not null as done from inbox where convert_from(body, 'UTF8') like '%evt_web_stranger%'`
        )[0]?.done;
      await eventually('the stranger event let go', letGo);

      // Cancelled on the channel while the parcel waits for pickup: undone.
      const waiting = await placeOrder();
      const waitingId = orderWorkflowId(waiting.orderId);
      await db.sql`update orders set workflow_started_at = now() where id = ${waiting.orderId}`;
      await engine.start('order', { tenantId: 'acme', orderId: waiting.orderId }, { workflowId: waitingId });
      await until(
        'the fulfillment',
        () => shopifyFake.orders.get(waiting.shopifyId)!.fulfillments.length > 0,
      );
      await db.sql`update orders set status = 'cancelled' where id = ${waiting.orderId}`;
      expect(await engine.settled(waitingId)).toMatchObject({
        state: 'succeeded',
        output: { outcome: 'cancelled' },
      });

      // Cancelled after delivery: an exception for a person.
      await db.sql`update orders set status = 'cancelled', workflow_started_at = now() where id = ${shipped.orderId}`;
      const deadline = Date.now() + 10_000;
      let exceptions: { message: string }[] = [];
      while (Date.now() < deadline && !exceptions.length) {
        exceptions = await db.sql<
          { message: string }[]
        >`select message from exceptions where kind = 'workflow'`;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(exceptions.map((e) => e.message)).toEqual([
        `order ${shipped.shopifyId} was cancelled on the channel after it was delivered: arrange a return and refund by hand`,
      ]);
    } finally {
      await signals.stop();
    }
  });
});
