import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFake } from '../support/fake-process.ts';
import { cli, scratchDir } from '../support/hub-process.ts';
import { benchDatabase } from './intake.ts';

export interface BackfillOptions {
  /** The connector, and the id of the one connection of the scratch hub's config (tenant `bench`). */
  connector: string;
  /** The vendor's fake server (test/fakes/*-server.ts, relative to test/fakes) and its environment. */
  fake: { script: string; env: Record<string, string> };
  /** The connection's settings, given the fake's origin. */
  settings(origin: string): Record<string, unknown>;
  /** The connection's secrets: in the config as env('BENCH_<CONNECTOR>_<NAME>'), their values in the CLI's env. */
  secrets: Record<string, string>;
  /** More of the CLI's environment (undefined: unset). */
  env?: Record<string, string | undefined>;
  /** How many orders the fake serves: the backfill must take that many (`exactly`: no more either). */
  orders: number;
  exactly?: boolean;
  /** The backfill goes back this many days. */
  sinceDays: number;
}

export interface Backfill<Stats> {
  /** What `switchyard backfill --json` reported. */
  report: { records: number; exceptions: number; pages: number };
  /** Wall time of the backfill's CLI process, its start included. */
  seconds: number;
  /** When it was started (epoch ms). */
  startedAt: number;
  /** The fake's /__fake/stats after the backfill. */
  stats: Stats;
}

const envName = (connector: string, secret: string) =>
  `BENCH_${connector}_${secret.replace(/[A-Z]/g, (c) => `_${c}`)}`.toUpperCase();

/**
 * `switchyard backfill` of a marketplace's orders from its fake in its own process, through the hub's real sync
 * path (the binary, on a throwaway embedded database unless the environment names another): the fake started, a
 * scratch hub configured with one connection and migrated (the embedded server's first start, initdb, and the
 * migrations happen before the clock starts), the backfill timed, its report checked and the fake's stats read;
 * the fake stopped and the scratch folder removed whatever happens.
 */
export async function timedBackfill<Stats>(options: BackfillOptions): Promise<Backfill<Stats>> {
  const { connector, orders } = options;
  const fake = await startFake(options.fake.script, options.fake.env);
  const scratch = scratchDir(`bench-${connector}`);
  const secretEnv = Object.keys(options.secrets).map((name) => [name, envName(connector, name)] as const);
  // A database of its own: a fresh one on DATABASE_URL's server (dropped after), else the scratch's embedded one.
  const database = await benchDatabase(`backfill_${connector}`);
  const env = {
    ...Object.fromEntries(secretEnv.map(([name, key]) => [key, options.secrets[name]])),
    ...options.env,
    ...database.env,
  };
  try {
    writeFileSync(
      join(scratch.dir, 'switchyard.config.ts'),
      `import { defineConfig, env } from '@switchyard/core';
export default defineConfig({
  tenants: [{ id: 'bench', name: 'Bench' }],
  connections: [{
    id: '${connector}', tenant: 'bench', connector: '${connector}',
    settings: ${JSON.stringify(options.settings(fake.origin))},
    secrets: {
${secretEnv.map(([name, key]) => `      ${name}: env('${key}'),`).join('\n')}
    },
  }],
});`,
    );
    const migrated = cli(scratch.dir, ['migrate'], env);
    if (migrated.code !== 0) throw new Error(`migrate failed: ${migrated.stderr}`);
    const since = new Date(Date.now() - options.sinceDays * 86_400_000).toISOString().slice(0, 10);
    const start = performance.now();
    const startedAt = Date.now();
    const run = cli(scratch.dir, ['backfill', connector, '--since', since, '--json'], env, 3_600_000);
    const seconds = (performance.now() - start) / 1000;
    if (run.code !== 0) throw new Error(`backfill failed: ${run.stderr}`);
    const report = JSON.parse(run.stdout) as Backfill<Stats>['report'];
    const taken = options.exactly ? report.records === orders : report.records >= orders;
    if (!taken || report.exceptions !== 0) {
      throw new Error(
        `expected ${orders} orders, the hub took ${report.records} (${report.exceptions} exceptions)`,
      );
    }
    const stats = (await (await fetch(`${fake.origin}/__fake/stats`)).json()) as Stats;
    return { report, seconds, startedAt, stats };
  } finally {
    fake.stop();
    scratch.remove();
    await database.drop();
  }
}
