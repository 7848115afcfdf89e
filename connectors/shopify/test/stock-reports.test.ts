import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { StoredPayload } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { STOCK_TOPIC, shopify } from '../src/index.ts';

/** inventory_levels/update: stored like any webhook, answered `ignored` by normalize, read by stockReports. */
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const fixture = (name: string) => readFileSync(here(`fixtures/${name}`), 'utf8');
const now = new Date('2026-11-20T12:00:00Z');
const shop = 'switchyard-demo.myshopify.com';
const context = {
  tenantId: 't',
  connectionId: 'c',
  settings: shopify.settings.parse({ shop }),
  secrets: shopify.secrets.parse({ clientSecret: 'shpss_test_0123456789abcdef' }),
  now: () => now,
};
const stored = (body: string, topic = STOCK_TOPIC, webhookId = 'w-1'): StoredPayload => ({
  headers: {
    'content-type': 'application/json',
    'x-shopify-topic': topic,
    'x-shopify-shop-domain': shop,
    'x-shopify-webhook-id': webhookId,
    'x-shopify-api-version': '2026-07',
  },
  body: new Uint8Array(Buffer.from(body)),
  contentType: 'application/json',
  receivedAt: now,
});
const level = fixture('inventory-levels-update.json');

describe('Shopify stock reports (inventory_levels/update)', () => {
  it('normalizes a level to no order, saying the stock sync applies it', () => {
    expect(shopify.normalize(stored(level), context)).toEqual({
      orders: [],
      ignored: 'inventory_levels/update: a stock level, applied by the stock sync',
    });
  });

  it('reports the item, the location, available and when, the ids as plain numbers', () => {
    expect(shopify.stockReports!(stored(level))).toEqual([
      {
        channelItem: '45678901234567891',
        location: '68719476736',
        available: 37,
        at: '2026-11-20T11:58:41.000Z',
      },
    ]);
  });

  it('keeps ids beyond 2^53 exact, where JSON.parse would round them', () => {
    const body = JSON.stringify({ ...JSON.parse(level), admin_graphql_api_id: undefined })
      .replace('45678901234567890', '9007199254740993')
      .replace('68719476736', '18014398509481985');
    expect(JSON.parse(body).inventory_item_id).toBe(9007199254740992);
    const [report] = shopify.stockReports!(stored(body))!;
    expect(report).toMatchObject({ channelItem: '9007199254740993', location: '18014398509481985' });
    // The item's id from the level's gid, a string, when the body has no inventory_item_id.
    const gidOnly = level.replace('"inventory_item_id": 45678901234567891,', '');
    expect(shopify.stockReports!(stored(gidOnly))![0]!.channelItem).toBe('45678901234567891');
  });

  it('reports nothing for an item no longer tracked (available null)', () => {
    const untracked = stored(fixture('inventory-levels-update-untracked.json'));
    expect(shopify.stockReports!(untracked)).toBeUndefined();
    expect(shopify.normalize(untracked, context).ignored).toMatch(/no longer tracked/);
  });

  it('reports zero and oversold figures as Shopify shows them', () => {
    const oversold = level.replace('"available": 37', '"available": -2');
    expect(shopify.stockReports!(stored(oversold))![0]!.available).toBe(-2);
    const none = level.replace('"available": 37', '"available": 0');
    expect(shopify.stockReports!(stored(none))![0]!.available).toBe(0);
  });

  it('reports nothing for other topics, and for a body that is not a level (normalize made it an exception)', () => {
    expect(shopify.stockReports!(stored(fixture('refunds-create.json'), 'refunds/create'))).toBeUndefined();
    expect(shopify.stockReports!(stored(level, 'inventory_levels/connect'))).toBeUndefined();
    expect(shopify.stockReports!(stored('{"inventory_item_id": 1, "available": 4'))).toBeUndefined();
    expect(() => shopify.normalize(stored('{"available": 4}'), context)).toThrow(
      /not a Shopify inventory level: inventory_item_id is not an id; location_id is not an id/,
    );
  });

  it('leaves out a time Shopify did not give in a form it can read', () => {
    const undated = level.replace('"2026-11-20T06:58:41-05:00"', 'null');
    expect(shopify.stockReports!(stored(undated))![0]).not.toHaveProperty('at');
  });

  it('keys each change of one level apart, on its webhook id, and a retry of one change alike', () => {
    const key = (id: string) =>
      shopify.webhook!.dedupeKey({ ...stored(level, STOCK_TOPIC, id), method: 'POST', path: '/' }, context);
    expect(key('wh-1')).toBe('webhook:wh-1');
    expect(key('wh-1')).toBe(key('wh-1'));
    expect(key('wh-2')).not.toBe(key('wh-1'));
  });
});
