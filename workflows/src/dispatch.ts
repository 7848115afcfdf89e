import {
  abortableSleep,
  type Connection,
  type ConnectorSignal,
  describeError,
  type Engine,
  recordException,
  type Sql,
} from '@switchyard/core';
import { CANCELLED_ON_CHANNEL, ORDER_EVENTS_TOPIC, orderWorkflowId, PAYMENT_TOPIC } from './order/events.ts';
import { orderQueueName } from './plan.ts';

export interface OrderDispatcher {
  /** Look for new orders now (after an intake commit) instead of at the next tick. */
  nudge(): void;
  stop(): Promise<void>;
}

/**
 * Starts the order workflow for every new order of a managed connection, from the database: an order is
 * marked once its workflow is started, so a crash between the two only starts it again (starting a
 * workflow id twice is starting it once), and nothing imported is ever left without one. Orders imported
 * before a connection's fulfillment was first configured are left alone. Several hub processes share the
 * work: each takes its batch with SKIP LOCKED.
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
  return repeatEvery(options, 'starting order workflows', async () => {
    if (!managed.length) return false;
    if (!activated) {
      await sql`
        insert into fulfillment_activation (connection_id)
        select unnest(${sql.array(managed as string[])}::text[]) on conflict do nothing`;
      activated = true;
    }
    const started = await sql.begin(async (tx) => {
      const due = await tx<{ id: string; tenant_id: string; connection_id: string }[]>`
        select o.id, o.tenant_id, o.connection_id from orders o
        join fulfillment_activation a on a.connection_id = o.connection_id
        where o.workflow_started_at is null and o.connection_id = any(${sql.array(managed as string[])})
          and o.created_at >= a.since and o.status = 'placed'
        order by o.created_at limit 50
        for update of o skip locked`;
      for (const order of due) {
        const input = { tenantId: order.tenant_id, orderId: order.id };
        await engine.start('order', input, {
          workflowId: orderWorkflowId(order.id),
          ...(options.queued ? { queue: orderQueueName(order.connection_id) } : {}),
        });
        await tx`update orders set workflow_started_at = now() where id = ${order.id}`;
      }
      return due.length;
    });
    return started === 50;
  });
}

/**
 * Runs `turn` every `everyMs` (sooner on a nudge, at once again when it says more is waiting), logging a
 * failed turn and trying again at the next, until stopped.
 */
function repeatEvery(
  options: { everyMs?: number; log: { error(message: string, fields?: Record<string, unknown>): void } },
  what: string,
  turn: () => Promise<boolean>,
): OrderDispatcher {
  const stop = new AbortController();
  let wake: (() => void) | undefined;
  const loop = (async () => {
    while (!stop.signal.aborted) {
      try {
        if (await turn()) continue;
      } catch (error) {
        if (stop.signal.aborted) break;
        options.log.error(`${what} failed; trying again shortly`, { error: describeError(error) });
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
        abortableSleep(options.everyMs ?? 1000, stop.signal).then(resolve, resolve);
      });
    }
  })();
  return {
    nudge: () => wake?.(),
    async stop() {
      stop.abort();
      wake?.();
      await loop;
    },
  };
}

/** How long an event that cannot reach its workflow yet is kept trying, and how often. */
const HOLD_SIGNAL_MS = 3_600_000;
const RETRY_SIGNAL_SECONDS = 15;

/**
 * Hands what vendors and channels report to the order workflows: tracking and invoice events stored in the
 * inbox (each connector's `signal` reads them), and orders cancelled on the channel. Each is marked once
 * handed over (or found to concern no workflow), so a restart delivers what was left; a workflow gets each
 * event once, under the vendor's event id. A cancellation of an order already delivered becomes an exception.
 */
