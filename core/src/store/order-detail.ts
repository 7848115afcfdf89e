import type { Sql } from 'postgres';
import type { Order } from '../order.ts';
import type { OrderEvent } from './orders.ts';

/** A timeline event with the workflow step that wrote it (null for an import): each step's outcome. */
export interface OrderTimelineEvent extends OrderEvent {
  stepKey: string | null;
}

/** A delivery an order came from, without its body (getDelivery gives that). */
export interface OrderDelivery {
  id: string;
  dedupeKey: string;
  receivedAt: string;
  contentType: string;
  status: string;
  /** The body's size in bytes. */
  bytes: number;
  /** The delivery this one is a corrected resend or an operator's edit of (see storeDelivery, storeEditedInput). */
  revisionOf: string | null;
}

export interface OrderDetail {
  /** The canonical order: lines, totals, payments, fulfillments, refunds. */
  order: Order;
  timeline: OrderTimelineEvent[];
  /** The deliveries its timeline names, with every revision of each, oldest first. */
  deliveries: OrderDelivery[];
  /** When its workflow was started (null: not yet, or its connection drives none). */
  workflowStartedAt: string | null;
}

/** One order as the API's detail shows it, or undefined when the tenant has no such order (another's included). */
export async function getOrderDetail(
  sql: Sql,
  tenantId: string,
  orderId: string,
): Promise<OrderDetail | undefined> {
  // Three reads at once, each scoped to the tenant, so another tenant's order yields nothing from any of them.
  const [[row], events, deliveries] = await Promise.all([
    sql<{ data: Order; workflowStartedAt: Date | null }[]>`
      select data, workflow_started_at as "workflowStartedAt" from orders
      where tenant_id = ${tenantId} and id = ${orderId}`,
    sql<(Omit<OrderTimelineEvent, 'at'> & { at: Date })[]>`
      select version, type, data, inbox_id as "inboxId", step_key as "stepKey", at from order_events
      where order_id = ${orderId} and tenant_id = ${tenantId} order by id`,
    sql<(Omit<OrderDelivery, 'receivedAt'> & { receivedAt: Date })[]>`
      with named as (
        select distinct coalesce(i.revision_of, i.id) as id
        from order_events e join inbox i on i.id = e.inbox_id
        where e.order_id = ${orderId} and e.tenant_id = ${tenantId} and i.tenant_id = ${tenantId}
      ), family as (
        -- Two index reads (by id, by revision_of) rather than one OR, which PostgreSQL answers by reading the
        -- whole inbox. No row is in both: a named row is an original, whose revision_of is null.
        select i.id, i.tenant_id, i.dedupe_key, i.received_at, i.content_type, i.status, octet_length(i.body) as bytes,
               i.revision_of
        from inbox i join named n on i.id = n.id
        union all
        select i.id, i.tenant_id, i.dedupe_key, i.received_at, i.content_type, i.status, octet_length(i.body) as bytes,
               i.revision_of
        from inbox i join named n on i.revision_of = n.id where i.revision_of is not null
      )
      select id, dedupe_key as "dedupeKey", received_at as "receivedAt", content_type as "contentType", status,
             bytes::int as bytes, revision_of as "revisionOf"
      from family where tenant_id = ${tenantId}
      order by id`,
  ]);
  if (!row) return undefined;
  return {
    order: row.data,
    timeline: events.map((e) => ({ ...e, at: e.at.toISOString() })),
    deliveries: deliveries.map((d) => ({ ...d, receivedAt: d.receivedAt.toISOString() })),
    workflowStartedAt: row.workflowStartedAt?.toISOString() ?? null,
  };
}

/** One stored delivery with its headers (credentials were never stored) and its body. */
export interface Delivery extends OrderDelivery {
  connectionId: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  processedAt: string | null;
  /** The body as text when it is UTF-8, else base64 (bodyEncoding says which). */
  body: string;
  bodyEncoding: 'utf8' | 'base64';
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** A stored body as people read it: text when it is UTF-8, else base64 (`encoding` says which). */
export function readableBody(body: Uint8Array): { body: string; encoding: 'utf8' | 'base64' } {
  try {
    return { body: UTF8.decode(body), encoding: 'utf8' };
  } catch {
    return {
      body: Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('base64'),
      encoding: 'base64',
    };
  }
}

/** One of the tenant's deliveries (an inbox row), or undefined when the tenant has none by that id. */
export async function getDelivery(
  sql: Sql,
  tenantId: string,
  inboxId: string,
): Promise<Delivery | undefined> {
  // Inbox ids are bigints: anything else names no delivery (and would fail the cast).
  if (!/^[1-9]\d{0,18}$/.test(inboxId) || BigInt(inboxId) > 9223372036854775807n) return undefined;
  const [row] = await sql<
    (Omit<Delivery, 'receivedAt' | 'processedAt' | 'body' | 'bodyEncoding'> & {
      receivedAt: Date;
      processedAt: Date | null;
      body: Buffer;
    })[]
  >`
    select id, connection_id as "connectionId", dedupe_key as "dedupeKey", received_at as "receivedAt", method,
           path, headers, content_type as "contentType", status, processed_at as "processedAt",
           octet_length(body)::int as bytes, revision_of as "revisionOf", body
    from inbox where tenant_id = ${tenantId} and id = ${inboxId}`;
  if (!row) return undefined;
  const { body, encoding } = readableBody(row.body);
  return {
    ...row,
    receivedAt: row.receivedAt.toISOString(),
    processedAt: row.processedAt?.toISOString() ?? null,
    body,
    bodyEncoding: encoding,
  };
}
