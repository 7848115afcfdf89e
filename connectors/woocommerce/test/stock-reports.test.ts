import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { StoredPayload } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { woocommerce } from '../src/index.ts';

/** product.updated / product.created: stored like any webhook, answered `ignored` by normalize, read by stockReports. */
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const fixture = (name: string) => readFileSync(here(`fixtures/${name}`), 'utf8');
const siteUrl = 'https://shop.example.com';
const context = {
  tenantId: 't',
  connectionId: 'c',
  settings: woocommerce.settings.parse({ siteUrl }),
  secrets: { webhookSecret: 'wc-test-secret' },
  now: () => new Date('2026-11-20T12:00:00Z'),
};
const stored = (body: string, topic = 'product.updated', delivery = 'd-1'): StoredPayload => ({
  headers: {
    'content-type': 'application/json',
    'x-wc-webhook-topic': topic,
    'x-wc-webhook-resource': topic.split('.')[0]!,
    'x-wc-webhook-event': topic.split('.')[1]!,
    'x-wc-webhook-source': `${siteUrl}/`,
    'x-wc-webhook-id': '14',
    'x-wc-webhook-delivery-id': delivery,
  },
  body: new Uint8Array(Buffer.from(body)),
  contentType: 'application/json',
  receivedAt: context.now(),
});
const product = fixture('product-updated.json');
const variation = fixture('product-updated-variation.json');
const edit = (body: string, fields: Record<string, unknown>) =>
  JSON.stringify({ ...JSON.parse(body), ...fields });

describe('WooCommerce stock reports (product webhooks)', () => {
  it('normalizes a product to no order, saying the stock sync applies it', () => {
    expect(woocommerce.normalize(stored(product), context)).toEqual({
      orders: [],
      ignored: 'product.updated: the stock of SKU SEEDS-1, applied by the stock sync',
    });
  });

  it('reports the SKU, its stock quantity and when it changed (date_modified_gmt, in UTC)', () => {
    expect(woocommerce.stockReports!(stored(product))).toEqual([
      { sku: 'SEEDS-1', available: 140, at: '2026-11-20T10:58:41Z' },
    ]);
    expect(woocommerce.stockReports!(stored(product, 'product.created'))).toEqual([
      { sku: 'SEEDS-1', available: 140, at: '2026-11-20T10:58:41Z' },
    ]);
  });

  it('reads a variation (sent through product.updated) the same way, by its own SKU', () => {
    expect(woocommerce.normalize(stored(variation), context).ignored).toBe(
      'product.updated: the stock of SKU TROWEL-L, applied by the stock sync',
    );
    expect(woocommerce.stockReports!(stored(variation))).toEqual([
      { sku: 'TROWEL-L', available: 0, at: '2026-11-20T11:03:17Z' },
    ]);
  });

  it('reports nothing for a product whose stock is not managed, or a variation sharing its product’s', () => {
    const unmanaged = stored(fixture('product-updated-unmanaged.json'), 'product.created');
    expect(woocommerce.stockReports!(unmanaged)).toBeUndefined();
    expect(woocommerce.normalize(unmanaged, context).ignored).toBe(
      'product.created: product 2330 does not manage its stock: no figure to apply',
    );
    const shared = stored(edit(variation, { manage_stock: 'parent', stock_quantity: 12 }));
    expect(woocommerce.stockReports!(shared)).toBeUndefined();
    expect(woocommerce.normalize(shared, context).ignored).toMatch(
      /variation 2411 of product 2409 shares its product's stock/,
    );
  });

  it('reports nothing for a product without a SKU, or without a quantity', () => {
    for (const sku of ['', '  ', null]) {
      expect(woocommerce.stockReports!(stored(edit(product, { sku })))).toBeUndefined();
    }
    expect(woocommerce.normalize(stored(edit(product, { sku: '' })), context).ignored).toMatch(/has no SKU/);
    expect(woocommerce.stockReports!(stored(edit(product, { stock_quantity: null })))).toBeUndefined();
  });

  it('reports an oversold (backordered) figure as WooCommerce shows it, and no time when it has none', () => {
    const backordered = edit(product, { stock_quantity: -3, date_modified_gmt: null });
    expect(woocommerce.stockReports!(stored(backordered))).toEqual([{ sku: 'SEEDS-1', available: -3 }]);
  });

  it('reports nothing for other topics, and for a body that is not a product (normalize made it an exception)', () => {
    expect(woocommerce.stockReports!(stored(product, 'product.deleted'))).toBeUndefined();
    expect(woocommerce.stockReports!(stored(fixture('order-created.json'), 'order.created'))).toBeUndefined();
    expect(woocommerce.stockReports!(stored('{"id": 2317, "sku": '))).toBeUndefined();
    expect(() => woocommerce.normalize(stored('{"sku": "SEEDS-1"}'), context)).toThrow(
      /not a WooCommerce product/,
    );
  });

  it('keys a product state apart from an order’s, and two stock changes apart', () => {
    const key = (body: string, topic = 'product.updated') =>
      woocommerce.webhook!.dedupeKey({ ...stored(body, topic), method: 'POST', path: '/' }, context);
    expect(key(product)).toMatch(/^product:2317@2026-11-20T10:58:41#[0-9a-f]{16}$/);
    expect(key(product)).toBe(
      woocommerce.webhook!.dedupeKey(
        { ...stored(product, 'product.updated', 'd-2'), method: 'POST', path: '/' },
        context,
      ),
    );
    // Two changes saved within one second differ in their body.
    expect(key(edit(product, { stock_quantity: 139 }))).not.toBe(key(edit(product, { stock_quantity: 138 })));
    expect(key(fixture('order-created.json'), 'order.created')).toMatch(/^order:/);
  });
});
