import { createRequire } from 'node:module';
import { DBOS } from '@dbos-inc/dbos-sdk';
import { defineWorkflow } from '@switchyard/core';
import { startDbosEngine } from '@switchyard/workflows';

/** Steps per workflow, as in the order workflow. */
const STEPS = 5;

/**
 * Counts the statements DBOS sends: every query of the `pg` client DBOS itself loads (its pool's clients are
 * `pg.Client`s), BEGIN and COMMIT included, background polls too (the same for both sides of a run).
 */
function countDbosStatements() {
  const dbosRequire = createRequire(createRequire(import.meta.url).resolve('@dbos-inc/dbos-sdk'));
  const pg = dbosRequire('pg') as { Client: { prototype: { query: (...args: unknown[]) => unknown } } };
  const original = pg.Client.prototype.query;
  const counter = { statements: 0, transactions: 0 };
  pg.Client.prototype.query = function (this: unknown, ...args: unknown[]) {
    counter.statements++;
    const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string } | undefined)?.text;
    if (text && /^\s*begin\b/i.test(text)) counter.transactions++;
    return original.apply(this, args);
  };
  const restore = () => {
    pg.Client.prototype.query = original;
  };
  return { counter, restore };
}

/**
 * The engine against DBOS used directly, in one process on one PostgreSQL: the same workflow of five steps that
 * each wait `stepMs`, once through the hub's DBOS adapter (`defineWorkflow`, `ctx.step` with its default
 * retry policy, `engine.start`) and once registered with DBOS's own API (`DBOS.registerWorkflow`,
 * `DBOS.runStep`, `DBOS.startWorkflow`). Each side runs `workflows` workflows with `concurrency` in flight
 * (a lane starts the next when the workflow it started has run its last step), in alternating rounds so that
 * a change in the machine's load falls on both, then both sides at once for a while. Figures: workflows a
 * second, the ratio adapter/bare, and the statements DBOS sent per workflow.
 */
