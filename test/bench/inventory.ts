import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import {
  applyMovements,
  applyOrder,
  checkLedger,
  connect,
  type MovementInput,
  migrate,
  OrderDraft,
  redactUrl,
  SecretBox,
  type Sql,
  serverLimits,
  startEmbedded,
  syncConfig,
} from '@switchyard/core';
import { sampleDraft } from '@switchyard/core/testing';
import postgres from 'postgres';
import { scratchDir } from '../support/hub-process.ts';
import { benchChannel, coalescingBench } from './inventory-push.ts';
import { CONCURRENCY, EXTRA_ORDERS, reservationsBench, TENANT } from './inventory-reservations.ts';
import { LOCATION_IDS, routingBench } from './inventory-routing.ts';

/**
 * Inventory (issue 13, "Speed"), on a throwaway database: routing decisions per second (inventory-routing.ts);
 * reservations per second through `allocateStock` with the real router deciding, 64 at once on a hot SKU and
 * over 10,000 cold ones, against a bare one-row transaction (inventory-reservations.ts), then the ledger
 * checked; the coalescing of channel stock pushes under bursts (inventory-push.ts).
 */

const log = (line: string) => process.stdout.write(`inventory: ${line}\n`);
const CHANNEL_CONNECTION = 'shop';

export interface InventoryBenchOptions {
  /** Timed allocations per scenario (hot, cold), after 2 × 64 untimed ones. */
  allocations: number;
  /** Changes in each one-SKU burst; the many-SKU burst is 10 changes to each of this many SKUs. */
  burst: number;
  coldSkus: number;
  routingSeconds: number;
}

/** A throwaway database: on DATABASE_URL's server (dropped at the end), else an embedded server. */
async function benchDatabase() {
  const admin = process.env.DATABASE_URL;
  if (admin) {
    const name = `sy_bench_inventory_${randomBytes(4).toString('hex')}`;
    const server = postgres(admin, { max: 1, onnotice: () => {} });
    await server.unsafe(`create database ${name}`);
    const url = new URL(admin);
    url.pathname = `/${name}`;
    return {
      url: url.toString(),
      kind: `${redactUrl(admin)} (database ${name})`,
      drop: async () => {
        await server.unsafe(`drop database if exists ${name} with (force)`);
        await server.end();
      },
    };
  }
  const scratch = scratchDir('bench-inventory');
  const embedded = await startEmbedded({ dir: join(scratch.dir, '.switchyard') });
  return {
    url: embedded.url,
    kind: 'embedded',
    drop: async () => {
      await embedded.stop();
      scratch.remove();
    },
  };
}

/**
 * `count` orders cloned with set-based SQL from one made by applyOrder (ids `<prefix>000001`…): allocation only
 * needs the order row (a foreign key), and cloning is faster than applying thousands of drafts.
 */
async function seedOrders(sql: Sql, templateId: string, prefix: string, count: number): Promise<string[]> {
  const columns = (
    await sql<{ column_name: string }[]>`
      select column_name from information_schema.columns
      where table_schema = current_schema() and table_name = 'orders' and is_generated = 'NEVER'
        and column_name not in ('id', 'external_id', 'external_number')
      order by ordinal_position`
  ).map((r) => r.column_name);
  await sql.unsafe(
    `insert into orders (id, external_id, external_number, ${columns.join(', ')})
     select '${prefix}' || lpad(n::text, 6, '0'), 'INV-${prefix}' || n, '#INV-${prefix}' || n,
            ${columns.map((c) => `o.${c}`).join(', ')}
     from orders o cross join generate_series(1, ${count}) n where o.id = $1`,
    [templateId],
  );
  return Array.from({ length: count }, (_, i) => `${prefix}${String(i + 1).padStart(6, '0')}`);
}

const receipt = (sku: string, locationId: string, quantity: number): MovementInput => ({
  tenantId: TENANT,
  sku,
  locationId,
  kind: 'receipt',
  quantity,
  reason: 'inventory bench seed',
  idempotencyKey: `seed:${sku}:${locationId}`,
});

