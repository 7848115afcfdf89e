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
const pushes: { at: number; figures: StockFigure[] }[] = [];
const capped = defineConnector({
  id: 'capped-shop',
  title: 'Capped Shop',
  capabilities: ['inventory.push'],
  settings: z.object({}),
  secrets: z.object({}),
  stockPushLimit: { perSkuPerDay: 86_400_000 / SPACING_MS },
  normalize: () => ({ orders: [] }),
  actions: {
    async pushStock(_c, { figures }) {
      pushes.push({ at: Date.now(), figures });
      return figures.map((f) => ({ sku: f.sku, status: 'set' as const }));
    },
  },
}) as unknown as AnyConnector;

let db: TestDatabase;
let pusher: Loop;
const log = { info() {}, warn() {}, error() {} };

beforeAll(async () => {
  db = await createTestDatabase();
  const config: ResolvedConfig = {
    tenants: [{ id: 'acme', name: 'Acme' }],
    connections: [
      {
        id: 'capped',
        tenantId: 'acme',
        connector: 'capped-shop',
        settings: {},
        secrets: {},
        defaultedEnv: [],
      },
    ],
    server: serverLimits(),
  };
  await syncConfig(db.sql, config, SecretBox.fromString(SecretBox.generateKey()));
  const connection: Connection = {
    id: 'capped',
    tenantId: 'acme',
    connector: capped,
    settings: {},
    secrets: {},
  };
  pusher = startStockPusher({
    sql: db.sql,
    connections: new Map([['capped', connection]]),
    channels: new Map([
      [
        'capped',
        {
          ...ChannelStock.parse({ locations: [{ from: ['wh'] }] }),
          connectionId: 'capped',
          tenantId: 'acme',
        },
      ],
    ]),
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
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('stock pushes to a channel with a per-listing cap', () => {
  it('spaces one SKU’s pushes by the cap and coalesces what changed between them', async () => {
    await receive(5, 'r1');
    await until(() => pushes.length === 1);
    // Four changes right after the first push: they wait for the SKU's turn, then go as one figure.
    for (let i = 2; i <= 5; i++) {
      await receive(1, `r${i}`);
      await new Promise((r) => setTimeout(r, 30));
    }
    await until(() => pushes.length === 2);
    expect(pushes[1]!.at - pushes[0]!.at).toBeGreaterThanOrEqual(SPACING_MS - 50);
    expect(pushes.map((p) => p.figures)).toEqual([
      [{ sku: 'CAP-1', quantity: 5 }],
      [{ sku: 'CAP-1', quantity: 9 }],
    ]);
    // Nothing more is due: no third push of the same figure.
    await new Promise((r) => setTimeout(r, SPACING_MS + 200));
    expect(pushes).toHaveLength(2);
  });
});
