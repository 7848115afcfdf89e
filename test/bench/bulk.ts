import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { API_VERSION, shopify } from '@switchyard/connector-shopify';
import { startFake } from '../support/fake-process.ts';
import { repoRoot } from '../support/hub-process.ts';
import { shopBackfillScratch } from './shop-scratch.ts';

const TOKEN = 'shpat_bench_bulk_0123456789';

/** Peak resident memory of a process so far (VmHWM), in MB; undefined once it is gone. */
function peakRssMb(pid: number): number | undefined {
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** `switchyard backfill` in its own process, its peak RSS sampled every 50 ms. */
async function backfill(cwd: string, env: Record<string, string>) {
  const child = spawn(
    process.execPath,
    [join(repoRoot, 'server/bin/switchyard.js'), 'backfill', 'shop', '--since', '2026-01-01', '--json'],
    { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  let peak = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, peakRssMb(child.pid!) ?? 0);
  }, 50);
  const start = performance.now();
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  const seconds = (performance.now() - start) / 1000;
  clearInterval(sampler);
  if (code !== 0) throw new Error(`backfill failed (${code}): ${stderr}`);
  return { report: JSON.parse(stdout) as { records: number; exceptions: number }, seconds, peakRssMb: peak };
}

/**
 * A backfill through a Shopify bulk operation: the real binary against the fake shop in its own process, which
 * makes the grouped JSONL export and serves it. The hub streams it, puts each order back together, stores it
 * raw, normalizes and upserts it, committing the resume point every `bulkPageSize` orders. Run at a tenth of
 * the size and at full size: the same peak RSS at both means memory does not grow with the export. The
 * baseline is the same export read in this process through the connector's pull, nothing stored.
 */
export async function bulkBench(orders = 100_000, pageSize = 1000) {
  const sizes = [Math.max(1, Math.round(orders / 10)), orders];
  const runs: Record<string, unknown>[] = [];
  let full: { perSecond: number; seconds: number } | undefined;
  let baselinePerSecond = 0;
  for (const size of sizes) {
    const fake = await startFake('../../connectors/shopify/test/fakes/shopify-server.ts', {
      SHOPIFY_FAKE_TOKEN: TOKEN,
      SHOPIFY_FAKE_ORDERS: String(size),
    });
    const scratch = shopBackfillScratch(
      fake,
      'bulk',
      { shop: 'bench-bulk.myshopify.com', apiOrigin: fake.origin, bulkPageSize: pageSize },
      TOKEN,
    );
    const { env } = scratch;
    try {
      const run = await backfill(scratch.dir, env);
      if (run.report.records !== size || run.report.exceptions !== 0) {
        throw new Error(
          `expected ${size} orders, the hub took ${run.report.records}, ${run.report.exceptions} exceptions`,
        );
      }
      const perSecond = Math.round(size / run.seconds);
      runs.push({
        orders: size,
        seconds: Number(run.seconds.toFixed(2)),
        perSecond,
        peakRssMb: Math.round(run.peakRssMb),
      });
      if (size === orders) {
        full = { perSecond, seconds: run.seconds };
        const settings = shopify.settings.parse({
          shop: 'bench-bulk.myshopify.com',
          apiOrigin: fake.origin,
          bulkPageSize: pageSize,
        });
        const start = performance.now();
        let fetched = 0;
        for await (const page of shopify.pull!(
          {
            tenantId: 'bench',
            connectionId: 'shop',
            settings,
            secrets: { clientSecret: 'x', accessToken: TOKEN },
            now: () => new Date(),
          },
          { signal: new AbortController().signal, since: new Date('2026-01-01T00:00:00Z'), backfill: true },
        )) {
          fetched += page.records.length;
        }
        if (fetched !== size) throw new Error(`the baseline read ${fetched} orders of ${size}`);
        baselinePerSecond = Math.round(size / ((performance.now() - start) / 1000));
      }
    } finally {
      fake.stop();
      scratch.remove();
    }
  }
  return {
    orders,
    bulkPageSize: pageSize,
    runs,
    perSecond: full!.perSecond,
    baselinePerSecond,
    ratioToBaseline: Number((full!.perSecond / baselinePerSecond).toFixed(2)),
    targets: { perSecond: 5000 },
    apiVersion: API_VERSION,
    note: 'wall time of the CLI process, from its start to its exit, including the fake making the export; peak RSS is the CLI process (VmHWM), not PostgreSQL',
  };
}
