import { hostname } from 'node:os';
import { documentsFor } from '@switchyard/connector-x12';
import { type Engine, HubError, type Sql } from '@switchyard/core';
import {
  booksDayWorkflow,
  booksPostingWorkflow,
  dbosWorkflowAdmin,
  orderQueues,
  orderWorkflow,
  resolveBooksPlans,
  resolvePlans,
  startBooksDispatcher,
  startBooksWatcher,
  startDayStarter,
  startDbosEngine,
  startOrderDispatcher,
  startSignalDispatcher,
  startStockPusher,
  startStockReports,
  type WorkflowAdmin,
} from '@switchyard/workflows';
import { installedConnectors } from './connectors.ts';
import type { Hub } from './hub.ts';
import type { Logger } from './log.ts';

/** Bumped when the order workflow changes in a way runs started by the previous code cannot finish under. */
export const WORKFLOWS_VERSION = '2';

export interface RunningWorkflows {
  stop(): Promise<void>;
}

/**
 * Starts the embedded engine and the dispatcher when some connection has a `fulfillment` section; otherwise
 * nothing. One per hub process that owns the database (the single process, or the primary of several).
 * SWITCHYARD_EXECUTOR_ID names this process to the engine (default: the host name): it must differ between
 * hub processes sharing a database and stay the same across a process's restarts, so that workflows a
 * crashed process left behind are taken up when it comes back.
 */
export async function startWorkflows(
  hub: Pick<Hub, 'sql' | 'config' | 'connections' | 'databaseUrl'> & Partial<Pick<Hub, 'metrics'>>,
  log: Logger,
): Promise<RunningWorkflows> {
  const { plans, stock } = resolvePlans(hub.config.connections, installedConnectors, hub.config.locations);
  const pusher = stock.size
    ? startStockPusher({
        sql: hub.sql,
        connections: hub.connections,
        channels: stock,
        log,
        ...(hub.metrics ? { onPush: hub.metrics.stockPush } : {}),
      })
    : undefined;
  const reports = stock.size
    ? startStockReports({ sql: hub.sql, connections: hub.connections, channels: stock, log })
    : undefined;
  const stopStock = async () => {
    await Promise.all([pusher?.stop(), reports?.stop()]);
  };
  const books = resolveBooksPlans(hub.config.connections, installedConnectors).plans;
  if (!plans.size && !books.size) return { stop: stopStock };
  const kind = engineKind();
  const engine: Engine =
    kind === 'trigger'
      ? await triggerEngine(hub.sql)
      : await startDbosEngine({
          databaseUrl: hub.databaseUrl,
          executorId: process.env.SWITCHYARD_EXECUTOR_ID ?? hostname(),
          applicationVersion: WORKFLOWS_VERSION,
          workflows: [
            orderWorkflow({
              sql: hub.sql,
              connections: hub.connections,
              plan: (order) => plans.get(order.source.connectionId),
              documents: documentsFor(hub.sql),
            }),
            booksPostingWorkflow({ sql: hub.sql, connections: hub.connections, plans: books }),
            booksDayWorkflow({ sql: hub.sql, connections: hub.connections, plans: books }),
          ],
          queues: orderQueues(plans),
          ...(hub.metrics ? { observer: hub.metrics.engine } : {}),
          log: (level, message) => (level === 'warn' ? log.warn(message) : log.error(message)),
        });
  const dispatcher = startOrderDispatcher({
    sql: hub.sql,
    engine,
    managed: [...plans.keys()],
    log,
    queued: kind === 'dbos',
  });
  const signals = startSignalDispatcher({ sql: hub.sql, engine, connections: hub.connections, log });
  if (books.size && kind === 'trigger')
    log.warn(
      'posting to the books runs on the embedded engine only: with SWITCHYARD_ENGINE=trigger nothing is posted (run a hub process with the default engine for accounting)',
    );
  const booksLoops =
    books.size && kind === 'dbos'
      ? [
          startBooksDispatcher({ sql: hub.sql, engine, plans: books, log }),
          startDayStarter({ sql: hub.sql, engine, plans: books, log }),
          startBooksWatcher({
            sql: hub.sql,
            engine,
            connections: hub.connections,
            books: [...new Set([...books.values()].map((p) => p.books))],
            log,
          }),
        ]
      : [];
  log.info('order workflows', { connections: [...plans.keys()].join(','), engine: kind });
  if (books.size)
    log.info('posting to the books', {
      channels: [...books.values()].map((p) => `${p.channel}->${p.books} (${p.mode})`).join(','),
    });
  return {
    async stop() {
      await Promise.all([dispatcher.stop(), signals.stop(), stopStock(), ...booksLoops.map((l) => l.stop())]);
      await engine.stop();
    },
  };
}

