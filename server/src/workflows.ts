import { hostname } from 'node:os';
import {
  orderQueues,
  orderWorkflow,
  resolvePlans,
  startDbosEngine,
  startOrderDispatcher,
  startSignalDispatcher,
} from '@switchyard/workflows';
import { installedConnectors } from './connectors.ts';
import type { Hub } from './hub.ts';
import type { Logger } from './log.ts';

/** Bumped when the order workflow changes in a way runs started by the previous code cannot finish under. */
export const WORKFLOWS_VERSION = '1';

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
  hub: Pick<Hub, 'sql' | 'config' | 'connections' | 'databaseUrl'>,
  log: Logger,
): Promise<RunningWorkflows> {
  const { plans } = resolvePlans(hub.config.connections, installedConnectors);
  if (!plans.size) return { stop: async () => {} };
  const engine = await startDbosEngine({
    databaseUrl: hub.databaseUrl,
    executorId: process.env.SWITCHYARD_EXECUTOR_ID ?? hostname(),
    applicationVersion: WORKFLOWS_VERSION,
    workflows: [
      orderWorkflow({
        sql: hub.sql,
        connections: hub.connections,
        plan: (order) => plans.get(order.source.connectionId),
      }),
    ],
    queues: orderQueues(plans),
    log: (level, message) => (level === 'warn' ? log.warn(message) : log.error(message)),
  });
  const dispatcher = startOrderDispatcher({
    sql: hub.sql,
    engine,
    managed: [...plans.keys()],
    log,
    queued: true,
  });
  const signals = startSignalDispatcher({ sql: hub.sql, engine, connections: hub.connections, log });
  log.info('order workflows', { connections: [...plans.keys()].join(',') });
  return {
    async stop() {
      await Promise.all([dispatcher.stop(), signals.stop()]);
      await engine.stop();
    },
  };
}
