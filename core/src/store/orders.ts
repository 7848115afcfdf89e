import { isDeepStrictEqual } from 'node:util';
import type { Sql, TransactionSql } from 'postgres';
import { HubError } from '../errors.ts';
import { assertTransition, type Order, type OrderDraft, OrderStatus } from '../order.ts';
import { columns, createOrder, type OrderSource, toOrder } from './new-orders.ts';

/** Who an order came from: applyOrder's callers name it. */
export type { OrderSource } from './new-orders.ts';

export type Db = Sql | TransactionSql;

export type ApplyResult =
  | { result: 'created'; orderId: string; version: number }
  | { result: 'updated'; orderId: string; version: number }
  | { result: 'unchanged'; orderId: string; version: number }
  | { result: 'stale'; orderId: string; version: number };

interface OrderRow {
  id: string;
  version: number;
  status: Order['status'];
  source_updated_at: Date;
  data: Order;
}

function changedKeys(before: Order, after: Order): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  keys.delete('version');
  return [...keys].filter(
    (k) => !isDeepStrictEqual((before as Record<string, unknown>)[k], (after as Record<string, unknown>)[k]),
  );
}

/**
 * Creates or updates the canonical order for (tenant, connection, external id),
 * inside the caller's transaction. An older source version never overwrites a newer
 * one; an identical one changes nothing; a status change must be legal (else
 * TransitionError, and the caller records an exception). Every change bumps the
 * version and appends one timeline event. A new order is written by `createOrder`
 * (new-orders.ts), the same statement parts the intake's batch writes through.
 */
export async function applyOrder(
  tx: Db,
  source: OrderSource,
  draft: OrderDraft,
  inboxId: string | null,
): Promise<ApplyResult> {
  const created = await createOrder(tx, source, draft, inboxId);
  if (created) return { result: 'created', orderId: created, version: 1 };

  const [existing] = await tx<OrderRow[]>`
    select id, version, status, source_updated_at, data from orders
    where tenant_id = ${source.tenantId} and connection_id = ${source.connectionId} and external_id = ${draft.externalId}
    for update`;
  if (!existing) throw new Error(`order ${draft.externalId} vanished during update`);
  const current = { orderId: existing.id, version: existing.version };
  const incoming = Date.parse(draft.updatedAt);
  if (incoming < existing.source_updated_at.getTime()) return { result: 'stale', ...current };
  // A summary of the state the hub already has (in full, or in summary) tells it nothing new.
  if (draft.summary && incoming === existing.source_updated_at.getTime())
    return { result: 'unchanged', ...current };

  const version = existing.version + 1;
  // As it will read back from JSONB: keys holding undefined disappear, so an identical resend compares equal.
  const next = JSON.parse(JSON.stringify(toOrder(existing.id, source, draft, version))) as Order;
  const changed = changedKeys(existing.data, next);
  if (changed.length === 0) return { result: 'unchanged', ...current };
  if (existing.status !== draft.status) assertTransition(existing.status, draft.status);

  await tx`
    update orders set ${tx({ ...columns(draft), version, data: tx.json(next as never) })}, updated_at = now()
    where id = ${existing.id}`;
  const statusChange =
    existing.status !== draft.status ? { from: existing.status, to: draft.status } : undefined;
  await tx`
    insert into order_events (order_id, tenant_id, version, type, data, inbox_id)
    values (${existing.id}, ${source.tenantId}, ${version}, ${statusChange ? 'order.status_changed' : 'order.updated'},
            ${tx.json({ changed, ...(statusChange ? { status: statusChange } : {}) })}, ${inboxId})`;
  return { result: 'updated', orderId: existing.id, version };
}

