import {
  type AnyConnector,
  applyMovement,
  type Connection,
  defineConnector,
  type Sql,
  type StockFigure,
} from '@switchyard/core';
import { testConnector } from '@switchyard/core/testing';
import { ChannelStock, shownQuantity } from '@switchyard/mappings';
import { type ChannelStockPlan, startStockPusher } from '@switchyard/workflows';
import { LOCATION_IDS, seeded } from './inventory-routing.ts';

/**
 * Coalescing of channel stock pushes (issue 13, "Speed"): bursts of stock changes, each a real `applyMovement`
 * in its own transaction, while the hub's stock pusher (workflows/src/stock-pusher.ts) runs with its defaults
 * against an in-process channel that counts what it is sent. Reports pushes against changes, and how long
 * after the burst the last figure landed (and that it is the true one).
 */

/** What the channel was sent since the last reset. */
const tally = {
  calls: 0,
  figures: 0,
  /** The last figure per SKU, and how many figures each SKU got. */
  last: new Map<string, number>(),
  perSku: new Map<string, number>(),
  lastAt: 0,
  /** When each call came (performance.now()). */
  at: [] as number[],
  reset() {
    this.at = [];
    this.calls = 0;
    this.figures = 0;
    this.last.clear();
    this.perSku.clear();
    this.lastAt = 0;
  },
};

// The settings and secrets schemas (both empty) are borrowed from core's test connector: this package does
// not depend on zod itself.
const { settings, secrets } = testConnector().connector;

/**
 * A benchmark harness, not a vendor fake: a channel in this process whose `pushStock` (capability
 * inventory.push) takes every figure at once and only counts, so what is measured is the hub's side (the
 * queue, the claim, the figures read, what was told recorded), not a vendor's latency.
 */
export const benchChannel = defineConnector({
  id: 'bench-stock',
  title: 'Inventory bench channel (counts stock pushes)',
  capabilities: ['inventory.push'],
  settings,
  secrets,
  normalize: () => ({ orders: [], ignored: 'the inventory bench channel sends no orders' }),
  actions: {
    async pushStock(_context, { figures }: { figures: StockFigure[] }) {
      tally.calls++;
      tally.figures += figures.length;
      tally.lastAt = performance.now();
      tally.at.push(tally.lastAt);
      for (const f of figures) {
        tally.last.set(f.sku, f.quantity);
        tally.perSku.set(f.sku, (tally.perSku.get(f.sku) ?? 0) + 1);
      }
      return figures.map((f) => ({ sku: f.sku, status: 'set' as const }));
    },
  },
}) as unknown as AnyConnector;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (v: number, digits = 1) => Number(v.toFixed(digits));

/** The pusher's timing, the hub's defaults (server/src/workflows.ts passes none). */
const PUSHER = { everyMs: 500, settleMs: 200, maxWaitMs: 2000 };

/**
 * The bursts, with the pusher running throughout: 1,000 receipts of one unit to one SKU one after another (one
 * connection), the same with 16 at once, then 10,000 over 1,000 SKUs (ten each, in random order) with 16 at
 * once. `sql` is the hub's pool (the pusher's), `writers` the pool the changes are written through.
 */
