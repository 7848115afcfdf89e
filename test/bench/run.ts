import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { apiBench } from './api.ts';
import { booksBench } from './books.ts';
import { bulkBench } from './bulk.ts';
import { intakeBench } from './intake.ts';
import { inventoryBench } from './inventory.ts';
import { marketplacesBench } from './marketplaces.ts';
import { budgetBench, pullBench } from './pull.ts';
import { shopifyWebhookBench } from './shopify.ts';
import { startupBench } from './startup.ts';
import { workflowBench } from './workflow.ts';
import { x12Bench } from './x12.ts';

/** `npm run bench [-- <name>...]`: runs the named benchmarks (default all), prints figures, writes bench-results/<name>.json. */
const benches: Record<string, () => Promise<Record<string, unknown>>> = {
  startup: () => startupBench(),
  'shopify-webhooks': () =>
    shopifyWebhookBench(Number(process.env.BENCH_SECONDS ?? 10), Number(process.env.SWITCHYARD_WORKERS ?? 1)),
  'shopify-backfill': () => pullBench(Number(process.env.BENCH_ORDERS ?? 10_000)),
  'shopify-budget': () => budgetBench(Number(process.env.BENCH_ORDERS ?? 5_000)),
  'shopify-bulk': () => bulkBench(Number(process.env.BENCH_ORDERS ?? 100_000)),
  workflow: () => workflowBench(Number(process.env.BENCH_ORDERS ?? 1000)),
  intake: () =>
    intakeBench(Number(process.env.BENCH_SECONDS ?? 10), Number(process.env.SWITCHYARD_WORKERS ?? 1)),
  x12: () => x12Bench(Number(process.env.BENCH_X12_MB ?? 100)),
  api: () =>
    apiBench({
      orders: Number(process.env.BENCH_ORDERS ?? 1_000_000),
      exceptions: Number(process.env.BENCH_API_EXCEPTIONS ?? 100_000),
    }),
  inventory: () =>
    inventoryBench({
      allocations: Number(process.env.BENCH_ALLOCATIONS ?? 3_000),
      coldSkus: Number(process.env.BENCH_INVENTORY_SKUS ?? 10_000),
      burst: Number(process.env.BENCH_BURST ?? 1_000),
      routingSeconds: Number(process.env.BENCH_ROUTING_SECONDS ?? 2),
    }),
  marketplaces: () => marketplacesBench(Number(process.env.BENCH_ORDERS ?? 20_000)),
  books: () =>
    booksBench(
      Number(process.env.BENCH_BOOKS_PER_ORDER ?? 300),
      Number(process.env.BENCH_BOOKS_PER_DAY ?? 10_000),
    ),
};

// A name that is not a benchmark but prefixes some (`shopify`) runs all of those.
const names = process.argv
  .slice(2)
  .filter((a) => !a.startsWith('-'))
  .flatMap((n) => (n in benches ? [n] : Object.keys(benches).filter((k) => k.startsWith(`${n}-`))));
const unknown = process.argv
  .slice(2)
  .filter((a) => !a.startsWith('-'))
  .filter((n) => !(n in benches) && !Object.keys(benches).some((k) => k.startsWith(`${n}-`)));
if (unknown.length) {
  process.stderr.write(
    `bench: unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(benches).join(', ')}\n`,
  );
  process.exit(2);
}
const out = join(fileURLToPath(new URL('../..', import.meta.url)), 'bench-results');
mkdirSync(out, { recursive: true });
for (const name of names.length ? names : Object.keys(benches)) {
  process.stdout.write(`== ${name}\n`);
  const result = await benches[name]!();
  writeFileSync(join(out, `${name}.json`), `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