export interface OrderSummary {
  id: string;
  connectionId: string;
  externalId: string;
  externalNumber: string | null;
  status: string;
  currency: string;
  totalAmount: number;
  poNumber: string | null;
  /** Lower-cased, as the list matches it. */
  customerEmail: string | null;
  placedAt: string;
  /** The source's own modification time (the canonical order's `updatedAt`). */
  updatedAt: string;
  version: number;
  /** When the hub first stored the order: the list's order, newest first. */
  createdAt: string;
}

export interface OrderPage {
  /** Newest first by the sort's time, then by id (desc). */
  orders: OrderSummary[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  next: string | null;
}

/** Which orders a list shows; every filter given narrows it, and strings match exactly. */
export interface OrderFilter {
  connectionId?: string;
  status?: string;
  /** Placed at or after this time (the source's `placedAt`). */
  placedFrom?: Date;
  /** Placed before this time. */
  placedTo?: Date;
  /** Changed at the source at or after this time (the source's `updatedAt`). */
  updatedFrom?: Date;
  /** Changed at the source before this time. */
  updatedTo?: Date;
  externalId?: string;
  externalNumber?: string;
  /** The external id or the external number, exactly: what an operator pastes from the channel. */
  q?: string;
  poNumber?: string;
  /** Any case. */
  customerEmail?: string;
  /** Orders with a line of this SKU. */
  sku?: string;
  /**
   * Which time the list runs newest first by: when the hub stored the order (`created`), when it was placed, or
   * when the source last changed it. When absent: the time of the range filter given (placed before updated),
   * else created. A range is served by the index of its own time, so a page of it never sorts the whole range.
   */
  sort?: OrderSort;
}

export type OrderSort = 'created' | 'placed' | 'updated';

/** Each sort's column; each has its index (tenant_id, column desc, id desc). */
const SORT_COLUMNS: Record<OrderSort, string> = {
  created: 'created_at',
  placed: 'placed_at',
  updated: 'source_updated_at',
};

export const ORDERS_PAGE_DEFAULT = 50;
export const ORDERS_PAGE_MAX = 500;

type SummaryRow = Omit<OrderSummary, 'totalAmount' | 'placedAt' | 'updatedAt' | 'createdAt'> & {
  totalAmount: string;
  placedAt: Date;
  updatedAt: Date;
  createdAt: Date;
  cursorAt: string;
};

/**
 * One tenant's orders, newest first, a page at a time (keyset: the cursor is the last row's sort time and id, so
 * orders stored meanwhile neither shift nor repeat a page). Each filter is served by an index (migration 0017) and
 * nothing is counted: a page reads its own rows, however deep. A limit outside 1..500, a bad filter or a cursor
 * this function did not give out (for this sort) is a HubError (400).
 */
export async function listOrders(
  sql: Sql,
  tenantId: string,
  options: OrderFilter & {
    cursor?: string | null;
    limit?: number;
    /** The cursor's former name, still read for older callers. */
    after?: string | null;
  } = {},
): Promise<OrderPage> {
  const limit = options.limit ?? ORDERS_PAGE_DEFAULT;
  if (!Number.isInteger(limit) || limit < 1 || limit > ORDERS_PAGE_MAX) {
    throw listError('invalid-limit', `limit ${limit} is not a whole number from 1 to ${ORDERS_PAGE_MAX}`);
  }
  if (options.status && !OrderStatus.safeParse(options.status).success) {
    throw listError(
      'invalid-status',
      `status "${clip(options.status)}" is none of ${OrderStatus.options.join(', ')}`,
    );
  }
  if (options.sort && !Object.hasOwn(SORT_COLUMNS, options.sort)) {
    throw listError(
      'invalid-sort',
      `sort "${clip(options.sort)}" is none of ${Object.keys(SORT_COLUMNS).join(', ')}`,
    );
  }
  for (const key of ['placedFrom', 'placedTo', 'updatedFrom', 'updatedTo'] as const) {
    const at = options[key];
    if (at && Number.isNaN(at.getTime()))
      throw listError(`invalid-${kebab(key)}`, `${key} is not a valid time`);
  }
  const cursor = options.cursor ?? options.after;
  const sort = options.sort ?? defaultSort(options);
  const after = cursor ? decodeOrderCursor(cursor, sort) : null;
  if (cursor && !after) {
    throw new HubError({
      type: 'invalid-cursor',
      title: 'Invalid cursor',
      status: 400,
      detail: `cursor "${clip(cursor)}" is not one an orders list sorted by ${sort} time gave out`,
      fix: 'pass the next cursor of the previous page as it was given, or none to start from the newest',
    });
  }
  const f = options;
  const read = (db: Db) => {
    const at = db(SORT_COLUMNS[sort]);
    return db<SummaryRow[]>`
      select id, connection_id as "connectionId", external_id as "externalId", external_number as "externalNumber",
             status, currency, total_amount as "totalAmount", po_number as "poNumber",
             customer_email as "customerEmail", placed_at as "placedAt", source_updated_at as "updatedAt", version,
             created_at as "createdAt",
             to_char(${at} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "cursorAt"
      from orders
      where tenant_id = ${tenantId}
        ${f.connectionId ? db`and connection_id = ${f.connectionId}` : db``}
        ${f.status ? db`and status = ${f.status}` : db``}
        ${f.placedFrom ? db`and placed_at >= ${f.placedFrom}` : db``}
        ${f.placedTo ? db`and placed_at < ${f.placedTo}` : db``}
        ${f.updatedFrom ? db`and source_updated_at >= ${f.updatedFrom}` : db``}
        ${f.updatedTo ? db`and source_updated_at < ${f.updatedTo}` : db``}
        ${f.externalId ? db`and external_id = ${f.externalId}` : db``}
        ${f.externalNumber ? db`and external_number = ${f.externalNumber}` : db``}
        ${f.q ? db`and (external_id = ${f.q} or external_number = ${f.q})` : db``}
        ${f.poNumber ? db`and po_number = ${f.poNumber}` : db``}
        ${f.customerEmail ? db`and customer_email = ${f.customerEmail.toLowerCase()}` : db``}
        ${f.sku ? db`and skus @> array[${f.sku}::text]` : db``}
        ${after ? db`and (${at}, id) < (${after.at}::text::timestamptz, ${after.id})` : db``}
      order by ${at} desc, id desc
      limit ${limit + 1}`;
  };
  // A SKU's frequency decides the plan: a common one walks the sort's index and stops at the page's end, a rare
  // one is read by the GIN index and sorted. postgres.js prepares its statements, and PostgreSQL's generic plan
  // (chosen after five runs, blind to the value) reads a common SKU's every order through the GIN index and sorts
  // them (a second, on 200,000 orders): this read is planned for its values each time.
  const rows = f.sku
    ? await sql.begin(async (tx) => {
        await tx`set local plan_cache_mode = force_custom_plan`;
        return read(tx);
      })
    : await read(sql);
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    orders: page.map(({ cursorAt: _cursor, ...r }) => ({
      ...r,
      totalAmount: Number(r.totalAmount),
      placedAt: r.placedAt.toISOString(),
      updatedAt: r.updatedAt.toISOString(),
      createdAt: r.createdAt.toISOString(),
    })),
    // The cursor keeps the time to the microsecond (JS dates stop at the millisecond) and goes back as text:
    // postgres.js would pass a timestamptz parameter through a Date and lose the microseconds.
    next: rows.length > limit && last ? encodeOrderCursor(sort, last.cursorAt, last.id) : null,
  };
}

