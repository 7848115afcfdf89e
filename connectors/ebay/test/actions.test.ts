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
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { carrierCode } from '../src/actions.ts';
import { EbayOrder } from '../src/ebay-order.ts';
import { ebay } from '../src/index.ts';
import { mapOrder } from '../src/map-order.ts';
import { ebayErrors } from './fakes/ebay.ts';
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
  vendor.state.staleFulfillmentReads = 0;
  server.resetHandlers();
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

  it('returns the fulfillment made when eBay says so (34500) after a lost answer, before its read lists it', async () => {
    vendor.state.loseAnswers = 1;
    const first = await push('wf-6/push-fulfillment', '9400111899223397845601').catch((e) => e);
    expect(isPermanent(first)).toBe(false);
    // The retry's first read does not list the fulfillment yet; eBay then refuses the create as a duplicate.
    vendor.state.staleFulfillmentReads = 1;
    const retried = await push('wf-6/push-fulfillment', '9400111899223397845601');
    expect(retried).toEqual({ externalId: '9400111899223397845601' });
    expect(vendor.state.created).toBe(1);
    expect(vendor.state.calls.createShippingFulfillment).toBeGreaterThanOrEqual(2);
  });

  it('takes an existing fulfillment as this package only when both its tracking number and its lines match', async () => {
    // Another package of the order already carries this tracking number (say, typed in Seller Hub).
    await push('wf-7/other-package', '9400111899223397845602', 'USPS', 1);
    const error = await push('wf-7/push-fulfillment', '9400111899223397845602', 'USPS', 0).catch((e) => e);
    // Not mistaken for this package: eBay is asked, refuses the number as taken (34500), and that stands.
    expect(error).toMatchObject({ code: '34500', retryable: false });
    expect(isPermanent(error)).toBe(true);
    expect(vendor.state.fulfillments.get(raw.orderId)).toHaveLength(1);
    expect(vendor.state.fulfillments.get(raw.orderId)![0]).toMatchObject({
      lineItems: [{ lineItemId: raw.lineItems[1]!.lineItemId, quantity: expect.any(Number) }],
    });
  });

  it('sends a package’s first tracking number only: eBay takes one per shipping fulfillment', async () => {
    const result = await connector.actions!.pushFulfillment!(context('wf-8/push-fulfillment'), {
      order,
      fulfillment: {
        id: 'ful-multi',
        status: 'in_transit',
        lines: [{ lineId: order.lines[0]!.id, quantity: order.lines[0]!.quantity.ordered }],
        carrier: 'UPS',
        trackingNumbers: ['1Z999AA10123456784', '1Z999AA10123456785'],
        trackingUrls: [],
      },
      notifyCustomer: true,
    });
    expect(result).toEqual({ externalId: '1Z999AA10123456784' });
    expect(vendor.state.fulfillments.get(raw.orderId)).toEqual([
      expect.objectContaining({ shipmentTrackingNumber: '1Z999AA10123456784' }),
    ]);
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

  it('reports a SKU eBay refuses (the day’s 250 revisions spent) as refused, in eBay’s words, the others set', async () => {
    vendor.state.inventory = new Map([
      ['BUSY-SKU', 1],
      ['MUG-BLU-12', 0],
    ]);
    vendor.state.revisions = new Map([['BUSY-SKU', 250]]);
    const results = await connector.actions!.pushStock!(context('stock-2'), {
      figures: [
        { sku: 'BUSY-SKU', quantity: 2 },
        { sku: 'MUG-BLU-12', quantity: 5 },
      ],
    });
    expect(results).toEqual([
      {
        sku: 'BUSY-SKU',
        status: 'refused',
        reason: expect.stringMatching(/25002.*revised too many times today.*250 times a calendar day/),
      },
      { sku: 'MUG-BLU-12', status: 'set' },
    ]);
    expect(vendor.state.inventory.get('MUG-BLU-12')).toBe(5);
    expect(vendor.state.inventory.get('BUSY-SKU')).toBe(1);
  });

  it('reports a call eBay refuses as a whole for its one SKU (a 400) as refused too', async () => {
    vendor.state.inventory = new Map([['MUG-BLU-12', 0]]);
    server.use(
      http.post(`${apiOrigin}/sell/inventory/v1/bulk_update_price_quantity`, () =>
        ebayErrors(400, {
          errorId: 25002,
          domain: 'API_INVENTORY',
          category: 'REQUEST',
          message: 'A user error has occurred. This listing was created with the Trading API.',
        }),
      ),
    );
    const results = await connector.actions!.pushStock!(context('stock-3'), {
      figures: [{ sku: 'MUG-BLU-12', quantity: 5 }],
    });
    expect(results).toEqual([
      {
        sku: 'MUG-BLU-12',
        status: 'refused',
        reason: expect.stringMatching(/Trading API.*bulkMigrateListing/),
      },
    ]);
  });

  it('fails the push (the hub tries again) when eBay cannot take it now: a 5xx for the SKU', async () => {
    vendor.state.inventory = new Map([['MUG-BLU-12', 0]]);
    server.use(
      http.post(`${apiOrigin}/sell/inventory/v1/bulk_update_price_quantity`, () =>
        HttpResponse.json(
          {
            responses: [
              {
                sku: 'MUG-BLU-12',
                statusCode: 500,
                errors: [
                  {
                    errorId: 25001,
                    domain: 'API_INVENTORY',
                    category: 'APPLICATION',
                    message: 'System error',
                  },
                ],
              },
            ],
          },
          { status: 207 },
        ),
      ),
    );
    const error = await connector.actions!.pushStock!(context('stock-4'), {
      figures: [{ sku: 'MUG-BLU-12', quantity: 5 }],
    }).catch((e) => e);
    expect(error).toBeInstanceOf(VendorError);
    expect(error).toMatchObject({ status: 500, code: '25001', retryable: true });
  });
});
