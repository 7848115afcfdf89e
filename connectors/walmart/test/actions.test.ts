import { createHash } from 'node:crypto';
import { type ActionContext, type AnyConnector, isPermanent, type Order, OrderDraft } from '@switchyard/core';
import { actionsContract } from '@switchyard/core/testing';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { walmart } from '../src/index.ts';
import { fakeWalmart, walmartOrder } from './fakes/index.ts';
import type { FakeOrderOptions } from './fakes/orders.ts';

const vendor = fakeWalmart({ rateScale: 100 });
const secrets = { clientId: vendor.clientId, clientSecret: vendor.clientSecret };
const server = setupServer(...vendor.handlers);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());
beforeEach(() => {
  vendor.loseNextShippingAnswer = false;
});
const connector = walmart as unknown as AnyConnector;
const actions = walmart.actions!;

const twoLines: FakeOrderOptions = {
  methodCode: 'Value',
  lines: [
    { lineNumber: '1', sku: 'MUG-1', price: 25.98, tax: 2.15, quantity: 2 },
    { lineNumber: '2', sku: 'TOWEL-1', price: 9.5, tax: 0.79 },
  ],
};

/** A purchase order on the fake, and the canonical order the hub made of it. */
function placed(po: string, options: FakeOrderOptions = twoLines): Order {
  if (!vendor.orders.has(po)) vendor.put(walmartOrder(po, options));
  const body = new Uint8Array(Buffer.from(JSON.stringify(vendor.orders.get(po)!.order)));
  const context = {
    tenantId: 't',
    connectionId: 'c',
    settings: walmart.settings.parse({}),
    secrets,
    now: () => new Date(),
  };
  const [draft] = walmart.normalize(
    { headers: {}, body, contentType: 'application/json', receivedAt: new Date() },
    context,
  ).orders;
  return {
    ...OrderDraft.parse(draft),
    id: `ord_${po}`,
    tenantId: 't',
    version: 1,
    source: { connectionId: 'c', connector: 'walmart' },
  };
}
/** A purchase order id of its own for each idempotency key: another key is another order. */
const poFor = (key: string) =>
  `18${BigInt(`0x${createHash('sha256').update(key).digest('hex').slice(0, 12)}`)
    .toString()
    .padStart(11, '0')
    .slice(0, 11)}`;
const context = (idempotencyKey = `k-${Math.random()}`, settings: object = {}): ActionContext<never, never> =>
  ({
    tenantId: 't',
    connectionId: `actions-${Math.random()}`,
    settings: walmart.settings.parse(settings),
    secrets,
    now: () => new Date('2026-11-21T16:00:00Z'),
    idempotencyKey,
    signal: new AbortController().signal,
  }) as never;
const parcel = (
  lines: { lineId: string; quantity: number }[],
  tracking = '9400111899223197428490',
  carrier = 'USPS',
) => ({
  id: `ful-${tracking}`,
  status: 'in_transit' as const,
  lines,
  carrier,
  service: 'GroundAdvantage',
  trackingNumbers: [tracking],
  trackingUrls: [] as string[],
});
const ship = (c: ActionContext<never, never>, order: Order, f: ReturnType<typeof parcel>) =>
  actions.pushFulfillment!(c, { order, fulfillment: f, notifyCustomer: true });

actionsContract({
  connector,
  settings: {},
  secrets,
  cases: [
    {
      name: 'acknowledgeOrder',
      call: (c) => connector.actions!.acknowledgeOrder!(c, { order: placed(poFor(c.idempotencyKey)) }),
      effects: () => vendor.acknowledged.length,
    },
    {
      name: 'pushFulfillment (shipping update: the charge to the customer)',
      call: (c) => {
        const order = placed(poFor(c.idempotencyKey));
        return connector.actions!.pushFulfillment!(c, {
          order,
          fulfillment: parcel([{ lineId: '1', quantity: 2 }]),
          notifyCustomer: true,
        });
      },
      effects: () => vendor.charges.length,
    },
    {
      name: 'cancelOrder',
      call: (c) =>
        connector.actions!.cancelOrder!(c, {
          order: placed(poFor(c.idempotencyKey)),
          reason: 'out of stock',
        }),
      effects: () => new Set(vendor.cancellations.map((x) => x.po)).size,
    },
  ],
});

