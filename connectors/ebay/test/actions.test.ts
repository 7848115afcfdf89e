import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  type ActionContext,
  type AnyConnector,
  connectionContext,
  isPermanent,
  type Order,
  OrderDraft,
  VendorError,
} from '@switchyard/core';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { carrierCode } from '../src/actions.ts';
import { EbayOrder } from '../src/ebay-order.ts';
import { ebay } from '../src/index.ts';
import { mapOrder } from '../src/map-order.ts';
import { fakeEbay } from './fakes/index.ts';
import { apiOrigin, secrets } from './keys.ts';

/** Shipping fulfillments and listing quantities pushed to eBay. */
const connector = ebay as unknown as AnyConnector;
const vendor = fakeEbay({ apiOrigin, ...secrets, fulfillmentPerDay: 86_400_000 });
const server = setupServer(...vendor.handlers);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

const raw = JSON.parse(
  readFileSync(fileURLToPath(new URL('fixtures/order-multi-line.json', import.meta.url)), 'utf8'),
) as { orderId: string; lineItems: { lineItemId: string }[] };
const order = {
  ...OrderDraft.parse(mapOrder(EbayOrder.parse(raw))),
  id: 'ord_1',
  tenantId: 'acme',
  version: 1,
  source: { connectionId: 'ebay', connector: 'ebay' },
} as Order;

const context = (key: string, settings: Record<string, unknown> = {}) =>
  ({
    ...connectionContext({
      id: `actions-${Math.random()}`,
      tenantId: 'acme',
      connector,
      settings: connector.settings.parse({ apiOrigin, ...settings }),
      secrets: connector.secrets.parse(secrets),
    }),
    idempotencyKey: key,
    signal: new AbortController().signal,
  }) as ActionContext<unknown, unknown>;

const push = (key: string, tracking: string, carrier = 'USPS', lineIndex = 0, settings = {}) =>
  connector.actions!.pushFulfillment!(context(key, settings), {
    order,
    fulfillment: {
      id: `ful-${key}`,
      status: 'in_transit',
      lines: [{ lineId: order.lines[lineIndex]!.id, quantity: order.lines[lineIndex]!.quantity.ordered }],
      carrier,
      trackingNumbers: [tracking],
      trackingUrls: [],
    },
    notifyCustomer: true,
  });

beforeEach(() => {
  vendor.state.orders = new Map([[raw.orderId, structuredClone(raw) as never]]);
  vendor.state.fulfillments.clear();
  vendor.state.created = 0;
  vendor.state.loseAnswers = 0;
});

