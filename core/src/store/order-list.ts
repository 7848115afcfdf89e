import type { Sql } from 'postgres';
import { HubError } from '../errors.ts';
import { OrderStatus } from '../order.ts';
import type { Db } from './orders.ts';

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