function defaultSort(filter: OrderFilter): OrderSort {
  if (filter.placedFrom || filter.placedTo) return 'placed';
  if (filter.updatedFrom || filter.updatedTo) return 'updated';
  return 'created';
}

const CURSOR_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

function encodeOrderCursor(sort: OrderSort, at: string, id: string): string {
  return Buffer.from(JSON.stringify([sort, at, id])).toString('base64url');
}

/** The (time, id) pair of a cursor, or null when it is not exactly one encodeOrderCursor made for this sort. */
function decodeOrderCursor(cursor: string, sort: OrderSort): { at: string; id: string } | null {
  if (!/^[A-Za-z0-9_-]{1,400}$/.test(cursor)) return null;
  let pair: unknown;
  try {
    pair = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (!Array.isArray(pair) || pair.length !== 3 || pair[0] !== sort) return null;
  const [, at, id] = pair as unknown[];
  if (typeof at !== 'string' || !CURSOR_TIME.test(at)) return null;
  // A real instant (no 30 February): the millisecond part survives a trip through Date unchanged.
  const ms = at.slice(0, 23);
  const date = new Date(`${ms}Z`);
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 23) !== ms) return null;
  if (typeof id !== 'string' || !/^[\x21-\x7e]{1,100}$/.test(id)) return null;
  // Base64 has several spellings of the same bytes: only the one we give out is a cursor.
  return encodeOrderCursor(sort, at, id) === cursor ? { at, id } : null;
}

