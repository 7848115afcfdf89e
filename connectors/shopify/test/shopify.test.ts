import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { InboundRequest } from '@switchyard/core';
import { connectorContract } from '@switchyard/core/testing';
import { describe, expect, it } from 'vitest';
import { shopify, shopifySignature } from '../src/index.ts';
import { parseExact } from '../src/json.ts';

// biome-ignore lint/suspicious/noExplicitAny: these tests edit a fixture's JSON freely
type Json = any;
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const fixture = (name: string) => readFileSync(here(`fixtures/${name}`), 'utf8');
const now = new Date('2026-11-20T12:00:00Z');
const shop = 'switchyard-demo.myshopify.com';
const secrets = { clientSecret: 'shpss_test_0123456789abcdef' };
const headers = (topic: string, webhookId: string) => ({
  'x-shopify-topic': topic,
  'x-shopify-shop-domain': shop,
  'x-shopify-webhook-id': webhookId,
  'x-shopify-api-version': '2026-07',
});

connectorContract({
  connector: shopify,
  settings: { shop },
  secrets,
  now,
  sign: (body, s) => ({ 'x-shopify-hmac-sha256': shopifySignature(s.clientSecret!, body) }),
  payloads: [
    {
      name: 'orders/create, multi-currency, partially fulfilled and refunded',
      body: { file: here('fixtures/orders-create.json') },
      headers: headers('orders/create', 'b1c2-0001'),
      golden: here('golden/orders-create.json'),
    },
    {
      name: 'orders/updated, sparse, JPY with taxes included, unknown fields',
      body: { file: here('fixtures/orders-updated-sparse.json') },
      headers: headers('orders/updated', 'b1c2-0002'),
      golden: here('golden/orders-updated-sparse.json'),
    },
    {
      name: 'refunds/create (stored, not an order)',
      body: { file: here('fixtures/refunds-create.json') },
      headers: headers('refunds/create', 'b1c2-0003'),
      golden: here('golden/refunds-create.json'),
    },
    {
      name: 'inventory_levels/update (a stock level, for the stock sync, not an order)',
      body: { file: here('fixtures/inventory-levels-update.json') },
      headers: headers('inventory_levels/update', 'b1c2-0004'),
      golden: here('golden/inventory-levels-update.json'),
    },
    {
      name: 'inventory_levels/update of an item no longer tracked (available null)',
      body: { file: here('fixtures/inventory-levels-update-untracked.json') },
      headers: headers('inventory_levels/update', 'b1c2-0005'),
      golden: here('golden/inventory-levels-update-untracked.json'),
    },
  ],
  malformed: [
    { name: 'truncated JSON', body: '{"id": 1, "line_items": [', headers: headers('orders/create', 'm-1') },
    {
      name: 'an order without lines',
      body: JSON.stringify({ ...JSON.parse(fixture('orders-updated-sparse.json')), line_items: [] }),
      headers: headers('orders/updated', 'm-2'),
    },
    {
      name: 'an order whose total Shopify states differently',
      body: fixture('orders-create.json')
        .replace('"total_price": "326.44"', '"total_price": "330.00"')
        .replace('"amount": "326.44"', '"amount": "330.00"'),
      headers: headers('orders/create', 'm-3'),
    },
    {
      name: 'an order without currency',
      body: fixture('orders-updated-sparse.json').replace('"currency": "JPY",', ''),
      headers: headers('orders/updated', 'm-4'),
    },
    {
      name: 'an inventory level without its location',
      body: '{"inventory_item_id": 45678901234567891, "available": 3, "updated_at": "2026-11-20T06:58:41-05:00"}',
      headers: headers('inventory_levels/update', 'm-5'),
    },
    {
      name: 'an inventory level whose available is not a number',
      body: fixture('inventory-levels-update.json').replace('"available": 37', '"available": "37"'),
      headers: headers('inventory_levels/update', 'm-6'),
    },
  ],
});

