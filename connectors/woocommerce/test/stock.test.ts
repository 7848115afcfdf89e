import type { StockFigure } from '@switchyard/core';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { woocommerce } from '../src/index.ts';
import { fakeWooCommerce } from './fakes/woocommerce.ts';

/** Stock figures set on WooCommerce products and variations, the real REST client in the loop. */
const siteUrl = 'https://woo-stock.example.com';
const keys = { consumerKey: 'ck_stock_12345', consumerSecret: 'cs_stock_12345' };
const fake = fakeWooCommerce(siteUrl, keys.consumerKey, keys.consumerSecret);
const server = setupServer(...fake.handlers);
const settings = woocommerce.settings.parse({ siteUrl, requestsPerSecond: 50 });
let clock = Date.parse('2026-12-01T10:00:00Z');
const context = (idempotencyKey: string) => ({
  tenantId: 't',
  connectionId: 'woo',
  settings,
  secrets: { webhookSecret: 'x', ...keys },
  now: () => new Date(clock),
  idempotencyKey,
  signal: new AbortController().signal,
});
const push = (key: string, figures: StockFigure[]) =>
  woocommerce.actions!.pushStock!(context(key), { figures });

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

describe('WooCommerce stock push', () => {
  it('sets a simple product’s stock, managing it, and reports what it showed', async () => {
    const id = fake.stock.addProduct('SEEDS-1', 4);
    const results = await push('wf:stock-1', [{ sku: 'SEEDS-1', quantity: 9 }]);
    expect(results).toEqual([{ sku: 'SEEDS-1', status: 'set', previous: 4, channelItem: String(id) }]);
    expect(fake.stock.get('SEEDS-1')).toBe(9);
    expect(fake.stock.writes.at(-1)).toEqual({
      path: `products/${id}`,
      body: { manage_stock: true, stock_quantity: 9 },
    });
  });

  it('sets a variation through its own endpoint', async () => {
    const { productId, variationId } = fake.stock.addVariation('TEE-M', 2);
    const [result] = await push('wf:stock-2', [{ sku: 'TEE-M', location: 'ignored', quantity: 0 }]);
    expect(result).toEqual({
      sku: 'TEE-M',
      location: 'ignored',
      status: 'set',
      previous: 2,
      channelItem: String(variationId),
    });
    expect(fake.stock.writes.at(-1)!.path).toBe(`products/${productId}/variations/${variationId}`);
    expect(fake.stock.products.find((p) => p.id === variationId)).toMatchObject({
      stock_quantity: 0,
      stock_status: 'outofstock',
      manage_stock: true,
    });
  });

  it('turns stock management on for a product that had none (nothing to report as previous)', async () => {
    const { variationId } = fake.stock.addVariation('TEE-L');
    const [result] = await push('wf:stock-3', [{ sku: 'TEE-L', quantity: 5 }]);
    expect(result).toEqual({ sku: 'TEE-L', status: 'set', channelItem: String(variationId) });
    expect(fake.stock.get('TEE-L')).toBe(5);
  });

  it('sets a variation whose product keeps its stock on the product, leaving manage_stock as the shop has it', async () => {
    const { productId, variationId } = fake.stock.addVariation('TEE-XL');
    const parent = fake.stock.products.find((p) => p.id === productId)!;
    Object.assign(parent, { manage_stock: true, stock_quantity: 6 });
    const before = fake.stock.writes.length;
    const [result] = await push('wf:stock-11', [{ sku: 'TEE-XL', quantity: 8 }]);
    expect(result).toEqual({ sku: 'TEE-XL', status: 'set', previous: 6, channelItem: String(variationId) });
    expect(fake.stock.writes.slice(before)).toEqual([
      { path: `products/${productId}`, body: { stock_quantity: 8 } },
    ]);
    expect(parent).toMatchObject({ manage_stock: true, stock_quantity: 8 });
    expect(fake.stock.products.find((p) => p.id === variationId)).toMatchObject({
      manage_stock: false,
      stock_quantity: null,
    });
    expect(fake.stock.get('TEE-XL')).toBe(8);
    // The product's figure shown already (the variation read again by its id): nothing written.
    const [again] = await push('wf:stock-12', [{ sku: 'TEE-XL', quantity: 8 }]);
    expect(again).toMatchObject({ status: 'set', previous: 8 });
    expect(fake.stock.writes.length).toBe(before + 1);
  });

  it('writes nothing for a figure already shown, and nothing at all for an unknown SKU', async () => {
    fake.stock.addProduct('MUG-2', 3);
    fake.stock.addProduct('SOCK-BLACK-42', 1);
    const before = fake.stock.writes.length;
    const results = await push('wf:stock-4', [
      { sku: 'MUG-2', quantity: 3 },
      { sku: 'SOCK-BLACK', quantity: 1 },
      { sku: 'NOPE,MUG-2', quantity: 1 },
    ]);
    expect(results.map((r) => [r.sku, r.status, r.previous])).toEqual([
      ['MUG-2', 'set', 3],
      ['SOCK-BLACK', 'unknown-sku', undefined],
      ['NOPE,MUG-2', 'unknown-sku', undefined],
    ]);
    expect(fake.stock.writes.length).toBe(before);
    expect(fake.stock.get('SOCK-BLACK-42')).toBe(1);
  });

  it('remembers where a SKU lives for ten minutes, and looks again when it moved', async () => {
    const id = fake.stock.addProduct('HAT-1', 1);
    const asked = () => fake.stock.lookups.filter((s) => s === 'HAT-1').length;
    await push('wf:stock-5', [{ sku: 'HAT-1', quantity: 2 }]);
    await push('wf:stock-6', [{ sku: 'HAT-1', quantity: 3 }]);
    expect(asked()).toBe(1);
    // The SKU moves to another product (the first one renamed in the admin): looked up again at once.
    fake.stock.products.find((p) => p.id === id)!.sku = 'HAT-1-OLD';
    const moved = fake.stock.addProduct('HAT-1', 0);
    const [result] = await push('wf:stock-7', [{ sku: 'HAT-1', quantity: 4 }]);
    expect(result).toMatchObject({ status: 'set', previous: 0, channelItem: String(moved) });
    expect(asked()).toBe(2);
    clock += 11 * 60_000;
    await push('wf:stock-8', [{ sku: 'HAT-1', quantity: 5 }]);
    expect(asked()).toBe(3);
    expect(fake.stock.get('HAT-1')).toBe(5);
    expect(fake.stock.get('HAT-1-OLD')).toBe(3);
  });

  it('names a SKU that two products share, after setting the others', async () => {
    fake.stock.addProduct('TWIN-1', 1);
    fake.stock.addProduct('TWIN-1', 1);
    fake.stock.addProduct('SOLO-1', 1);
    await expect(
      push('wf:stock-9', [
        { sku: 'TWIN-1', quantity: 2 },
        { sku: 'SOLO-1', quantity: 2 },
      ]),
    ).rejects.toThrow(/WooCommerce took the other stock figures but not these: SKU TWIN-1 is on 2 products/);
    expect(fake.stock.get('SOLO-1')).toBe(2);
  });

  it('says plainly when the keys may not write', async () => {
    fake.deny = true;
    try {
      await expect(push('wf:stock-10', [{ sku: 'SOLO-1', quantity: 1 }])).rejects.toThrow(
        /refused the API credentials/,
      );
    } finally {
      fake.deny = false;
    }
  });
});