/**
 * The engine the workflows run on: SWITCHYARD_ENGINE=dbos (the default: embedded, in this process, on the
 * hub's PostgreSQL) or trigger (Trigger.dev runs them; this process starts and signals them).
 */
export function engineKind(): 'dbos' | 'trigger' {
  const kind = process.env.SWITCHYARD_ENGINE ?? 'dbos';
  if (kind === 'dbos' || kind === 'trigger') return kind;
  throw new HubError({
    type: 'bad-engine',
    title: 'Unknown workflow engine',
    status: 400,
    detail: `SWITCHYARD_ENGINE is "${kind}"`,
    fix: 'set SWITCHYARD_ENGINE to dbos (embedded, the default) or trigger (Trigger.dev), or unset it',
  });
}

/**
 * The Trigger.dev engine, as the hub uses it: starting and signalling the deployed `order` task, each
 * workflow's run id kept in the hub's database (`engine_runs`).
 */
export async function triggerEngine(sql: Sql): Promise<Engine> {
  if (!process.env.TRIGGER_SECRET_KEY) {
    throw new HubError({
      type: 'trigger-not-configured',
      title: 'Trigger.dev is not configured',
      status: 400,
      detail: 'SWITCHYARD_ENGINE is trigger but TRIGGER_SECRET_KEY is not set',
      fix: "export TRIGGER_SECRET_KEY=tr_prod_… (the environment's secret key; TRIGGER_API_URL for a self-hosted instance), or unset SWITCHYARD_ENGINE to run the embedded engine",
    });
  }
  const { createTriggerEngine } = await import('@switchyard/workflows/trigger');
  return createTriggerEngine({
    workflows: ['order'],
    runs: {
      async get(workflowId) {
        const [row] = await sql<{ run_id: string }[]>`
          select run_id from engine_runs where workflow_id = ${workflowId}`;
        return row?.run_id;
      },
      async set(workflowId, runId) {
        await sql`
          insert into engine_runs (workflow_id, run_id) values (${workflowId}, ${runId})
          on conflict (workflow_id) do update set run_id = excluded.run_id, updated_at = now()`;
      },
    },
  });
}

/**
 * The workflow admin on the engine the hub runs: DBOS through a client on the hub's database, or Trigger.dev
 * through its API (its runs' steps are on Trigger.dev's dashboard, and a run is cancelled there).
 */
export function workflowAdminFor(sql: Sql, databaseUrl: string): WorkflowAdmin {
  if (engineKind() === 'dbos') return dbosWorkflowAdmin(databaseUrl);
  let engine: Promise<Engine> | undefined;
  const engineOf = () => {
    engine ??= triggerEngine(sql);
    return engine;
  };
  return {
    async inspect(workflowId) {
      const status = await (await engineOf()).status(workflowId);
      if (!status) return undefined;
      return {
        workflowId,
        name: status.name,
        state: status.state,
        ...(status.error ? { error: status.error } : {}),
        steps: [],
      };
    },
    async cancel() {
      throw new HubError({
        type: 'cancel-on-trigger',
        title: 'Cancel the run in Trigger.dev',
        status: 409,
        detail: 'workflows run on Trigger.dev (SWITCHYARD_ENGINE=trigger): the hub does not cancel its runs',
        fix: "cancel the run in Trigger.dev's dashboard",
      });
    },
    replay: async (workflowId) => (await engineOf()).replay(workflowId),
    close: async () => {},
  };
}