describe('acknowledging', () => {
  it('acknowledges once, and takes an order already acknowledged, shipped or cancelled in part as done', async () => {
    const order = placed('1810000000001');
    await actions.acknowledgeOrder!(context(), { order });
    await actions.acknowledgeOrder!(context(), { order });
    expect(vendor.acknowledged.filter((po) => po === '1810000000001')).toHaveLength(1);
    const refusals = vendor.calls.filter(
      (x) => x.operation === 'acknowledge' && x.path.includes('1810000000001'),
    );
    expect(refusals.map((x) => x.status)).toEqual([200, 400]);
    const partly = placed('1810000000004');
    await ship(context(), partly, parcel([{ lineId: '1', quantity: 2 }], 'TRACK-ACK'));
    vendor.cancel('1810000000004', undefined, ['2']);
    await expect(actions.acknowledgeOrder!(context(), { order: partly })).resolves.toEqual({
      externalId: '1810000000004',
    });
  });

  it('answers cancelled, acknowledging nothing, for an order Walmart cancelled whole', async () => {
    const cancelled = placed('1810000000002');
    vendor.cancel('1810000000002');
    // The workflow cancels the order on this answer at once, before a pull brings the cancellation.
    await expect(actions.acknowledgeOrder!(context('ack-1'), { order: cancelled })).resolves.toEqual({
      externalId: '1810000000002',
      cancelled: 'purchase order 1810000000002 is cancelled on Walmart (every line Cancelled)',
    });
    expect(vendor.acknowledged).not.toContain('1810000000002');
  });

  it('fails for a person on an order Walmart does not have', async () => {
    const order = { ...placed('1810000000003'), externalId: '1819999999999' };
    const error = await actions.acknowledgeOrder!(context(), { order }).catch((e: unknown) => e);
    expect(isPermanent(error)).toBe(true);
    expect(String((error as Error).message)).toMatch(/No purchase order 1819999999999/);
  });
});

describe('shipping updates', () => {
  it('ships each line with carrier, method and tracking, and charges once when the step is retried after a lost answer', async () => {
    const order = placed('1820000000001');
    vendor.loseNextShippingAnswer = true;
    const f = parcel([
      { lineId: '1', quantity: 2 },
      { lineId: '2', quantity: 1 },
    ]);
    const c = context('step-1');
    const lost = await ship(c, order, f).catch((e: unknown) => e);
    expect((lost as Error).message).toMatch(/could not reach .*Walmart may have taken it/);
    // Repeating the step is safe (it reads first): the workflow is told to retry, not to park the order.
    expect(isPermanent(lost)).toBe(false);
    await expect(ship(c, order, f)).resolves.toEqual({ externalId: '1820000000001/9400111899223197428490' });
    await ship(c, order, f);
    expect(vendor.charges.filter((x) => x.po === '1820000000001')).toEqual([
      {
        po: '1820000000001',
        lineNumber: '1',
        quantity: 2,
        trackingNumber: '9400111899223197428490',
        carrier: 'USPS',
        methodCode: 'Value',
      },
      {
        po: '1820000000001',
        lineNumber: '2',
        quantity: 1,
        trackingNumber: '9400111899223197428490',
        carrier: 'USPS',
        methodCode: 'Value',
      },
    ]);
    const statuses =
      vendor.orders.get('1820000000001')!.order.orderLines.orderLine[0]!.orderLineStatuses.orderLineStatus;
    expect(statuses).toEqual([
      {
        status: 'Shipped',
        statusQuantity: { unitOfMeasurement: 'EACH', amount: '2' },
        trackingInfo: {
          shipDateTime: Date.parse('2026-11-21T16:00:00Z'),
          carrierName: { carrier: 'USPS' },
          methodCode: 'Value',
          trackingNumber: '9400111899223197428490',
        },
      },
    ]);
  });

  it('ships the parcels of a split order apart, each once, a carrier named as labels name it', async () => {
    const order = placed('1820000000002');
    await ship(context(), order, parcel([{ lineId: '1', quantity: 1 }], '1Z999AA10123456784', 'UPSDAP'));
    await ship(
      context(),
      order,
      parcel(
        [
          { lineId: '1', quantity: 1 },
          { lineId: '2', quantity: 1 },
        ],
        '794612345678',
        'FedExDefault',
      ),
    );
    await ship(context(), order, parcel([{ lineId: '1', quantity: 1 }], '1Z999AA10123456784', 'UPSDAP'));
    expect(
      vendor.charges
        .filter((x) => x.po === '1820000000002')
        .map((x) => [x.lineNumber, x.quantity, x.carrier]),
    ).toEqual([
      ['1', 1, 'UPS'],
      ['1', 1, 'FedEx'],
      ['2', 1, 'FedEx'],
    ]);
  });

  it('refuses for a person what Walmart can no longer ship, and a carrier it does not list without a URL', async () => {
    const order = placed('1820000000003');
    await ship(context(), order, parcel([{ lineId: '2', quantity: 1 }], 'TRACK-A'));
    const twice = await ship(context(), order, parcel([{ lineId: '2', quantity: 1 }], 'TRACK-B')).catch(
      (e: unknown) => e,
    );
    expect(isPermanent(twice)).toBe(true);
    expect((twice as Error).message).toMatch(
      /1 units to report shipped with TRACK-B, but Walmart has 0 still to ship/,
    );
    const other = await ship(context(), order, parcel([{ lineId: '1', quantity: 2 }], 'V-1', 'Veho')).catch(
      (e: unknown) => e,
    );
    expect(isPermanent(other)).toBe(true);
    expect((other as Error).message).toMatch(/does not list the carrier "Veho"/);
    await ship(context(), order, {
      ...parcel([{ lineId: '1', quantity: 2 }], 'V-1', 'Veho'),
      trackingUrls: ['https://track.veho.example/V-1'],
    });
    expect(vendor.charges.filter((x) => x.po === '1820000000003').at(-1)).toMatchObject({
      carrier: 'Veho',
      trackingNumber: 'V-1',
    });
  });
});