function listError(type: string, detail: string): HubError {
  return new HubError({ type, title: 'Invalid orders list request', status: 400, detail });
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

export interface OrderEvent {
  version: number;
  type: string;
  data: Record<string, unknown>;
  inboxId: string | null;
  at: string;
}

/** One order with its timeline, or undefined when the tenant has no such order. */
export async function getOrder(
  sql: Sql,
  tenantId: string,
  orderId: string,
): Promise<{ order: Order; timeline: OrderEvent[] } | undefined> {
  const [row] = await sql<
    { data: Order }[]
  >`select data from orders where tenant_id = ${tenantId} and id = ${orderId}`;
  if (!row) return undefined;
  const events = await sql<(Omit<OrderEvent, 'at'> & { at: Date })[]>`
    select version, type, data, inbox_id as "inboxId", at from order_events
    where order_id = ${orderId} and tenant_id = ${tenantId} order by id`;
  return { order: row.data, timeline: events.map((e) => ({ ...e, at: e.at.toISOString() })) };
}

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
  let body: string;
  let bodyEncoding: Delivery['bodyEncoding'] = 'utf8';
  try {
    body = UTF8.decode(row.body);
  } catch {
    body = row.body.toString('base64');
    bodyEncoding = 'base64';
  }
  return {
    ...row,
    receivedAt: row.receivedAt.toISOString(),
    processedAt: row.processedAt?.toISOString() ?? null,
    body,
    bodyEncoding,
  };
}

/** The order's status, as its latest import from the channel gave it (cancelled, on hold, …). */
export async function orderStatusOf(sql: Sql, orderId: string): Promise<OrderStatus> {
  const [row] = await sql<{ status: OrderStatus }[]>`select status from orders where id = ${orderId}`;
  if (!row) throw new Error(`no order ${orderId}`);
  return row.status;
}

/**
 * Records what a workflow did to an order on its timeline (label bought, payment captured, delivered), at the
 * order's current version: workflow events describe effects elsewhere, not a new state of the order.
 */
export async function appendOrderEvent(
  sql: Db,
  event: { orderId: string; type: string; data: Record<string, unknown>; stepKey: string },
): Promise<void> {
  // Keyed by the step: a step run again after a crash (or a replay) writes nothing new.
  const inserted = await sql`
    insert into order_events (order_id, tenant_id, version, type, data, step_key)
    select id, tenant_id, version, ${event.type}, ${sql.json(event.data as never)}, ${event.stepKey}
    from orders where id = ${event.orderId}
    on conflict (order_id, step_key) where step_key is not null do nothing`;
  if (inserted.count > 0) return;
  // Nothing written: recorded before (a step run again), or no such order.
  const [found] = await sql`select 1 from orders where id = ${event.orderId}`;
  if (!found) throw new Error(`no order ${event.orderId} to record ${event.type} on`);
}
