import type { StockFigure } from '@switchyard/core';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_VERSION, shopify } from '../src/index.ts';
import { stockKey } from '../src/stock.ts';
import { skuSearch } from '../src/stock-items.ts';
import { fakeShopify } from './fakes/index.ts';

/** Stock figures pushed to Shopify with compare-and-set, the real client in the loop against the fake. */
const shop = 'stock-demo.myshopify.com';
const token = 'shpat_stock_0123456789';
const fake = fakeShopify(shop, API_VERSION, token);
const server = setupServer(...fake.handlers);
const settings = shopify.settings.parse({ shop });
let clock = Date.parse('2026-12-01T10:00:00Z');
const context = (idempotencyKey: string, connectionId = 'shop') => ({
  tenantId: 't',
  connectionId,
  settings,
  secrets: { clientSecret: 'shpss_stock_0123456789', accessToken: token },
  now: () => new Date(clock),
  idempotencyKey,
  signal: new AbortController().signal,
});
const push = (key: string, figures: StockFigure[], connectionId?: string) =>
  shopify.actions!.pushStock!(context(key, connectionId), { figures });

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

describe('Shopify stock push', () => {
  it('sets the available quantity from the value read, under Shopify’s idempotency key', async () => {
    fake.stock.set('TEE-S', '10', 4);
    const results = await push('wf-stock:1', [{ sku: 'TEE-S', location: '10', quantity: 7 }]);
    expect(results).toEqual([
      { sku: 'TEE-S', location: '10', status: 'set', previous: 4, channelItem: fake.stock.itemOf('TEE-S') },
    ]);
    expect(fake.stock.get('TEE-S', '10')).toBe(7);
    const [write] = fake.stock.writes.slice(-1);
    expect(write).toEqual({
      key: expect.stringMatching(/^wf-stock:1:stock:10:1:[0-9a-f]{16}$/),
      reason: 'correction',
      referenceDocumentUri: expect.stringMatching(/^switchyard:\/\/stock\/SY-[0-9a-f]{10}$/),
      quantities: [
        {
          inventoryItemId: `gid://shopify/InventoryItem/${fake.stock.itemOf('TEE-S')}`,
          locationId: 'gid://shopify/Location/10',
          quantity: 7,
          changeFromQuantity: 4,
        },
      ],
      outcome: 'set',
    });
  });

  it('sets a location’s figures in one call, and writes nothing for a figure already shown', async () => {
    fake.stock.set('MUG-RED', '11', 1);
    fake.stock.set('MUG-BLUE', '11', 2);
    fake.stock.set('MUG-GREEN', '11', 5);
    const before = fake.stock.writes.length;
    const results = await push('wf-stock:2', [
      { sku: 'MUG-RED', location: '11', quantity: 0 },
      { sku: 'MUG-BLUE', location: 'gid://shopify/Location/11', quantity: 12 },
      { sku: 'MUG-GREEN', location: '11', quantity: 5 },
    ]);
    expect(results.map((r) => [r.sku, r.status, r.previous])).toEqual([
      ['MUG-RED', 'set', 1],
      ['MUG-BLUE', 'set', 2],
      ['MUG-GREEN', 'set', 5],
    ]);
    const writes = fake.stock.writes.slice(before);
    expect(writes).toHaveLength(1);
    expect(writes[0]!.quantities.map((q) => [q.quantity, q.changeFromQuantity])).toEqual([
      [0, 1],
      [12, 2],
    ]);
    expect([fake.stock.get('MUG-RED', '11'), fake.stock.get('MUG-BLUE', '11')]).toEqual([0, 12]);
    // The step again (a retry after a crash): every figure is shown already, nothing is written.
    await push('wf-stock:2', [{ sku: 'MUG-RED', location: '11', quantity: 0 }]);
    expect(fake.stock.writes.slice(before)).toHaveLength(1);
  });

  it('reads again and sets again when the figure changed between its read and the write', async () => {
    fake.stock.set('CAP-1', '12', 8);
    let sold = false;
    fake.stock.beforeWrite = () => {
      // A sale in the shop between the hub's read and its write.
      if (!sold) fake.stock.set('CAP-1', '12', 7);
      sold = true;
    };
    const before = fake.stock.writes.length;
    const [result] = await push('wf-stock:3', [{ sku: 'CAP-1', location: '12', quantity: 20 }]);
    fake.stock.beforeWrite = undefined;
    expect(result).toMatchObject({ status: 'set', previous: 7 });
    expect(fake.stock.get('CAP-1', '12')).toBe(20);
    const writes = fake.stock.writes.slice(before);
    expect(writes.map((w) => [w.outcome, w.quantities[0]!.changeFromQuantity])).toEqual([
      ['stale', 8],
      ['set', 7],
    ]);
    // Another attempt is another operation: another key.
    expect(writes[0]!.key).not.toBe(writes[1]!.key);
    expect(writes[1]!.key).toMatch(/^wf-stock:3:stock:12:2:/);
  });

  it('gives up after five stale answers, saying why', async () => {
    fake.stock.set('CAP-2', '12', 1);
    fake.stock.beforeWrite = () => fake.stock.set('CAP-2', '12', (fake.stock.get('CAP-2', '12') ?? 0) + 1);
    await expect(push('wf-stock:4', [{ sku: 'CAP-2', location: '12', quantity: 50 }])).rejects.toThrow(
      /available stock of SKU CAP-2 at location 12 changed between each read and write \(5 tries\)/,
    );
    fake.stock.beforeWrite = undefined;
    expect(fake.stock.writes.filter((w) => w.key.startsWith('wf-stock:4:')).map((w) => w.outcome)).toEqual(
      Array(5).fill('stale'),
    );
  });

  it('answers unknown-sku for a SKU no variant has, near misses included, and writes nothing', async () => {
    fake.stock.set('SOCK-BLACK-42', '10', 3);
    const before = fake.stock.writes.length;
    const results = await push('wf-stock:5', [
      { sku: 'SOCK-BLACK', location: '10', quantity: 1 },
      { sku: 'NOPE-1', location: '10', quantity: 1 },
    ]);
    expect(results).toEqual([
      { sku: 'SOCK-BLACK', location: '10', status: 'unknown-sku' },
      { sku: 'NOPE-1', location: '10', status: 'unknown-sku' },
    ]);
    expect(fake.stock.writes.length).toBe(before);
    expect(fake.stock.get('SOCK-BLACK-42', '10')).toBe(3);
  });

  it('follows the search past pages of near misses to a short SKU’s exact match, for a few pages at most', async () => {
    // Sixty SKUs containing "AB" first: the exact one comes on the second page of fifty.
    for (let i = 0; i < 60; i++) fake.stock.addVariant(`AB-${i}`);
    fake.stock.set('AB', '10', 1);
    const asked = (sku: string) => fake.stock.lookups.filter((q) => q === skuSearch(sku)).length;
    const [found] = await push('wf-stock:16', [{ sku: 'AB', location: '10', quantity: 5 }]);
    expect(found).toEqual({
      sku: 'AB',
      location: '10',
      status: 'set',
      previous: 1,
      channelItem: fake.stock.itemOf('AB'),
    });
    expect(fake.stock.get('AB', '10')).toBe(5);
    expect(asked('AB')).toBe(2);
    // Two hundred near misses and no exact match: four pages read, then unknown.
    for (let i = 0; i < 250; i++) fake.stock.addVariant(`CD-${i}`);
    const [unknown] = await push('wf-stock:17', [{ sku: 'CD', location: '10', quantity: 5 }]);
    expect(unknown).toEqual({ sku: 'CD', location: '10', status: 'unknown-sku' });
    expect(asked('CD')).toBe(4);
  });

  it('repeats a set whose answer was lost under the same key: Shopify replays it', async () => {
    fake.stock.set('BAG-1', '13', 2);
    fake.loseAnswer.add('SwitchyardStockSet');
    const before = fake.stock.writes.length;
    const [result] = await push('wf-stock:6', [{ sku: 'BAG-1', location: '13', quantity: 6 }]);
    expect(result).toMatchObject({ status: 'set', previous: 2 });
    const writes = fake.stock.writes.slice(before);
    expect(writes.map((w) => w.outcome)).toEqual(['set', 'replayed']);
    expect(writes[0]!.key).toBe(writes[1]!.key);
    expect(fake.stock.get('BAG-1', '13')).toBe(6);
  });

  it('remembers a SKU’s inventory item for ten minutes, per connection', async () => {
    fake.stock.set('HAT-9', '10', 0);
    const asked = () => fake.stock.lookups.filter((q) => q === skuSearch('HAT-9')).length;
    await push('wf-stock:7', [{ sku: 'HAT-9', location: '10', quantity: 1 }]);
    await push('wf-stock:8', [{ sku: 'HAT-9', location: '10', quantity: 2 }]);
    expect(asked()).toBe(1);
    await push('wf-stock:8', [{ sku: 'HAT-9', location: '10', quantity: 2 }], 'other-shop-connection');
    expect(asked()).toBe(2);
    clock += 11 * 60_000;
    await push('wf-stock:9', [{ sku: 'HAT-9', location: '10', quantity: 3 }]);
    expect(asked()).toBe(3);
    expect(fake.stock.get('HAT-9', '10')).toBe(3);
  });

  it('looks a SKU up again when its remembered inventory item is gone (the variant was recreated)', async () => {
    fake.stock.set('KIT-1', '10', 1);
    await push('wf-stock:13', [{ sku: 'KIT-1', location: '10', quantity: 2 }]);
    const old = fake.stock.itemOf('KIT-1');
    fake.stock.variants = fake.stock.variants.filter((v) => v.sku !== 'KIT-1');
    fake.stock.set('KIT-1', '10', 0);
    fake.stock.set('GONE-1', '10', 0);
    await push('wf-stock:14', [{ sku: 'GONE-1', location: '10', quantity: 1 }]);
    fake.stock.variants = fake.stock.variants.filter((v) => v.sku !== 'GONE-1');
    const results = await push('wf-stock:15', [
      { sku: 'KIT-1', location: '10', quantity: 4 },
      { sku: 'GONE-1', location: '10', quantity: 4 },
    ]);
    expect(fake.stock.itemOf('KIT-1')).not.toBe(old);
    expect(results).toEqual([
      { sku: 'KIT-1', location: '10', status: 'set', previous: 0, channelItem: fake.stock.itemOf('KIT-1') },
      { sku: 'GONE-1', location: '10', status: 'unknown-sku' },
    ]);
    expect(fake.stock.get('KIT-1', '10')).toBe(4);
  });

  it('sets what it can, then names a SKU shared by variants', async () => {
    fake.stock.set('PIN-1', '14', 1);
    fake.stock.set('TWIN-1', '14', 1);
    fake.stock.addVariant('TWIN-1');
    await expect(
      push('wf-stock:10', [
        { sku: 'TWIN-1', location: '14', quantity: 3 },
        { sku: 'PIN-1', location: '14', quantity: 9 },
      ]),
    ).rejects.toThrow(/Shopify took the other stock figures but not these: SKU TWIN-1 is on 2 variants/);
    expect(fake.stock.get('PIN-1', '14')).toBe(9);
  });

  it('reports an item not stocked at the location, and stocks it nowhere new', async () => {
    fake.stock.set('NEAR-1', '14', 1);
    fake.stock.addVariant('LOOSE-1');
    expect(
      await push('wf-stock:12', [
        { sku: 'LOOSE-1', location: '14', quantity: 3 },
        { sku: 'NEAR-1', location: '14', quantity: 2 },
      ]),
    ).toMatchObject([
      { sku: 'LOOSE-1', location: '14', status: 'not-stocked' },
      { sku: 'NEAR-1', location: '14', status: 'set', previous: 1 },
    ]);
    expect(fake.stock.get('LOOSE-1', '14')).toBeUndefined();
  });

  it('refuses a figure without a location: Shopify keeps stock per location', async () => {
    await expect(push('wf-stock:11', [{ sku: 'TEE-S', quantity: 1 }])).rejects.toThrow(
      /Shopify keeps stock per location, and the figures for SKU TEE-S name none/,
    );
  });

  it('names the scopes a refused token lacks', async () => {
    fake.deny = true;
    try {
      await expect(push('wf-stock:12', [{ sku: 'TEE-S', location: '10', quantity: 1 }])).rejects.toThrow(
        /read_inventory, write_inventory and read_products/,
      );
    } finally {
      fake.deny = false;
    }
  });

  it('keeps Shopify’s idempotency key within 255 characters', () => {
    const key = stockKey('wf:'.padEnd(400, 'x'), 'gid://shopify/Location/64183845051', 5, [{ a: 1 }]);
    expect(key.length).toBeLessThanOrEqual(255);
    expect(stockKey('k', '1', 1, [{ a: 1 }])).not.toBe(stockKey('k', '1', 1, [{ a: 2 }]));
  });

  it('escapes quotes and backslashes in the SKU search', () => {
    expect(skuSearch('A"B\\C')).toBe('sku:"A\\"B\\\\C"');
  });
});

describe('the fake’s inventorySetQuantities', () => {
  it('refuses to run without @idempotent, as Shopify does since 2026-04', async () => {
    const answer = await fetch(`https://${shop}/admin/api/${API_VERSION}/graphql.json`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-shopify-access-token': token },
      body: JSON.stringify({
        query: `mutation SwitchyardStockSet($input: InventorySetQuantitiesInput!) {
          inventorySetQuantities(input: $input) { userErrors { field message code } } }`,
        variables: { input: { name: 'available', reason: 'correction', quantities: [] } },
      }),
    });
    expect(await answer.json()).toEqual({
      errors: [{ message: 'The @idempotent directive is required for this mutation.' }],
    });
  });
});
