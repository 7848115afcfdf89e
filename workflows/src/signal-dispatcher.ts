import {
  type CancelledOrder,
  type Connection,
  type ConnectorSignal,
  describeError,
  type Engine,
  handOverCancellations,
  handOverInboxEvents,
  type Loop,
  orderIdByTrackingCode,
  type SignalHandover,
  type Sql,
  type StoredEvent,
  startLoop,
} from '@switchyard/core';
import { CANCELLED_ON_CHANNEL, ORDER_EVENTS_TOPIC, orderWorkflowId, PAYMENT_TOPIC } from './order/events.ts';

/** How long an event that cannot reach its workflow yet is kept trying, and how often. */
const HOLD_SIGNAL_MS = 3_600_000;
const RETRY_SIGNAL_SECONDS = 15;
/** How many events (and cancellations) one turn hands over; a full batch runs the next turn at once. */
const BATCH = 100;

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
}): Loop {
  const { sql, engine } = options;
  const ids = [...options.connections.values()].filter((c) => c.connector.signal).map((c) => c.id);

  const workflowOf = async (tenantId: string, correlate: ConnectorSignal['correlate']) => {
    if (correlate.workflowId) return correlate.workflowId;
    const orderId = correlate.trackingCode
      ? await orderIdByTrackingCode(sql, tenantId, correlate.trackingCode)
      : undefined;
    return orderId && orderWorkflowId(orderId);
  };

  const handEvent = async (row: StoredEvent): Promise<SignalHandover> => {
    const connection = options.connections.get(row.connectionId)!;
    const signal = connection.connector.signal!({
      headers: row.headers,
      body: row.body,
      contentType: row.contentType,
      receivedAt: row.receivedAt,
    });
    if (!signal) return 'handed-over';
    const workflowId = await workflowOf(row.tenantId, signal.correlate);
    let answer: 'delivered' | 'no-such-workflow' | undefined;
    if (workflowId) {
      const [topic, payload] =
        signal.event.kind === 'tracking' ? [ORDER_EVENTS_TOPIC, signal.event] : [PAYMENT_TOPIC, signal.event];
      answer = await engine.signal(workflowId, topic, payload, { dedupeKey: signal.dedupeKey });
    }
    // An event that should reach a workflow but cannot yet (its label's record, or the workflow itself, is
    // not there yet: the step that writes it is retrying, or the engine lags) is looked at again later;
    // given up on, as concerning no workflow of ours, once it is an hour old (a label bought outside the
    // hub on the same account), with an exception when it named a workflow.
    const young = Date.now() - row.receivedAt.getTime() < HOLD_SIGNAL_MS;
    if (answer !== 'delivered' && young) return { retryInSeconds: RETRY_SIGNAL_SECONDS };
    if (answer === 'no-such-workflow') {
      return {
        exception: `a ${connection.connector.id} event (${signal.dedupeKey}) names workflow ${workflowId}, which the engine does not know`,
        detail: { workflowId, dedupeKey: signal.dedupeKey },
      };
    }
    return 'handed-over';
  };

  const handCancellation = async (order: CancelledOrder): Promise<SignalHandover> => {
    const workflowId = orderWorkflowId(order.id);
    const status = await engine.status(workflowId);
    if (status?.state === 'succeeded') {
      return (status.output as { outcome?: string })?.outcome === 'delivered'
        ? {
            exception: `order ${order.externalId} was cancelled on the channel after it was delivered: arrange a return and refund by hand`,
            detail: { workflowId },
          }
        : 'handed-over';
    }
    // Running, queued, or failed (kept for the replay that brings it back): the workflow gets it.
    const answer = status
      ? await engine.signal(
          workflowId,
          ORDER_EVENTS_TOPIC,
          { kind: 'cancel', reason: CANCELLED_ON_CHANNEL },
          { dedupeKey: `cancel:${order.id}` },
        )
      : 'no-such-workflow';
    // Started, but the engine does not show it yet: again shortly.
    return answer === 'no-such-workflow' ? { retryInSeconds: RETRY_SIGNAL_SECONDS } : 'handed-over';
  };

  return startLoop({
    everyMs: options.everyMs ?? 1000,
    async turn() {
      const events = await handOverInboxEvents(sql, ids, BATCH, handEvent);
      const cancellations = await handOverCancellations(sql, BATCH, handCancellation);
      return events + cancellations >= BATCH ? 'again' : undefined;
    },
    onError: (error) =>
      options.log.error('handing events to order workflows failed; trying again shortly', {
        error: describeError(error),
      }),
  });
}
