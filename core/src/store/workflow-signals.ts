import type { Sql } from 'postgres';
import { recordException } from './exceptions.ts';

/**
 * What became of one event offered to the workflows: handed over (or found to concern none), to be offered
 * again after a while (it should reach a workflow that is not there yet), or handed over with an exception a
 * person must look at.
 */
export type SignalHandover =
  | 'handed-over'
  | { retryInSeconds: number }
  | { exception: string; detail: Record<string, unknown> };

/** A vendor event stored in the inbox that no order came of (a tracking update, a payment event). */
export interface StoredEvent {
  id: string;
  tenantId: string;
  connectionId: string;
  headers: Record<string, string>;
  contentType: string;
  body: Uint8Array;
  receivedAt: Date;
}

/** An order cancelled on its channel after its workflow started. */
export interface CancelledOrder {
  id: string;
  tenantId: string;
  connectionId: string;
  externalId: string;
}

/**
 * Offers, in one transaction, up to `limit` inbox events of the connections not handed over yet (and not
 * waiting out a retry) to `hand`, in the order received, and records its answer: a restart offers only what
 * was left. Several processes share the work, each skipping the events another holds. Answers how many.
 */
export async function handOverInboxEvents(
  sql: Sql,
  connectionIds: readonly string[],
  limit: number,
  hand: (event: StoredEvent) => Promise<SignalHandover>,
): Promise<number> {
  if (!connectionIds.length) return 0;
  return sql.begin(async (tx) => {
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
      where signalled_at is null and status = 'ignored' and connection_id = any(${sql.array(connectionIds as string[])})
        and (signal_after is null or signal_after <= now())
      order by id limit ${limit} for update skip locked`;
    for (const row of rows) {
      const answer = await hand({
        id: row.id,
        tenantId: row.tenant_id,
        connectionId: row.connection_id,
        headers: row.headers,
        contentType: row.content_type,
        body: new Uint8Array(row.body),
        receivedAt: row.received_at,
      });
      if (typeof answer === 'object' && 'retryInSeconds' in answer) {
        await tx`update inbox set signal_after = now() + ${`${answer.retryInSeconds} seconds`}::interval where id = ${row.id}`;
        continue;
      }
      if (typeof answer === 'object') {
        await recordException(tx, {
          tenantId: row.tenant_id,
          connectionId: row.connection_id,
          kind: 'workflow',
          inboxId: row.id,
          message: answer.exception,
          detail: answer.detail,
        });
      }
      await tx`update inbox set signalled_at = now() where id = ${row.id}`;
    }
    return rows.length;
  });
}

/**
 * The same for orders cancelled on their channel once their workflow had started: up to `limit` of them not
 * handed over yet, each marked by `hand`'s answer. Answers how many.
 */
export async function handOverCancellations(
  sql: Sql,
  limit: number,
  hand: (order: CancelledOrder) => Promise<SignalHandover>,
): Promise<number> {
  return sql.begin(async (tx) => {
    const rows = await tx<CancelledOrder[]>`
      select id, tenant_id as "tenantId", connection_id as "connectionId", external_id as "externalId"
      from orders
      where status = 'cancelled' and workflow_started_at is not null and cancel_signalled_at is null
        and (cancel_signal_after is null or cancel_signal_after <= now())
      order by id limit ${limit} for update skip locked`;
    for (const order of rows) {
      const answer = await hand(order);
      if (typeof answer === 'object' && 'retryInSeconds' in answer) {
        await tx`update orders set cancel_signal_after = now() + ${`${answer.retryInSeconds} seconds`}::interval where id = ${order.id}`;
        continue;
      }
      if (typeof answer === 'object') {
        await recordException(tx, {
          tenantId: order.tenantId,
          connectionId: order.connectionId,
          kind: 'workflow',
          inboxId: null,
          message: answer.exception,
          detail: answer.detail,
        });
      }
      await tx`update orders set cancel_signalled_at = now() where id = ${order.id}`;
    }
    return rows.length;
  });
}

/** The order a label was bought for, by the label's tracking code (the carrier's events name only that). */
export async function orderIdByTrackingCode(
  sql: Sql,
  tenantId: string,
  trackingCode: string,
): Promise<string | undefined> {
  const [row] = await sql<{ order_id: string }[]>`
    select order_id from order_events
    where type = 'label.purchased' and data->>'trackingCode' = ${trackingCode} and tenant_id = ${tenantId}
    limit 1`;
  return row?.order_id;
}
