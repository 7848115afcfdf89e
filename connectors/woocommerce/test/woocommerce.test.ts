import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { InboundRequest } from '@switchyard/core';
import { connectorContract } from '@switchyard/core/testing';
import { describe, expect, it } from 'vitest';
import { woocommerce, wooSignature } from '../src/index.ts';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const fixture = (name: string) => readFileSync(here(`fixtures/${name}`), 'utf8');
const siteUrl = 'https://shop.example.com';
const secrets = { webhookSecret: 'wc-test-secret' };
const headers = (topic: string, delivery: string) => ({
  'x-wc-webhook-topic': topic,
  'x-wc-webhook-resource': 'order',
  'x-wc-webhook-source': `${siteUrl}/`,
  'x-wc-webhook-id': '12',
  'x-wc-webhook-delivery-id': delivery,
});
const productHeaders = (topic: string, delivery: string) => ({
  ...headers(topic, delivery),
  'x-wc-webhook-resource': 'product',
  'x-wc-webhook-event': topic.split('.')[1]!,
  'x-wc-webhook-id': '14',
});

connectorContract({
  connector: woocommerce,
  settings: { siteUrl },
  secrets,
  sign: (body, s) => ({ 'x-wc-webhook-signature': wooSignature(s.webhookSecret!, body) }),
  payloads: [
    {
      name: 'order.created with coupon, VAT, fee, shipping tax and a refund',
      body: { file: here('fixtures/order-created.json') },
      headers: headers('order.created', 'd-1'),
      golden: here('golden/order-created.json'),
    },
    {
      name: 'order.updated from a guest checkout, with a plugin’s unknown field',
      body: { file: here('fixtures/order-updated-guest.json') },
      headers: headers('order.updated', 'd-2'),
      golden: here('golden/order-updated-guest.json'),
    },
    {
      name: 'order.deleted after a permanent delete (id only)',
      body: { file: here('fixtures/order-deleted.json') },
      headers: headers('order.deleted', 'd-3'),
      golden: here('golden/order-deleted.json'),
    },
    {
      name: 'product.updated with managed stock (for the stock sync, not an order)',
      body: { file: here('fixtures/product-updated.json') },
      headers: productHeaders('product.updated', 'd-4'),
      golden: here('golden/product-updated.json'),
    },
    {
      name: 'product.updated of a variation (its own stock, sold out)',
      body: { file: here('fixtures/product-updated-variation.json') },
      headers: productHeaders('product.updated', 'd-5'),
      golden: here('golden/product-updated-variation.json'),
    },
    {
      name: 'product.created without managed stock',
      body: { file: here('fixtures/product-updated-unmanaged.json') },
      headers: productHeaders('product.created', 'd-6'),
      golden: here('golden/product-updated-unmanaged.json'),
    },
  ],
  malformed: [
    {
      name: 'truncated JSON',
      body: '{"id": 1042, "line_items": [',
      headers: headers('order.created', 'm-1'),
    },
    {
      name: 'an order without lines',
      body: JSON.stringify({ ...JSON.parse(fixture('order-updated-guest.json')), line_items: [] }),
      headers: headers('order.updated', 'm-2'),
    },
    {
      name: 'a total Woo states differently',
      body: fixture('order-created.json').replace('"total": "89.73"', '"total": "90.00"'),
      headers: headers('order.created', 'm-3'),
    },
    {
      name: 'a product without its id',
      body: JSON.stringify({ ...JSON.parse(fixture('product-updated.json')), id: undefined }),
      headers: productHeaders('product.updated', 'm-4'),
    },
    {
      name: 'a product whose stock quantity is not a whole number',
      body: fixture('product-updated.json').replace('"stock_quantity": 140', '"stock_quantity": "140"'),
      headers: productHeaders('product.updated', 'm-5'),
    },
  ],
});

const context = {
  tenantId: 't',
  connectionId: 'c',
  settings: woocommerce.settings.parse({ siteUrl }),
  secrets,
  now: () => new Date(),
};
const request = (
  body: string,
  extra: Record<string, string>,
  contentType = 'application/json',
): InboundRequest => ({
  method: 'POST',
  path: '/webhooks/woo',
  headers: { 'content-type': contentType, ...extra },
  body: new Uint8Array(Buffer.from(body)),
  contentType,
  receivedAt: new Date(),
});