export async function inventoryBench(options: InventoryBenchOptions) {
  const began = performance.now();
  const load = [Number(loadavg()[0]!.toFixed(2))];
  const database = await benchDatabase();
  const sql = connect(database.url, { max: 20, name: 'switchyard-bench-inventory' });
  try {
    await migrate(sql);
    const [version] = await sql<{ server_version: string }[]>`show server_version`;
    log(`database ${database.kind}, PostgreSQL ${version?.server_version}`);
    await syncConfig(
      sql,
      {
        tenants: [{ id: TENANT, name: 'Acme' }],
        connections: [
          {
            id: CHANNEL_CONNECTION,
            tenantId: TENANT,
            connector: benchChannel.id,
            settings: {},
            secrets: {},
            defaultedEnv: [],
          },
        ],
        server: serverLimits(),
      },
      SecretBox.fromString(SecretBox.generateKey()),
    );

    // Routing first, alone on the CPU: it is pure and takes no database.
    log('routing decisions');
    const routing = routingBench({ seconds: options.routingSeconds });

    // Seed: orders (one applied, the rest cloned), stock received through the ledger, the baseline's rows.
    log('seeding orders and stock');
    const seedBegan = performance.now();
    const source = { tenantId: TENANT, connectionId: CHANNEL_CONNECTION, connector: benchChannel.id };
    const template = await applyOrder(sql, source, OrderDraft.parse(sampleDraft('INV-TEMPLATE')), null);
    const perScenario = options.allocations + EXTRA_ORDERS;
    const hotOrders = await seedOrders(sql, template.orderId, 'ord_bench_hot_', perScenario);
    const coldOrders = await seedOrders(sql, template.orderId, 'ord_bench_cold_', perScenario);
    const lastOrders = await seedOrders(sql, template.orderId, 'ord_bench_last_', CONCURRENCY);
    const coldSku = (k: number) => `COLD-${String(k).padStart(5, '0')}`;
    const receipts: MovementInput[] = [
      receipt('HOT-1', 'east-wh', 1_000_000),
      receipt('HOT-1', 'west-wh', 1_000_000),
      receipt('LAST-10', 'east-wh', 6),
      receipt('LAST-10', 'west-wh', 4),
    ];
    // Each cold SKU in one warehouse (100 units), one in three also in a store (5 units).
    for (let k = 0; k < options.coldSkus; k++) {
      receipts.push(receipt(coldSku(k), LOCATION_IDS[k % 3]!, 100));
      if (k % 3 === 0) receipts.push(receipt(coldSku(k), LOCATION_IDS[5 + (k % 4)]!, 5));
    }
    const receiveBegan = performance.now();
    const chunks = Array.from({ length: Math.ceil(receipts.length / 250) }, (_, i) =>
      receipts.slice(i * 250, i * 250 + 250),
    );
    let chunk = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (chunk < chunks.length) await applyMovements(sql, chunks[chunk++]!);
      }),
    );
    const receiveSeconds = (performance.now() - receiveBegan) / 1000;
    await sql`create table bench_rows (id int primary key, n bigint not null default 0)`;
    await sql`insert into bench_rows (id) select generate_series(0, ${options.coldSkus - 1})`;
    await sql`vacuum analyze`;
    const seed = {
      orders: 1 + hotOrders.length + coldOrders.length + lastOrders.length,
      receipts: receipts.length,
      receiptsPerSecond: Math.round(receipts.length / receiveSeconds),
      receiptsHow: 'applyMovements, 250 a transaction, 8 transactions at once',
      seconds: Number(((performance.now() - seedBegan) / 1000).toFixed(1)),
    };

    // 64 orders at once on 64 connections: every allocation's transaction may be open at the same time.
    const pool = connect(database.url, { max: CONCURRENCY, name: 'switchyard-bench-racing' });
    let reservations: Record<string, unknown>;
    try {
      reservations = await reservationsBench(pool, {
        hotOrders,
        coldOrders,
        lastOrders,
        coldSkus: Array.from({ length: options.coldSkus }, (_, k) => coldSku(k)),
        allocations: options.allocations,
      });
    } finally {
      await pool.end();
    }

    log('checking the ledger');
    const broken = await checkLedger(sql, TENANT);
    const [negative] = await sql<{ n: number }[]>`
      select count(*)::int as n from stock_levels
      where tenant_id = ${TENANT} and (on_hand - reserved - safety_stock < 0 or reserved < 0)`;
    const [held] = await sql<{ levels: string; reservations: string }[]>`
      select (select coalesce(sum(reserved), 0) from stock_levels where tenant_id = ${TENANT}) as levels,
             (select coalesce(sum(quantity), 0) from stock_reservations where tenant_id = ${TENANT}) as reservations`;
    const ledger = {
      checkLedger: broken.length ? broken.slice(0, 5) : 'empty',
      negativeAvailable: negative?.n ?? -1,
      reservedOnLevels: Number(held?.levels),
      reservedByOrders: Number(held?.reservations),
    };
    if (broken.length || negative?.n) throw new Error(`the ledger is broken: ${JSON.stringify(ledger)}`);

    // The reservations and the seed marked their SKUs due; they are not this measurement's.
    await sql`delete from stock_change_log`;
    log('stock push coalescing');
    const writers = connect(database.url, { max: 16, name: 'switchyard-bench-writers' });
    const coalescing = await coalescingBench(sql, writers, {
      tenantId: TENANT,
      connectionId: CHANNEL_CONNECTION,
      oneSku: options.burst,
      manySkus: options.burst,
      perSku: 10,
    }).finally(() => writers.end());

    load.push(Number(loadavg()[0]!.toFixed(2)));
    return {
      database: database.kind,
      postgres: version?.server_version,
      loadAverage: { start: load[0], end: load[1] },
      seed,
      reservations,
      ledger,
      routing,
      coalescing,
      seconds: Number(((performance.now() - began) / 1000).toFixed(1)),
    };
  } finally {
    await sql.end();
    await database.drop();
  }
}