describe('cancelling lines', () => {
  it('cancels what is not shipped yet with Walmart’s reason, once', async () => {
    const order = placed('1830000000001');
    await ship(context(), order, parcel([{ lineId: '1', quantity: 2 }], 'TRACK-C'));
    await actions.cancelOrder!(context(), { order, reason: 'a pricing error on the listing' });
    await actions.cancelOrder!(context(), { order, reason: 'a pricing error on the listing' });
    expect(vendor.cancellations.filter((x) => x.po === '1830000000001')).toEqual([
      { po: '1830000000001', lineNumber: '2', quantity: 1, reason: 'SELLER_CANCEL_PRICING_ERROR' },
    ]);
  });
});

describe('cancelling some units (routing policy cancel-line)', () => {
  it('cancels only the units asked, and a retry after a lost answer cancels nothing more', async () => {
    const order = placed('1830000000002');
    const asked = { order, lines: [{ lineId: '1', quantity: 1 }], reason: 'no location has 1 × MUG-1' };
    await actions.cancelLines!(context(), asked);
    // The step again (its answer lost): Walmart shows the unit cancelled already, so nothing is sent.
    await actions.cancelLines!(context(), asked);
    expect(vendor.cancellations.filter((x) => x.po === '1830000000002')).toEqual([
      { po: '1830000000002', lineNumber: '1', quantity: 1, reason: 'SELLER_CANCEL_OUT_OF_STOCK' },
    ]);
  });
});

describe('stock', () => {
  it('sets each SKU at its ship node, and reports a SKU Walmart does not have', async () => {
    vendor.skus.add('MUG-1');
    vendor.skus.add('TEA TOWEL/1');
    const results = await actions.pushStock!(context('stock', { shipNode: '720893456' }), {
      figures: [
        { sku: 'MUG-1', quantity: 7 },
        { sku: 'TEA TOWEL/1', quantity: 0, location: '981234' },
        { sku: 'GHOST-9', quantity: 3 },
      ],
    });
    expect(results).toEqual([
      { sku: 'MUG-1', status: 'set' },
      { sku: 'TEA TOWEL/1', location: '981234', status: 'set' },
      { sku: 'GHOST-9', status: 'unknown-sku' },
    ]);
    expect(Object.fromEntries(vendor.stock)).toMatchObject({ 'MUG-1@720893456': 7, 'TEA TOWEL/1@981234': 0 });
    const put = vendor.calls.filter((x) => x.operation === 'inventory');
    expect(put.map((x) => [x.query, x.status])).toEqual([
      ['?sku=MUG-1&shipNode=720893456', 200],
      // Walmart asks for reserved characters encoded and a space as %20.
      ['?sku=TEA%20TOWEL%2F1&shipNode=981234', 200],
      ['?sku=GHOST-9&shipNode=720893456', 404],
    ]);
  });
});
