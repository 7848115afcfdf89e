import {
  activateFulfillment,
  describeError,
  type Engine,
  type Loop,
  type Sql,
  startAwaitingWorkflows,
  startLoop,
} from '@switchyard/core';
import { orderWorkflowId } from './order/events.ts';
import { orderQueueName } from './plan.ts';

/** The order dispatcher's loop: `nudge()` looks for new orders now (after an intake commit), not at the next turn. */
export type OrderDispatcher = Loop;

/**
 * How many orders one turn starts, as one batch (on DBOS's queues, one transaction); a full batch means more
 * are waiting, and the next turn runs at once.
 */
const BATCH = 50;

/**
 * Starts the order workflow for every new order of a managed connection, from the database: an order is
 * marked once its workflow is started, so a crash between the two only starts it again (starting a
 * workflow id twice is starting it once), and nothing imported is ever left without one. Orders imported
 * before a connection's fulfillment was first configured are left alone. Several hub processes share the
 * work: each takes its batch with SKIP LOCKED, and starts it with one `startMany`.
 */
export function startOrderDispatcher(options: {
  sql: Sql;
  engine: Engine;
  managed: readonly string[];
  log: { error(message: string, fields?: Record<string, unknown>): void };
  everyMs?: number;
  /** Start each order on its connection's queue (the engine was given `orderQueues(plans)`). */
  queued?: boolean;
}): OrderDispatcher {
  const { sql, engine, managed } = options;
  let activated = false;
  return startLoop({
    everyMs: options.everyMs ?? 1000,
    async turn() {
      if (!managed.length) return;
      if (!activated) {
        await activateFulfillment(sql, managed);
        activated = true;
      }
      const started = await startAwaitingWorkflows(sql, managed, BATCH, (orders) =>
        engine.startMany(
          'order',
          orders.map((order) => ({
            input: { tenantId: order.tenantId, orderId: order.id },
            workflowId: orderWorkflowId(order.id),
            ...(options.queued ? { queue: orderQueueName(order.connectionId) } : {}),
          })),
        ),
      );
      return started === BATCH ? 'again' : undefined;
    },
    onError: (error) =>
      options.log.error('starting order workflows failed; trying again shortly', {
        error: describeError(error),
      }),
  });
}