export async function coalescingBench(
  sql: Sql,
  writers: Sql,
  options: { tenantId: string; connectionId: string; oneSku: number; manySkus: number; perSku: number },
) {
  const { tenantId, connectionId } = options;
  // The channel shows one figure per product, all ten locations summed, 90 % of it (a buffer, as merchants set).
  const plan: ChannelStockPlan = {
    ...ChannelStock.parse({ locations: [{ from: LOCATION_IDS }], buffer: { percent: 90 } }),
    connectionId,
    tenantId,
  };
  const connection: Connection = {
    id: connectionId,
    tenantId,
    connector: benchChannel,
    settings: benchChannel.settings.parse({}),
    secrets: benchChannel.secrets.parse({}),
  };
  const reports = { pushes: 0, changes: 0, failed: 0 };
  const errors: string[] = [];
  const pusher = startStockPusher({
    sql,
    connections: new Map([[connectionId, connection]]),
    channels: new Map([[connectionId, plan]]),
    log: {
      info: () => {},
      warn: (message) => errors.push(message),
      error: (message) => errors.push(message),
    },
    ...PUSHER,
    onPush: (r) => {
      reports.pushes++;
      reports.changes += r.changes;
      if (r.outcome === 'failed') reports.failed++;
    },
  });

  /** The figure the channel should show now, from the ledger. */
  const trueFigures = async (skus: string[]) => {
    const rows = await sql<{ sku: string; available: string }[]>`
      select sku, sum(greatest(on_hand - reserved - safety_stock, 0)) as available from stock_levels
      where tenant_id = ${tenantId} and sku = any(${sql.array(skus)}::text[]) group by sku`;
    return new Map(rows.map((r) => [r.sku, shownQuantity(Number(r.available), plan.buffer)]));
  };

  const burst = async (name: string, changes: { sku: string; locationId: string }[], concurrency: number) => {
    await until(sql, 'no SKU left due from before', 30_000);
    tally.reset();
    reports.pushes = 0;
    reports.changes = 0;
    const began = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < changes.length) {
          const i = next++;
          const { sku, locationId } = changes[i]!;
          await writers.begin((tx) =>
            applyMovement(tx, {
              tenantId,
              sku,
              locationId,
              kind: 'receipt',
              quantity: 1,
              reason: 'inventory bench burst',
              idempotencyKey: `${name}:${i}`,
            }),
          );
        }
      }),
    );
    const written = performance.now();
    await until(sql, `the ${name} burst to be pushed`, 60_000);
    const drained = performance.now();
    const skus = [...new Set(changes.map((c) => c.sku))];
    const truth = await trueFigures(skus);
    const stale = skus.filter((sku) => tally.last.get(sku) !== truth.get(sku));
    const perSku = skus.map((sku) => tally.perSku.get(sku) ?? 0);
    return {
      changes: changes.length,
      skus: skus.length,
      writers: concurrency,
      writeSeconds: round((written - began) / 1000, 2),
      changesPerSecond: Math.round(changes.length / ((written - began) / 1000)),
      pushCalls: tally.calls,
      figuresPushed: tally.figures,
      figuresPerSku: { min: Math.min(...perSku), max: Math.max(...perSku) },
      ratioPushCallsToChanges: Number((tally.calls / changes.length).toFixed(4)),
      ratioFiguresToChanges: Number((tally.figures / changes.length).toFixed(4)),
      changesPerPushCall: round(changes.length / Math.max(1, tally.calls)),
      // The pusher's onPush `changes`: a SKU pushed while it kept changing keeps its counter, so the changes
      // behind an earlier push are counted again by the next one (more than were made).
      changesReportedByPusher: reports.changes,
      ...(skus.length === 1 ? { pushesAtMs: tally.at.map((t) => Math.round(t - began)) } : {}),
      lastFigureAfterBurstMs: Math.round(tally.lastAt - written),
      lastFigureAfterFirstChangeMs: Math.round(tally.lastAt - began),
      queueEmptyAfterBurstMs: Math.round(drained - written),
      lastFiguresTrue: stale.length === 0,
      ...(stale.length ? { staleSkus: stale.slice(0, 5) } : {}),
    };
  };

  try {
    const one = (sku: string) =>
      Array.from({ length: options.oneSku }, (_, i) => ({ sku, locationId: LOCATION_IDS[i % 3]! }));
    const sequential = await burst('one-sku-sequential', one('BURST-SEQ'), 1);
    const concurrent = await burst('one-sku-concurrent', one('BURST-CONC'), 16);
    const random = seeded(7);
    const many = Array.from({ length: options.manySkus * options.perSku }, (_, i) => ({
      sku: `BURST-${String(i % options.manySkus).padStart(4, '0')}`,
      locationId: LOCATION_IDS[Math.floor(random() * 5)]!,
    }));
    for (let i = many.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [many[i], many[j]] = [many[j]!, many[i]!];
    }
    const manySkus = await burst('many-skus', many, 16);
    return {
      pusher: { ...PUSHER, skusPerTurn: 100, channelFigures: 'one per SKU, 10 locations summed, 90 %' },
      oneSkuSequential: sequential,
      oneSkuConcurrent: concurrent,
      manySkus,
      failedPushes: reports.failed,
      pusherComplaints: errors.length,
    };
  } finally {
    await pusher.stop();
  }
}

/** Waits until the stock_change_log queue is empty (every due SKU pushed and finished). */
async function until(sql: Sql, what: string, timeoutMs: number) {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const [row] = await sql<{ n: number }[]>`select count(*)::int as n from stock_change_log`;
    if (!row?.n) return;
    if (performance.now() > deadline) throw new Error(`gave up waiting for ${what}: ${row.n} SKUs still due`);
    await sleep(10);
  }
}
