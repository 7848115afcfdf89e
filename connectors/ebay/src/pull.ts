import {
  type ConnectionContext,
  type PulledRecord,
  type PullPage,
  type PullRequest,
  VendorError,
} from '@switchyard/core';
import { ebayApi } from './client.ts';
import { advance, pageOf, readCursor, startWindow, type WindowCursor } from './order-window.ts';
import type { Secrets, Settings } from './settings.ts';

type Context = ConnectionContext<Settings, Secrets>;

/** What the pull reads of an order; the whole order is stored as eBay gave it. */
interface Listed {
  orderId: string;
  lastModifiedDate: string;
}

interface OrderPage {
  orders?: Listed[];
  total?: number;
  next?: string;
}

/**
 * The order's id and modification time: a state of an order has one key whether a page of getOrders or a
 * getOrder after a notification brought it, so the second to arrive is a duplicate (eBay sends ORDER_CONFIRMATION
 * once per line item: the fetches after them all give one record).
 */
export function orderKey(order: Listed): string {
  const at = Date.parse(order.lastModifiedDate);
  return `order:${order.orderId}@${Number.isNaN(at) ? order.lastModifiedDate : new Date(at).toISOString()}`;
}

export function orderRecord(order: Listed): PulledRecord {
  return {
    dedupeKey: orderKey(order),
    body: new Uint8Array(Buffer.from(JSON.stringify(order))),
    contentType: 'application/json',
  };
}

/**
 * getOrder, with the tax breakdown (so eBay's total includes the tax it collects). Undefined when eBay has no
 * such order: a 404, or the 400 with error 32100 ("Invalid order ID") that eBay's specification lists for it. Just
 * after a notification the order may not be readable yet: the hub fetches again later, then opens an exception.
 */
export async function fetchOrder(
  context: Context,
  orderId: string,
  signal: AbortSignal,
): Promise<PulledRecord | undefined> {
  const api = await ebayApi(context, 'fulfillment', signal);
  try {
    const order = await api.json<Listed>('GET', `order/${encodeURIComponent(orderId)}`, {
      query: { fieldGroups: 'TAX_BREAKDOWN' },
      notFound: 'undefined',
      what: `order ${orderId}`,
    });
    return order && orderRecord(order);
  } catch (error) {
    if (error instanceof VendorError && error.code === '32100') return undefined;
    throw error;
  }
}

/**
 * Orders modified in a window, by getOrders' `lastmodifieddate` filter, `limit` (at most 200) and `offset`. The
 * window is fixed when the pull starts and ends 2 minutes before now (eBay refuses an end in its future, and the
 * clocks may differ); orders modified while the pull runs leave it, and the paging absorbs that (order-window.ts:
 * nothing skipped, a bounded number of pages). Then the orders modified since the window's end are read once,
 * open-ended (`[until..]`, no end for eBay to refuse), so a change of the last minutes shows now rather than at
 * the next pull. The window's end is the watermark; the next pull starts 15 minutes before it (dedupe absorbs the
 * overlap and the open-ended tail).
 */
export async function* pullOrders(context: Context, request: PullRequest): AsyncGenerator<PullPage> {
  const start = request.cursor
    ? { cursor: readCursor(request.cursor) }
    : startWindow(context.now(), request.since);
  let cursor = start.cursor;
  let note = start.note;
  for (;;) {
    const { page, moved } = await readPage(context, cursor, request.signal);
    const orders = page.orders ?? [];
    let next = moved.next;
    // The window read to its end: the orders modified since, once.
    if (!next && !cursor.tail)
      next = { from: cursor.from, until: cursor.until, offset: 0, total: null, tail: true };
    yield {
      records: orders.map(orderRecord),
      cursor: next ? JSON.stringify(next) : null,
      watermark: cursor.until,
      remaining: next?.total == null ? 0 : Math.max(0, next.total - next.offset),
      ...(note ? { status: note } : {}),
    };
    note = undefined;
    if (!next) return;
    cursor = next;
  }
}

/**
 * One page of the window and where it leaves the pull. A page eBay lists shorter than the count it gives (an
 * empty page before the end) is read again once; if it stays short, the pull fails where it is, its watermark
 * unmoved, and the next sync resumes from the last page stored.
 */
async function readPage(context: Context, cursor: WindowCursor, signal: AbortSignal) {
  const limit = context.settings.pageSize;
  const { filter, start } = pageOf(cursor);
  for (let attempt = 1; ; attempt++) {
    const api = await ebayApi(context, 'fulfillment', signal);
    const page = await api.json<OrderPage>('GET', 'order', {
      query: { filter, limit, offset: start, fieldGroups: 'TAX_BREAKDOWN' },
      signal,
      what: 'orders page (getOrders)',
    });
    const count = page.orders?.length ?? 0;
    const moved = advance(cursor, { start, count, total: page.total, limit });
    if (!moved.short) return { page, moved };
    if (attempt >= 2) {
      throw new Error(
        `eBay's getOrders listed ${count} orders at offset ${start} of the ${page.total} it counts for ${filter}, twice: the pull stops here without moving its watermark, and the next sync resumes from its last stored page`,
      );
    }
  }
}
