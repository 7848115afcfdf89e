import {
  type AnyConnector,
  applyMovements,
  type Connection,
  defineConnector,
  type Loop,
  type ResolvedConfig,
  SecretBox,
  type StockFigure,
  serverLimits,
  syncConfig,
} from '@switchyard/core';
import { createTestDatabase, type TestDatabase } from '@switchyard/core/testing';
import { ChannelStock } from '@switchyard/mappings';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startStockPusher } from './stock-pusher.ts';

/**
 * A channel that caps how often one listing may change (eBay: 250 a day) gets one SKU's figures spaced by the
 * cap, the changes in between coalesced into the next push, and the last figure always arrives.
 */
const SPACING_MS = 600;
const pushes: { to: string; at: number; figures: StockFigure[] }[] = [];
const shop = (id: string, cap?: number) =>
  defineConnector({
    id,
    title: id,
    capabilities: ['inventory.push'],
    settings: z.object({}),
    secrets: z.object({}),
    ...(cap ? { stockPushLimit: { perSkuPerDay: cap } } : {}),
    normalize: () => ({ orders: [] }),
    actions: {
      async pushStock(_c, { figures }) {
        pushes.push({ to: id, at: Date.now(), figures });
        return figures.map((f) => ({ sku: f.sku, status: 'set' as const }));
      },
    },
  }) as unknown as AnyConnector;
const warnings: { message: string; fields?: Record<string, unknown> }[] = [];
const picky = defineConnector({
  id: 'picky-shop',
  title: 'Picky',
  capabilities: ['inventory.push'],
  settings: z.object({}),
  secrets: z.object({}),
  normalize: () => ({ orders: [] }),
  actions: {
    async pushStock(_c, { figures }) {
      pushes.push({ to: 'picky-shop', at: Date.now(), figures });
      return figures.map((f) =>
        f.quantity > 100
          ? { sku: f.sku, status: 'refused' as const, reason: 'above the listing’s maximum of 100' }
          : { sku: f.sku, status: 'set' as const },
      );
    },
  },
}) as unknown as AnyConnector;
const capped = shop('capped-shop', 86_400_000 / SPACING_MS);
const free = shop('free-shop');
const to = (id: string) => pushes.filter((p) => p.to === id);

let db: TestDatabase;
let pusher: Loop;
const log = {
  info() {},
  warn: (message: string, fields?: Record<string, unknown>) => warnings.push({ message, fields }),
  error() {},
};

beforeAll(async () => {
  db = await createTestDatabase();
  const config: ResolvedConfig = {
    tenants: [{ id: 'acme', name: 'Acme' }],
    connections: ['capped', 'free', 'picky'].map((id) => ({
      id,
      tenantId: 'acme',
      connector: `${id}-shop`,
      settings: {},
      secrets: {},
      defaultedEnv: [],
    })),
    server: serverLimits(),
  };
  await syncConfig(db.sql, config, SecretBox.fromString(SecretBox.generateKey()));
  const connection = (id: string, connector: AnyConnector): Connection => ({
    id,
    tenantId: 'acme',
    connector,
    settings: {},
    secrets: {},
  });
  pusher = startStockPusher({
    sql: db.sql,
    connections: new Map([
      ['capped', connection('capped', capped)],
      ['free', connection('free', free)],
      ['picky', connection('picky', picky)],
    ]),
    channels: new Map(
      ['capped', 'free', 'picky'].map((id) => [
        id,
        { ...ChannelStock.parse({ locations: [{ from: ['wh'] }] }), connectionId: id, tenantId: 'acme' },
      ]),
    ),
    log,
    everyMs: 20,
    settleMs: 10,
    maxWaitMs: 50,
  });
});
afterAll(async () => {
  await pusher?.stop();
  await db?.drop();
});

const receive = (n: number, key: string) =>
  applyMovements(db.sql, [
    { tenantId: 'acme', sku: 'CAP-1', locationId: 'wh', kind: 'receipt', quantity: n, idempotencyKey: key },
  ]);

async function until(check: () => boolean, ms = 5_000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out: ${JSON.stringify(pushes)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('stock pushes to a channel with a per-listing cap', () => {
  it('spaces one SKU’s pushes to the capped channel, coalescing between them, without holding up the others', async () => {
    await receive(5, 'r1');
    await until(() => to('capped-shop').length === 1 && to('free-shop').length === 1);
    const first = to('capped-shop')[0]!.at;
    // Four changes right after the first push: the uncapped channel gets each as it settles; the capped one waits
    // for the SKU's turn and then gets the last figure once.
    for (let i = 2; i <= 5; i++) {
      await receive(1, `r${i}`);
      await until(() => to('free-shop').at(-1)!.figures[0]!.quantity === 4 + i, 1_000);
    }
    expect(Date.now() - first).toBeLessThan(SPACING_MS);
    expect(to('capped-shop')).toHaveLength(1);
    await until(() => to('capped-shop').length === 2);
    expect(to('capped-shop')[1]!.at - first).toBeGreaterThanOrEqual(SPACING_MS - 50);
    expect(to('capped-shop').map((p) => p.figures)).toEqual([
      [{ sku: 'CAP-1', quantity: 5 }],
      [{ sku: 'CAP-1', quantity: 9 }],
    ]);
    expect(to('free-shop').map((p) => p.figures[0]!.quantity)).toEqual([5, 6, 7, 8, 9]);
    // Nothing more is due: no third push of the same figure, to either.
    await new Promise((r) => setTimeout(r, SPACING_MS + 200));
    expect(to('capped-shop')).toHaveLength(2);
    expect(to('free-shop')).toHaveLength(5);
  });

  it('leaves a figure the channel refuses to the SKU’s next change, logged with the reason, the others set', async () => {
    const before = pushes.length;
    await applyMovements(db.sql, [
      {
        tenantId: 'acme',
        sku: 'BIG-1',
        locationId: 'wh',
        kind: 'receipt',
        quantity: 150,
        idempotencyKey: 'big-1',
      },
    ]);
    await until(() => pushes.slice(before).some((p) => p.to === 'picky-shop'));
    await until(() => pushes.slice(before).some((p) => p.to === 'free-shop'));
    expect(warnings).toContainEqual({
      message: expect.stringContaining('refused a stock figure'),
      fields: expect.objectContaining({
        connection: 'picky',
        sku: 'BIG-1',
        reason: 'above the listing’s maximum of 100',
      }),
    });
    // Not retried every 30 s as a failed call would be: nothing more goes to it until BIG-1 changes again.
    await new Promise((r) => setTimeout(r, 300));
    expect(pushes.slice(before).filter((p) => p.to === 'picky-shop')).toHaveLength(1);
    await applyMovements(db.sql, [
      {
        tenantId: 'acme',
        sku: 'BIG-1',
        locationId: 'wh',
        kind: 'adjustment',
        quantity: -60,
        idempotencyKey: 'big-2',
      },
    ]);
    await until(() => pushes.slice(before).filter((p) => p.to === 'picky-shop').length === 2);
    expect(
      pushes
        .slice(before)
        .filter((p) => p.to === 'picky-shop')
        .at(-1)!.figures,
    ).toEqual([{ sku: 'BIG-1', quantity: 90 }]);
  });
});
