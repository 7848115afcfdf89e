import { type ActionContext, isPermanent, Order, OrderDraft, VendorError } from '@switchyard/core';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actions, packageReferenceId } from '../src/actions.ts';
import { carrierOf } from '../src/carriers.ts';
import { mapOrder } from '../src/map-order.ts';
import { AmazonOrder } from '../src/order-shape.ts';
import { type Secrets, Settings } from '../src/settings.ts';
import { CREDENTIALS, fakeAmazon, sampleOrder } from './fakes/index.ts';

/** Write-back: shipments confirmed by confirmShipment (one package per step, however often retried), stock by Listings. */
const sellerId = 'A3SELLERFAKE01';
const vendor = fakeAmazon({ sellerId });
const server = setupServer(...vendor.handlers);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

const settings = Settings.parse({ sellerId, marketplaceIds: ['ATVPDKIKX0DER'] });
let n = 0;
const context = (idempotencyKey: string): ActionContext<Settings, Secrets> => ({
  tenantId: 'acme',
  connectionId: `actions-${++n}`,
  settings,
  secrets: CREDENTIALS,
  now: () => new Date(),
  idempotencyKey,
  signal: new AbortController().signal,
});

/** An order on the fake, as the hub holds it after normalizing what Amazon serves. */
function held(id: string, overrides: Parameters<typeof sampleOrder>[2] = {}): Order {
  const raw = sampleOrder(id, '2026-11-30T12:00:00Z', overrides);
  vendor.api.orders.set(id, raw);
  const draft = OrderDraft.parse(mapOrder(AmazonOrder.parse(raw)));
  return Order.parse({
    ...draft,
    id: `ord-${id}`,
    tenantId: 'acme',
    version: 1,
    source: { connectionId: 'a', connector: 'amazon' },
  });
}

const shipment = (
  order: Order,
  carrier: string,
  lines = order.lines.map((l) => ({ lineId: l.id, quantity: l.quantity.ordered })),
) => ({
  order,
  notifyCustomer: true,
  fulfillment: {
    id: 'ful-1',
    status: 'in_transit' as const,
    lines,
    carrier,
    service: 'Ground Advantage',
    trackingNumbers: ['9400111899223197428490'],
    trackingUrls: [],
  },
});