describe('woocommerce specifics', () => {
  it('answers the unsigned creation ping without treating it as an order', () => {
    const ping = request('webhook_id=12', {}, 'application/x-www-form-urlencoded');
    expect(woocommerce.webhook!.handshake!(ping)).toEqual({ status: 'ping received', webhookId: '12' });
    expect(woocommerce.webhook!.handshake!(request(fixture('order-created.json'), {}))).toBeUndefined();
    // A form body that is signed, or is anything but the ping, goes through the signature check.
    expect(
      woocommerce.webhook!.handshake!(
        request('webhook_id=12', { 'x-wc-webhook-signature': 'x' }, 'application/x-www-form-urlencoded'),
      ),
    ).toBeUndefined();
    expect(
      woocommerce.webhook!.handshake!(request('webhook_id=12&x=1', {}, 'application/x-www-form-urlencoded')),
    ).toBeUndefined();
  });

  it('signs as WooCommerce does: base64 HMAC-SHA256 of the raw body', () => {
    // Computed independently: printf 'webhook_body' | openssl dgst -sha256 -hmac wc-test-secret -binary | base64
    expect(wooSignature('wc-test-secret', 'webhook_body')).toBe(
      'lTYlJuQ+L/iyD8rKEUQItcVW7wMMyaBvr3/Rx997u9k=',
    );
  });

  it('answers a well-signed webhook from another site with 404', () => {
    const body = fixture('order-created.json');
    const verdict = woocommerce.webhook!.verify(
      request(body, {
        ...headers('order.created', 'x'),
        'x-wc-webhook-source': 'https://other.example.org/',
        'x-wc-webhook-signature': wooSignature(secrets.webhookSecret, body),
      }),
      context,
    );
    expect(verdict).toEqual({ ok: false, status: 404, reason: expect.stringContaining('other.example.org') });
  });

  it('dedupes on the order id, date_modified_gmt and body, never on the per-attempt delivery id', () => {
    const body = fixture('order-created.json');
    const first = woocommerce.webhook!.dedupeKey(
      request(body, headers('order.updated', 'attempt-1')),
      context,
    );
    expect(first).toMatch(/^order:1042@2026-11-20T07:30:12#[0-9a-f]{16}$/);
    expect(
      woocommerce.webhook!.dedupeKey(request(body, headers('order.updated', 'attempt-2')), context),
    ).toBe(first);
    // Woo's times have one-second precision: another state saved in the same second keeps its own key.
    const sameSecond = body.replace(
      '"customer_note": "Bitte beim Nachbarn abgeben"',
      '"customer_note": "Changed"',
    );
    expect(
      woocommerce.webhook!.dedupeKey(request(sameSecond, headers('order.updated', 'attempt-3')), context),
    ).not.toBe(first);
  });

  it('maps a shop that enters prices with tax to tax-inclusive amounts, and carries a split remainder as rounding', () => {
    const guest = JSON.parse(fixture('order-updated-guest.json'));
    // Three items at 10.00 including 19% VAT: Woo stores subtotal 25.21 and its tax 4.79.
    const inclusive = {
      ...guest,
      prices_include_tax: true,
      total: '30.00',
      line_items: [
        {
          ...guest.line_items[0],
          quantity: 3,
          subtotal: '25.21',
          subtotal_tax: '4.79',
          total: '25.21',
          total_tax: '4.79',
          taxes: [{ id: 9, total: '4.79' }],
        },
      ],
      tax_lines: [{ rate_id: 9, label: 'VAT', rate_percent: 19 }],
    };
    const [a] = woocommerce.normalize(request(JSON.stringify(inclusive), {}), context).orders;
    expect(a).toMatchObject({
      taxesIncluded: true,
      lines: [{ unitPrice: { amount: 1000 }, taxLines: [{ title: 'VAT', amount: { amount: 479 } }] }],
    });
    expect(a!.totals.total.amount).toBe(3000);
    // 25.00 for three, excluding tax: 8.33 each and a cent of rounding, and the total still reconciles.
    const odd = { ...guest, line_items: [{ ...guest.line_items[0], quantity: 3 }] };
    const [b] = woocommerce.normalize(request(JSON.stringify(odd), {}), context).orders;
    expect(b!.lines![0]!.unitPrice).toEqual({ amount: 833, currency: 'USD' });
    expect(b!.adjustments).toEqual([
      {
        kind: 'rounding',
        title: 'Rounding of line 60',
        amount: { amount: 1, currency: 'USD' },
        taxLines: [],
      },
    ]);
    expect(b!.totals.total.amount).toBe(2500);
  });

  it('keeps a refunded order’s goods state, and a failed payment on hold', () => {
    const order = JSON.parse(fixture('order-created.json'));
    const status = (o: object) =>
      woocommerce.normalize(request(JSON.stringify(o), {}), context).orders[0]!.status;
    expect(status({ ...order, status: 'refunded', date_completed_gmt: '2026-11-20T12:00:00' })).toBe(
      'closed',
    );
    expect(status({ ...order, status: 'refunded', date_completed_gmt: null })).toBe('cancelled');
    expect(status({ ...order, status: 'failed' })).toBe('on_hold');
  });

  it('maps coupons, VAT, fees, refunds, meta data and a guest checkout', () => {
    const [order] = woocommerce.normalize(
      request(fixture('order-created.json'), headers('order.created', 'x')),
      context,
    ).orders;
    expect(order!.totals).toEqual({
      items: { amount: 7500, currency: 'EUR' },
      discount: { amount: 750, currency: 'EUR' },
      shipping: { amount: 490, currency: 'EUR' },
      tax: { amount: 1433, currency: 'EUR' },
      adjustments: { amount: 300, currency: 'EUR' },
      total: { amount: 8973, currency: 'EUR' },
    });
    expect(order!.lines![0]).toMatchObject({
      sku: 'VASE-01',
      unitPrice: { amount: 3000 },
      discounts: [{ amount: { amount: 600 } }],
      taxLines: [{ title: 'MwSt.', rate: '0.19' }],
    });
    expect(order!.attributes).toEqual({ delivery_date: '2026-11-25', coupons: 'welcome10' });
    expect(order!.refunds).toEqual([
      expect.objectContaining({
        amount: { amount: 1000, currency: 'EUR' },
        reason: 'Vase chipped in transit',
      }),
    ]);
    expect(order!.payments).toEqual([
      expect.objectContaining({ status: 'partially_refunded', reference: 'pi_3QwooExample42' }),
    ]);
    const [guest] = woocommerce.normalize(
      request(fixture('order-updated-guest.json'), headers('order.updated', 'y')),
      context,
    ).orders;
    expect(guest!.customer).toEqual({ email: 'guest.buyer@example.com' });
    expect(guest!.shippingAddress).toBeUndefined();
  });
});
