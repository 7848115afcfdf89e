import { allocateStock, type Sql } from '@switchyard/core';
import {
  type BenchOrder,
  destinationOf,
  LOCATION_IDS,
  ms,
  percentile,
  ratio,
  route,
  seeded,
} from './inventory-routing.ts';

/**
 * Reservations per second (issue 13, "Speed"): `allocateStock` with the real router deciding on the figures it
 * locked, 64 orders at once on a pool of 64 connections, on one hot SKU and over 10,000 cold ones; beside it the
 * bare cost of a transaction updating one row at the same concurrency, and both one at a time.
 */

export const TENANT = 'acme';
export const CONCURRENCY = 64;
/** Allocations and baseline transactions run one at a time: the cost of one alone (what a hot row serializes). */
export const ALONE = 200;
/** Orders each scenario uses beyond its timed ones: the warm-up's and those run alone. */
export const EXTRA_ORDERS = 2 * CONCURRENCY + ALONE;

const log = (line: string) => process.stdout.write(`inventory: ${line}\n`);

/** Runs `count` calls, `concurrency` at a time: per-second rate and each call's latency. */
async function concurrently(count: number, concurrency: number, call: (i: number) => Promise<unknown>) {
  const times: number[] = [];
  let next = 0;
  const began = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const t = performance.now();
        await call(i);
        times.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - began) / 1000;
  times.sort((a, b) => a - b);
  return {
    perSecond: Math.round(count / seconds),
    seconds: Number(seconds.toFixed(2)),
    ms: { p50: ms(percentile(times, 50)), p99: ms(percentile(times, 99)) },
  };
}

/** Routes and reserves one order as the workflow's route-order step does; what it reserved and backordered. */
async function allocate(pool: Sql, orderId: string, order: BenchOrder) {
  const result = await allocateStock(pool, {
    tenantId: TENANT,
    orderId,
    key: `route:${orderId}`,
    skus: order.lines.map((l) => l.sku),
    locations: LOCATION_IDS,
    decide: (available) => route(order, available),
  });
  let reserved = 0;
  for (const s of result.shipments) for (const l of s.lines) reserved += l.quantity;
  const backordered = result.decision.backordered.reduce((n, l) => n + l.quantity, 0);
  return { outcome: result.decision.outcome, reserved, backordered };
}

/**
 * One scenario: the bare baseline (BEGIN; UPDATE one row of a 10,000-row table; COMMIT), then the allocations;
 * each after 128 untimed calls, first one at a time (ALONE), then 64 at a time. Orders [0, timed) are the
 * timed run's, then the warm-up's, then those run alone.
 */
async function scenario(
  pool: Sql,
  orders: string[],
  orderOf: (i: number) => BenchOrder,
  baselineRow: (i: number) => number,
  timed: number,
) {
  const outcomes: Record<string, number> = {};
  let units = 0;
  const counted = async (i: number) => {
    const { outcome, reserved } = await allocate(pool, orders[i]!, orderOf(i));
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    units += reserved;
  };
  const bare = (i: number) =>
    pool.begin((tx) => tx`update bench_rows set n = n + 1 where id = ${baselineRow(i)}`);
  const warm = 2 * CONCURRENCY;
  await concurrently(warm, CONCURRENCY, (i) => bare(timed + i));
  const baselineAlone = await concurrently(ALONE, 1, (i) => bare(timed + warm + i));
  const baseline = await concurrently(timed, CONCURRENCY, bare);
  await concurrently(warm, CONCURRENCY, (i) => allocate(pool, orders[timed + i]!, orderOf(timed + i)));
  const alone = await concurrently(ALONE, 1, (i) =>
    allocate(pool, orders[timed + warm + i]!, orderOf(timed + warm + i)),
  );
  const cpu = process.cpuUsage();
  const allocations = await concurrently(timed, CONCURRENCY, counted);
  const used = process.cpuUsage(cpu);
  return {
    allocations: timed,
    ...allocations,
    alone: { allocations: ALONE, ...alone },
    nodeCpuPerAllocationMs: ms((used.user + used.system) / 1000 / timed),
    outcomes,
    unitsReserved: units,
    baseline: {
      what: 'BEGIN; UPDATE bench_rows SET n = n + 1 WHERE id = $1; COMMIT',
      ...baseline,
      alone: { transactions: ALONE, ...baselineAlone },
    },
    ratioToBaseline: ratio(allocations.perSecond, baseline.perSecond),
  };
}

/**
 * The hot SKU (HOT-1, deep at east-wh and west-wh: every order takes both rows' locks), the cold SKUs (each
 * order one of its own, in random order; the baseline updates rows of 10,000 in a scattered order), then the
 * issue's oversell case: 64 orders at once for the last 10 units (LAST-10: 6 at east-wh, 4 at west-wh).
 * Orders are 1 line of 1 unit, to anywhere in the US or (one in twenty) Canada, which only mid-3pl serves.
 */
export async function reservationsBench(
  pool: Sql,
  input: {
    hotOrders: string[];
    coldOrders: string[];
    lastOrders: string[];
    coldSkus: string[];
    allocations: number;
  },
) {
  const random = seeded(42);
  const oneLine = (sku: string): BenchOrder => ({
    destination: destinationOf(random),
    lines: [{ lineId: '1', sku, quantity: 1 }],
  });
  log(`reservations on one hot SKU, ${CONCURRENCY} at once`);
  const hot = await scenario(
    pool,
    input.hotOrders,
    () => oneLine('HOT-1'),
    () => 0,
    input.allocations,
  );

  const shuffled = [...input.coldSkus.keys()];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
  }
  log(`reservations over ${input.coldSkus.length} cold SKUs, ${CONCURRENCY} at once`);
  const cold = await scenario(
    pool,
    input.coldOrders,
    (i) => oneLine(input.coldSkus[shuffled[i % shuffled.length]!]!),
    (i) => shuffled[(i * 7919) % shuffled.length]!,
    input.allocations,
  );

  log(`${CONCURRENCY} orders for the last 10 units`);
  const last = { reserved: 0, backordered: 0 };
  const lastRun = await concurrently(CONCURRENCY, CONCURRENCY, async (i) => {
    const made = await allocate(pool, input.lastOrders[i]!, oneLine('LAST-10'));
    last.reserved += made.reserved;
    last.backordered += made.backordered;
  });
  return {
    concurrency: CONCURRENCY,
    poolConnections: CONCURRENCY,
    order: '1 line, 1 unit; the real router (routeOrder) over 10 locations decides on the locked figures',
    hot: { sku: 'HOT-1', stockedAt: ['east-wh', 'west-wh'], ...hot },
    cold: { skus: input.coldSkus.length, ...cold },
    lastTenUnits: { orders: CONCURRENCY, ...last, seconds: lastRun.seconds },
  };
}