describe('pushFulfillment (confirmShipment)', () => {
  it('confirms one package per shipment with Amazon’s item ids, carrier code, method and tracking', async () => {
    const order = held('113-8000001-0000001');
    const result = await actions.pushFulfillment!(context('wf-1/push-fulfillment'), shipment(order, 'USPS'));
    expect(result.externalId).toBe(packageReferenceId('wf-1/push-fulfillment'));
    expect(result.externalId).toMatch(/^[1-9]\d*$/);
    const [call] = vendor.api.confirmations.filter((c) => c.orderId === '113-8000001-0000001');
    expect(call!.body).toEqual({
      marketplaceId: 'ATVPDKIKX0DER',
      packageDetail: {
        packageReferenceId: result.externalId,
        carrierCode: 'USPS',
        shippingMethod: 'Ground Advantage',
        trackingNumber: '9400111899223197428490',
        shipDate: expect.any(String),
        orderItems: order.lines.map((l) => ({ orderItemId: l.externalId, quantity: l.quantity.ordered })),
      },
    });
    expect(vendor.api.orders.get('113-8000001-0000001')!.fulfillment).toMatchObject({
      fulfillmentStatus: 'SHIPPED',
    });
  });

  it('edits the same package when the step is retried, so Amazon holds one', async () => {
    const order = held('113-8000002-0000002');
    const key = 'wf-2/push-fulfillment';
    const first = await actions.pushFulfillment!(context(key), shipment(order, 'UPS'));
    const again = await actions.pushFulfillment!(context(key), shipment(order, 'UPS'));
    expect(again.externalId).toBe(first.externalId);
    expect(vendor.api.confirmations.filter((c) => c.orderId === '113-8000002-0000002')).toHaveLength(2);
    expect([...vendor.api.packages.get('113-8000002-0000002')!.keys()]).toEqual([first.externalId]);
  });

  it('sends a carrier Amazon has no code for as Other with its name', async () => {
    expect(carrierOf('FedEx')).toEqual({ carrierCode: 'FedEx' });
    expect(carrierOf('DHLExpress')).toEqual({ carrierCode: 'DHL' });
    expect(carrierOf('Canada Post')).toEqual({ carrierCode: 'Canada Post' });
    expect(carrierOf('Veho')).toEqual({ carrierCode: 'Other', carrierName: 'Veho' });
    const order = held('113-8000003-0000003');
    await actions.pushFulfillment!(context('wf-3/push-fulfillment'), shipment(order, 'Veho'));
    const [call] = vendor.api.confirmations.filter((c) => c.orderId === '113-8000003-0000003');
    expect(call!.body.packageDetail).toMatchObject({ carrierCode: 'Other', carrierName: 'Veho' });
  });

  it('words Amazon’s 400 with what to check, and does not retry it', async () => {
    const order = held('113-8000004-0000004');
    const tooMany = [{ lineId: order.lines[0]!.id, quantity: 5 }];
    let thrown: unknown;
    try {
      await actions.pushFulfillment!(context('wf-4/push-fulfillment'), shipment(order, 'UPS', tooMany));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(VendorError);
    expect(thrown).toMatchObject({ status: 400, code: 'InvalidInput', retryable: false });
    expect((thrown as VendorError).message).toMatch(/more than is left to ship/);
    expect((thrown as VendorError).problem.fix).toMatch(/carrierCode[\s\S]*orderItemId/);
    expect(vendor.api.confirmations.filter((c) => c.orderId === '113-8000004-0000004')).toHaveLength(1);
  });

  it('refuses to confirm an order Amazon fulfils, before any call', async () => {
    const order = held('113-8000005-0000005', { fulfilledBy: 'AMAZON', status: 'UNSHIPPED' });
    expect(order.status).toBe('in_fulfillment');
    const error = await actions.pushFulfillment!(context('wf-5/push'), shipment(order, 'UPS')).catch(
      (e: unknown) => e,
    );
    expect(isPermanent(error)).toBe(true);
    expect((error as Error).message).toMatch(/fulfilled by Amazon/);
    expect(vendor.api.confirmations.filter((c) => c.orderId === '113-8000005-0000005')).toHaveLength(0);
  });
});

describe('pushStock (Listings Items patch of fulfillment_availability)', () => {
  vendor.api.listings.set('MUG-1', { productType: 'DRINKING_CUP', channels: { DEFAULT: 7 } });
  vendor.api.listings.set('LAMP-1', { productType: 'LAMP', channels: { DEFAULT: 2 } });
  vendor.api.listings.set('FBA-ONLY', { productType: 'LAMP', channels: { AMAZON_NA: 40 } });

  it('sets merchant quantities, reporting FBA-only and unknown SKUs, the product type read once per SKU', async () => {
    const c = context('stock-1');
    const results = await actions.pushStock!(c, {
      figures: [
        { sku: 'MUG-1', quantity: 5 },
        { sku: 'FBA-ONLY', quantity: 3 },
        { sku: 'NO-SUCH-SKU', quantity: 1 },
      ],
    });
    expect(results).toEqual([
      { sku: 'MUG-1', status: 'set', previous: 7 },
      { sku: 'FBA-ONLY', status: 'not-stocked' },
      { sku: 'NO-SUCH-SKU', status: 'unknown-sku' },
    ]);
    expect(vendor.api.listings.get('MUG-1')!.channels).toEqual({ DEFAULT: 5 });
    expect(vendor.api.listings.get('FBA-ONLY')!.channels).toEqual({ AMAZON_NA: 40 });
    expect(vendor.api.patches.at(-1)).toEqual({
      sku: 'MUG-1',
      body: {
        productType: 'DRINKING_CUP',
        patches: [
          {
            op: 'merge',
            path: '/attributes/fulfillment_availability',
            value: [{ fulfillment_channel_code: 'DEFAULT', quantity: 5 }],
          },
        ],
      },
    });
    const reads = () => vendor.api.calls.filter((call) => call.operation === 'getListingsItem').length;
    const before = reads();
    expect(
      await actions.pushStock!(
        { ...c, idempotencyKey: 'stock-2' },
        { figures: [{ sku: 'MUG-1', quantity: 4 }] },
      ),
    ).toEqual([{ sku: 'MUG-1', status: 'set' }]);
    expect(reads()).toBe(before);
  });

  it('reports a figure Amazon answers INVALID (in a 200) as refused, in the issue’s words, setting the others', async () => {
    vendor.api.listings.get('LAMP-1')!.invalid = [
      {
        code: '8572',
        message: 'The fulfillment_availability quantity is above the listing’s allowed maximum.',
        severity: 'ERROR',
      },
    ];
    try {
      const results = await actions.pushStock!(context('stock-3'), {
        figures: [
          { sku: 'LAMP-1', quantity: 900 },
          { sku: 'MUG-1', quantity: 6 },
        ],
      });
      expect(results).toEqual([
        {
          sku: 'LAMP-1',
          status: 'refused',
          reason: expect.stringMatching(/8572: The fulfillment_availability quantity is above/),
        },
        expect.objectContaining({ sku: 'MUG-1', status: 'set' }),
      ]);
      expect(vendor.api.listings.get('LAMP-1')!.channels.DEFAULT).toBe(2);
      expect(vendor.api.listings.get('MUG-1')!.channels.DEFAULT).toBe(6);
    } finally {
      delete vendor.api.listings.get('LAMP-1')!.invalid;
    }
  });
});
