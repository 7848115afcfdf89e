import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { intakeBench } from './intake.ts';
import { pullBench } from './pull.ts';
import { shopifyWebhookBench } from './shopify.ts';
import { startupBench } from './startup.ts';

/** `npm run bench [-- <name>...]`: runs the named benchmarks (default all), prints figures, writes bench-results/<name>.json. */
const benches: Record<string, () => Promise<Record<string, unknown>>> = {
  startup: () => startupBench(),
  'shopify-webhooks': () =>
    shopifyWebhookBench(Number(process.env.BENCH_SECONDS ?? 10), Number(process.env.SWITCHYARD_WORKERS ?? 1)),
  'shopify-backfill': () => pullBench(Number(process.env.BENCH_ORDERS ?? 10_000)),
  intake: () =>
    intakeBench(Number(process.env.BENCH_SECONDS ?? 10), Number(process.env.SWITCHYARD_WORKERS ?? 1)),
};

const names = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = names.filter((n) => !(n in benches));
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