const context = (extra: Record<string, unknown> = {}, secretsOverride: Record<string, string> = secrets) => ({
  tenantId: 't',
  connectionId: 'c',
  settings: shopify.settings.parse({ shop, ...extra }),
  secrets: shopify.secrets.parse(secretsOverride),
  now: () => now,
});
const request = (body: string, extraHeaders: Record<string, string>): InboundRequest => ({
  method: 'POST',
  path: '/webhooks/shop',
  headers: { 'content-type': 'application/json', ...extraHeaders },
  body: new Uint8Array(Buffer.from(body)),
  contentType: 'application/json',
  receivedAt: now,
});

describe('shopify specifics', () => {
  const body = fixture('orders-create.json');
  const [order] = shopify.normalize(request(body, headers('orders/create', 'x')), context()).orders;

  it('keeps every id exact, even beyond 2^53, and never through a JS number', () => {
    expect(order!.externalId).toBe('5923847102938475623');
    expect(order!.lines.map((l) => l.id)).toEqual([
      '14500000000000000017',
      '14500000000000000018',
      '14500000000000000019',
    ]);
    expect(order!.customer?.externalId).toBe('7712345678901234567');
    expect(order!.refunds?.[0]?.lines).toEqual([{ lineId: '14500000000000000019', quantity: 1 }]);
    const parsed = parseExact('{"id": 9007199254740993, "small": 42, "rate": 0.04}') as Record<
      string,
      unknown
    >;
    expect(parsed).toEqual({ id: '9007199254740993', small: 42, rate: 0.04 });
  });

  it('uses shop money, records the presentment currency, and reconciles with Shopify’s total', () => {
    expect(order).toMatchObject({ currency: 'USD', presentmentCurrency: 'EUR', status: 'partially_shipped' });
    expect(order!.totals).toEqual({
      items: { amount: 32600, currency: 'USD' },
      discount: { amount: 2400, currency: 'USD' },
      shipping: { amount: 900, currency: 'USD' },
      tax: { amount: 1044, currency: 'USD' },
      adjustments: { amount: 500, currency: 'USD' },
      total: { amount: 32644, currency: 'USD' },
    });
    expect(order!.adjustments).toEqual([
      { kind: 'tip', title: 'Tip', amount: { amount: 500, currency: 'USD' }, taxLines: [] },
    ]);
  });

  it('derives per-line quantities from fulfillments and refunds, and the gift card flag', () => {
    expect(order!.lines.map((l) => [l.sku, l.quantity, l.giftCard])).toEqual([
      ['SHOE-TR-42', { ordered: 2, fulfilled: 2, shipped: 2, cancelled: 0, returned: 0 }, false],
      ['GC-50', { ordered: 1, fulfilled: 0, shipped: 0, cancelled: 0, returned: 0 }, true],
      ['SOCK-3', { ordered: 3, fulfilled: 0, shipped: 0, cancelled: 0, returned: 1 }, false],
    ]);
    expect(order!.fulfillments).toEqual([
      expect.objectContaining({
        carrier: 'UPS',
        status: 'in_transit',
        trackingNumbers: ['1Z999AA10123456784'],
        lines: [{ lineId: '14500000000000000017', quantity: 2 }],
      }),
    ]);
    expect(order!.refunds).toEqual([
      expect.objectContaining({
        amount: { amount: 1248, currency: 'USD' },
        reason: 'One pair arrived damaged',
      }),
    ]);
  });

  it('carries a line’s unit weight in grams, for the parcel; a weightless product has none', () => {
    const o = parseExact(body) as Json;
    o.line_items[0].grams = 453.6;
    o.line_items[1].grams = 0;
    const [mapped] = shopify.normalize(
      request(JSON.stringify(o), headers('orders/updated', 'w')),
      context(),
    ).orders;
    expect(mapped!.lines[0]!.weightGrams).toBe(454);
    expect(mapped!.lines[1]).not.toHaveProperty('weightGrams');
  });

  it('keeps refunds in shop money when Shopify pays them in the buyer’s currency', () => {
    const o = parseExact(body) as Json;
    o.presentment_currency = 'JPY';
    o.refunds[0].transactions = [{ kind: 'refund', status: 'success', amount: '1900', currency: 'JPY' }];
    o.refunds[0].refund_line_items[0].subtotal_set = {
      shop_money: { amount: '12.00', currency_code: 'USD' },
      presentment_money: { amount: '1800', currency_code: 'JPY' },
    };
    o.refunds[0].refund_line_items[0].total_tax_set = {
      shop_money: { amount: '0.48', currency_code: 'USD' },
      presentment_money: { amount: '100', currency_code: 'JPY' },
    };
    const [mapped] = shopify.normalize(
      request(JSON.stringify(o), headers('orders/updated', 'y')),
      context(),
    ).orders;
    expect(mapped!.refunds).toEqual([expect.objectContaining({ amount: { amount: 1248, currency: 'USD' } })]);
    delete o.refunds[0].refund_line_items[0].subtotal_set;
    expect(() =>
      shopify.normalize(request(JSON.stringify(o), headers('orders/updated', 'z')), context()),
    ).toThrow(/refund 8800000000000000011 is in JPY, the shop's currency is USD/);
  });

  it('records a partially paid order as captured up to what is outstanding', () => {
    const o = parseExact(body) as Json;
    o.financial_status = 'partially_paid';
    o.total_outstanding = '100.00';
    o.refunds = [];
    const [mapped] = shopify.normalize(
      request(JSON.stringify(o), headers('orders/updated', 'p')),
      context(),
    ).orders;
    expect(mapped!.payments).toEqual([
      expect.objectContaining({ status: 'captured', captured: { amount: 22644, currency: 'USD' } }),
    ]);
  });

  it('accepts the previous client secret during the grace window after a rotation, and not after', () => {
    const signedWithOld = request(body, {
      ...headers('orders/create', 'x'),
      'x-shopify-hmac-sha256': shopifySignature('shpss_old_secret_987654', body),
    });
    const rotated = {
      clientSecret: 'shpss_new_secret_123456',
      previousClientSecret: 'shpss_old_secret_987654',
    };
    const within = context({ rotatedAt: '2026-11-20T11:30:00Z' }, rotated);
    expect(shopify.webhook!.verify(signedWithOld, within)).toEqual({ ok: true });
    const after = context({ rotatedAt: '2026-11-20T10:30:00Z' }, rotated);
    expect(shopify.webhook!.verify(signedWithOld, after)).toMatchObject({ ok: false });
    expect(shopify.webhook!.verify(signedWithOld, context({}, rotated))).toMatchObject({ ok: false });
  });

  it('answers a well-signed webhook from another shop with 404, not 401', () => {
    const other = request(body, {
      ...headers('orders/create', 'x'),
      'x-shopify-shop-domain': 'someone-else.myshopify.com',
      'x-shopify-hmac-sha256': shopifySignature(secrets.clientSecret, body),
    });
    expect(shopify.webhook!.verify(other, context())).toEqual({
      ok: false,
      status: 404,
      reason: expect.stringContaining('someone-else.myshopify.com'),
    });
  });

  it('dedupes on X-Shopify-Webhook-Id, the same across Shopify’s retries', () => {
    expect(shopify.webhook!.dedupeKey(request(body, headers('orders/create', 'abc-123')), context())).toBe(
      'webhook:abc-123',
    );
    expect(shopify.webhook!.dedupeKey(request(body, {}), context())).toBeUndefined();
  });

  it('reads a REST Admin response ({"order": …}) as well as a webhook body', () => {
    const rest = `{"order": ${body}}`;
    const [fromRest] = shopify.normalize(request(rest, {}), context()).orders;
    expect(fromRest).toEqual(order);
  });
});