export async function engineVersusBareDbos(
  databaseUrl: string,
  { workflows = 1000, concurrency = 50, stepMs = 20, rounds = 2, togetherSeconds = 15 } = {},
) {
  const finished = new Map<string, () => void>();
  const finish = (workflowId: string) => finished.get(workflowId)?.();
  const pause = () => new Promise((r) => setTimeout(r, stepMs));

  // Registered before the engine launches DBOS, as DBOS requires.
  const bare = DBOS.registerWorkflow(
    async (n: number) => {
      for (let k = 1; k <= STEPS; k++) await DBOS.runStep(pause, { name: `step-${k}` });
      finish(DBOS.workflowID!);
      return n;
    },
    { name: 'bench-bare-five-steps' },
  );
  const adapted = defineWorkflow({
    name: 'bench-engine-five-steps',
    async run(ctx, n: number) {
      for (let k = 1; k <= STEPS; k++) await ctx.step(`step-${k}`, pause);
      finish(ctx.workflowId);
      return n;
    },
  });
  const engine = await startDbosEngine({
    databaseUrl,
    executorId: 'bench-engine',
    applicationVersion: 'bench',
    workflows: [adapted],
    poolSize: Number(process.env.BENCH_DBOS_POOL ?? 10),
    log: () => {},
  });
  const starts = {
    bare: (workflowId: string, n: number) => DBOS.startWorkflow(bare, { workflowID: workflowId })(n),
    engine: (workflowId: string, n: number) =>
      engine.start('bench-engine-five-steps', n, { workflowId: workflowId }),
  };
  const { counter, restore } = countDbosStatements();
  // Ids of this run only: a workflow id DBOS knows would return the old run, which never finishes again here.
  const stamp = Date.now().toString(36);
  /** `concurrency` lanes of `side` until `count` workflows have run, or until `until` (a performance.now()). */
  const run = async (side: 'bare' | 'engine', round: string, count: number, until = Infinity) => {
    let next = 0;
    let ended = 0;
    const before = { ...counter };
    const began = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < count && performance.now() < until) {
          const n = next++;
          const workflowId = `${side}-${stamp}-${round}-${n}`;
          const done = new Promise<void>((resolve) => finished.set(workflowId, resolve));
          await starts[side](workflowId, n);
          await done;
          finished.delete(workflowId);
          if (performance.now() < until) ended++;
        }
      }),
    );
    const seconds = (performance.now() - began) / 1000;
    return {
      seconds,
      ended,
      statements: counter.statements - before.statements,
      transactions: counter.transactions - before.transactions,
    };
  };
  try {
    // Warm-up: connections opened, code compiled, on both sides.
    await run('bare', 'warm', concurrency * 2);
    await run('engine', 'warm', concurrency * 2);
    const totals = {
      bare: { seconds: 0, statements: 0, transactions: 0 },
      engine: { seconds: 0, statements: 0, transactions: 0 },
    };
    const byRound: { round: number; barePerSecond: number; enginePerSecond: number; ratio: number }[] = [];
    for (let round = 1; round <= rounds; round++) {
      // Who goes first alternates too.
      const order: ('bare' | 'engine')[] = round % 2 ? ['bare', 'engine'] : ['engine', 'bare'];
      const figures: Record<string, number> = {};
      for (const side of order) {
        const r = await run(side, String(round), workflows);
        totals[side].seconds += r.seconds;
        totals[side].statements += r.statements;
        totals[side].transactions += r.transactions;
        figures[side] = workflows / r.seconds;
      }
      byRound.push({
        round,
        barePerSecond: Number(figures.bare!.toFixed(1)),
        enginePerSecond: Number(figures.engine!.toFixed(1)),
        ratio: Number((figures.engine! / figures.bare!).toFixed(3)),
      });
    }
    // Then both sides at once for `togetherSeconds`, each with its `concurrency` lanes: a change in the machine's
    // load (other processes) falls on both alike, so this ratio is the steadier one.
    const until = performance.now() + togetherSeconds * 1000;
    const [bareTogether, engineTogether] = await Promise.all([
      run('bare', 'together', Infinity, until),
      run('engine', 'together', Infinity, until),
    ]);
    const all = workflows * rounds;
    const perSecond = (side: 'bare' | 'engine') => all / totals[side].seconds;
    const per = (side: 'bare' | 'engine', what: 'statements' | 'transactions') =>
      Number((totals[side][what] / all).toFixed(1));
    return {
      workflows: all,
      concurrency,
      steps: STEPS,
      stepMs,
      bareDbosPerSecond: Number(perSecond('bare').toFixed(1)),
      enginePerSecond: Number(perSecond('engine').toFixed(1)),
      ratioEngineToBare: Number((perSecond('engine') / perSecond('bare')).toFixed(3)),
      statementsPerWorkflow: { bare: per('bare', 'statements'), engine: per('engine', 'statements') },
      transactionsPerWorkflow: { bare: per('bare', 'transactions'), engine: per('engine', 'transactions') },
      byRound,
      together: {
        seconds: togetherSeconds,
        bareDbosPerSecond: Number((bareTogether.ended / togetherSeconds).toFixed(1)),
        enginePerSecond: Number((engineTogether.ended / togetherSeconds).toFixed(1)),
        ratioEngineToBare: Number((engineTogether.ended / bareTogether.ended).toFixed(3)),
      },
      note: `the same ${STEPS} steps of ${stepMs} ms per workflow through the adapter and on DBOS used directly, ${concurrency} workflows in flight per side; ${rounds} alternating rounds of ${workflows} each side alone, then both sides at once for ${togetherSeconds} s (together); statements: every query DBOS's pg client sent during the side's rounds alone (BEGIN/COMMIT and background polls included)`,
    };
  } finally {
    restore();
    await engine.stop();
  }
}