describe('pushFulfillment', () => {
  it('creates the shipping fulfillment with line items, carrier and tracking; its id from the Location header', async () => {
    const result = await push('wf-1/push-fulfillment', '9400 1118 9922 3397 8456 12');
    // eBay names a tracked fulfillment by its tracking number: the Location header ends with it.
    expect(result).toEqual({ externalId: '9400111899223397845612' });
    expect(vendor.state.fulfillments.get(raw.orderId)).toEqual([
      expect.objectContaining({
        fulfillmentId: '9400111899223397845612',
        lineItems: [{ lineItemId: raw.lineItems[0]!.lineItemId, quantity: 3 }],
        shipmentTrackingNumber: '9400111899223397845612',
        shippingCarrierCode: 'USPS',
      }),
    ]);
  });

  it('creates one fulfillment when the step is retried after eBay’s answer was lost', async () => {
    vendor.state.loseAnswers = 1;
    const first = await push('wf-2/push-fulfillment', '1Z999AA10123456785', 'UPS').catch((e) => e);
    // Not a refusal: the workflow step tries again, and reads the order's fulfillments first.
    expect(isPermanent(first)).toBe(false);
    expect(String(first.message)).toMatch(/may have created the shipping fulfillment/);
    expect(first.cause).toBeInstanceOf(VendorError);
    const retried = await push('wf-2/push-fulfillment', '1Z999AA10123456785', 'UPS');
    expect(retried).toEqual({ externalId: '1Z999AA10123456785' });
    expect(vendor.state.created).toBe(1);
    expect(vendor.state.fulfillments.get(raw.orderId)).toHaveLength(1);
  });

  it('maps the hub’s carrier names to eBay’s codes, the connection’s own mapping first', async () => {
    expect(carrierCode('FedEx', {})).toBe('FedEx');
    expect(carrierCode('DHLExpress', {})).toBe('DHL');
    expect(carrierCode('usps', {})).toBe('USPS');
    expect(carrierCode('LaserShip', { LaserShip: 'LaserShip' })).toBe('LaserShip');
    await push('wf-3/push-fulfillment', '773312345678', 'FedEx', 1);
    expect(vendor.state.fulfillments.get(raw.orderId)![0]).toMatchObject({ shippingCarrierCode: 'FedEx' });
  });

  it('fails for good, with eBay’s words and what to do, when eBay refuses a line item', async () => {
    const other = { ...order, lines: [{ ...order.lines[0]!, id: 'x', externalId: '99999999999999' }] };
    const error = await connector.actions!.pushFulfillment!(context('wf-4/push-fulfillment'), {
      order: other,
      fulfillment: {
        id: 'f',
        status: 'in_transit',
        lines: [{ lineId: 'x', quantity: 1 }],
        carrier: 'USPS',
        trackingNumbers: ['9400111899223397845699'],
        trackingUrls: [],
      },
      notifyCustomer: true,
    }).catch((e) => e);
    expect(error).toMatchObject({ status: 400, code: '32200', retryable: false });
    expect(isPermanent(error)).toBe(true);
    expect(String(error.problem.fix)).toMatch(/lineItemId/);
    expect(vendor.state.created).toBe(0);
  });

  it('refuses a fulfillment naming a line the order does not have, before calling eBay to create it', async () => {
    const error = await connector.actions!.pushFulfillment!(context('wf-5/push-fulfillment'), {
      order,
      fulfillment: {
        id: 'f',
        status: 'in_transit',
        lines: [{ lineId: 'nope', quantity: 1 }],
        trackingNumbers: [],
        trackingUrls: [],
      },
      notifyCustomer: true,
    }).catch((e) => e);
    expect(isPermanent(error)).toBe(true);
    expect(String(error.message)).toMatch(/has no line nope/);
  });
});

describe('pushStock', () => {
  it('sets each SKU’s ship-to-home quantity, and says which SKUs eBay does not know', async () => {
    vendor.state.inventory = new Map([
      ['MUG-BLU-12', 0],
      ['LAMP-DESK-BLK', 4],
    ]);
    const results = await connector.actions!.pushStock!(context('stock-1'), {
      figures: [
        { sku: 'MUG-BLU-12', quantity: 7 },
        { sku: 'NOT-LISTED', quantity: 3 },
        { sku: 'LAMP-DESK-BLK', quantity: 0 },
      ],
    });
    expect(results).toEqual([
      { sku: 'MUG-BLU-12', status: 'set' },
      { sku: 'NOT-LISTED', status: 'unknown-sku' },
      { sku: 'LAMP-DESK-BLK', status: 'set' },
    ]);
    expect(Object.fromEntries(vendor.state.inventory)).toEqual({ 'MUG-BLU-12': 7, 'LAMP-DESK-BLK': 0 });
  });

  it('declares eBay’s 250 revisions per listing per day, so the hub spaces one SKU’s pushes', () => {
    expect(connector.stockPushLimit).toEqual({ perSkuPerDay: 250 });
  });

  it('reports a revision eBay refuses (the day’s 250 spent) with what to do', async () => {
    vendor.state.inventory = new Map([['BUSY-SKU', 1]]);
    vendor.state.revisions.set('BUSY-SKU', 250);
    const error = await connector.actions!.pushStock!(context('stock-2'), {
      figures: [{ sku: 'BUSY-SKU', quantity: 2 }],
    }).catch((e) => e);
    expect(error).toMatchObject({ status: 400, code: '25002', retryable: false });
    expect(String(error.problem.fix)).toMatch(/250 times a calendar day/);
  });
});