export function startSignalDispatcher(options: {
  sql: Sql;
  engine: Engine;
  /** Connections whose connector reads signals from its events (Stripe, EasyPost). */
  connections: ReadonlyMap<string, Connection>;
  log: { error(message: string, fields?: Record<string, unknown>): void };
  everyMs?: number;
}): OrderDispatcher {
  const { sql, engine } = options;
  const sources = [...options.connections.values()].filter((c) => c.connector.signal);
  const ids = sources.map((c) => c.id);

  const workflowOf = async (tenantId: string, correlate: ConnectorSignal['correlate']) => {
    if (correlate.workflowId) return correlate.workflowId;
    if (correlate.trackingCode) {
      const [row] = await sql<{ order_id: string }[]>`
        select order_id from order_events
        where type = 'label.purchased' and data->>'trackingCode' = ${correlate.trackingCode} and tenant_id = ${tenantId}
        limit 1`;
      if (row) return orderWorkflowId(row.order_id);
    }
    return undefined;
  };

  const events = () =>
    sql.begin(async (tx) => {
      const rows = await tx<
        {
          id: string;
          tenant_id: string;
          connection_id: string;
          headers: Record<string, string>;
          content_type: string;
          body: Buffer;
          received_at: Date;
        }[]
      >`
        select id, tenant_id, connection_id, headers, content_type, body, received_at from inbox
        where signalled_at is null and status = 'ignored' and connection_id = any(${sql.array(ids)})
          and (signal_after is null or signal_after <= now())
        order by id limit 100 for update skip locked`;
      for (const row of rows) {
        const connection = options.connections.get(row.connection_id)!;
        const signal = connection.connector.signal!({
          headers: row.headers,
          body: new Uint8Array(row.body),
          contentType: row.content_type,
          receivedAt: row.received_at,
        });
        const workflowId = signal && (await workflowOf(row.tenant_id, signal.correlate));
        let answer: 'delivered' | 'no-such-workflow' | undefined;
        if (signal && workflowId) {
          const [topic, payload] =
            signal.event.kind === 'tracking'
              ? [ORDER_EVENTS_TOPIC, signal.event]
              : [PAYMENT_TOPIC, signal.event];
          answer = await engine.signal(workflowId, topic, payload, { dedupeKey: signal.dedupeKey });
        }
        // An event that should reach a workflow but cannot yet (its label's record, or the workflow itself, is
        // not there yet: the step that writes it is retrying, or the engine lags) is looked at again later;
        // given up on, as concerning no workflow of ours, once it is an hour old (a label bought outside the
        // hub on the same account), with an exception when it named a workflow.
        const young = Date.now() - row.received_at.getTime() < HOLD_SIGNAL_MS;
        if (signal && answer !== 'delivered' && young) {
          await tx`update inbox set signal_after = now() + ${`${RETRY_SIGNAL_SECONDS} seconds`}::interval where id = ${row.id}`;
          continue;
        }
        if (signal && answer === 'no-such-workflow') {
          await recordException(tx, {
            tenantId: row.tenant_id,
            connectionId: row.connection_id,
            kind: 'workflow',
            inboxId: row.id,
            message: `a ${connection.connector.id} event (${signal.dedupeKey}) names workflow ${workflowId}, which the engine does not know`,
            detail: { workflowId, dedupeKey: signal.dedupeKey },
          });
        }
        await tx`update inbox set signalled_at = now() where id = ${row.id}`;
      }
      return rows.length;
    });

  const cancellations = () =>
    sql.begin(async (tx) => {
      const rows = await tx<{ id: string; tenant_id: string; connection_id: string; external_id: string }[]>`
        select id, tenant_id, connection_id, external_id from orders
        where status = 'cancelled' and workflow_started_at is not null and cancel_signalled_at is null
          and (cancel_signal_after is null or cancel_signal_after <= now())
        order by id limit 100 for update skip locked`;
      for (const order of rows) {
        const workflowId = orderWorkflowId(order.id);
        const status = await engine.status(workflowId);
        if (
          status?.state === 'succeeded' &&
          (status.output as { outcome?: string })?.outcome === 'delivered'
        ) {
          await recordException(tx, {
            tenantId: order.tenant_id,
            connectionId: order.connection_id,
            kind: 'workflow',
            inboxId: null,
            message: `order ${order.external_id} was cancelled on the channel after it was delivered: arrange a return and refund by hand`,
            detail: { workflowId },
          });
        } else if (status?.state !== 'succeeded') {
          // Running, queued, or failed (kept for the replay that brings it back): the workflow gets it.
          const answer = status
            ? await engine.signal(
                workflowId,
                ORDER_EVENTS_TOPIC,
                { kind: 'cancel', reason: CANCELLED_ON_CHANNEL },
                { dedupeKey: `cancel:${order.id}` },
              )
            : 'no-such-workflow';
          if (answer === 'no-such-workflow') {
            // Started, but the engine does not show it yet: again shortly.
            await tx`update orders set cancel_signal_after = now() + ${`${RETRY_SIGNAL_SECONDS} seconds`}::interval where id = ${order.id}`;
            continue;
          }
        }
        await tx`update orders set cancel_signalled_at = now() where id = ${order.id}`;
      }
      return rows.length;
    });

  return repeatEvery(
    options,
    'handing events to order workflows',
    async () => (ids.length ? await events() : 0) + (await cancellations()) >= 100,
  );
}
