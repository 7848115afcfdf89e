import type { ConnectionContext, PulledRecord, PullPage, PullRequest } from '@switchyard/core';
import { ebayApi } from './client.ts';
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

/** getOrder, with the tax breakdown (so eBay's total includes the tax it collects); undefined for a 404. */
export async function fetchOrder(
  context: Context,
  orderId: string,
  signal: AbortSignal,
): Promise<PulledRecord | undefined> {
  const api = await ebayApi(context, 'fulfillment', signal);
  const order = await api.json<Listed>('GET', `order/${encodeURIComponent(orderId)}`, {
    query: { fieldGroups: 'TAX_BREAKDOWN' },
    notFound: 'undefined',
    what: `order ${orderId}`,
  });
  return order && orderRecord(order);
}

/**
 * Where a pull is: the window of modification times it lists (fixed when it starts, so orders changed during the
 * pull leave it rather than join it), the offset reached, and the window's size at the last page.
 */
interface WindowCursor {
  from: string;
  until: string;
  offset: number;
  total: number | null;
}

const DAY = 86_400_000;
/** Asked again from the watermark less this: an order eBay indexes a little late is still found. */
const OVERLAP_MS = 5 * 60_000;
/** eBay serves orders up to two years old (getOrders fails beyond); a day is kept in hand. */
const OLDEST_MS = 729 * DAY;
/** A first pull with no watermark reads what eBay lists by default: the last 90 days. */
const FIRST_PULL_MS = 90 * DAY;

function readCursor(text: string): WindowCursor {
  let c: Partial<WindowCursor> | undefined;
  try {
    c = JSON.parse(text) as Partial<WindowCursor>;
  } catch {
    c = undefined;
  }
  const date = (v: unknown) => typeof v === 'string' && !Number.isNaN(Date.parse(v));
  if (
    !c ||
    !date(c.from) ||
    !date(c.until) ||
    !Number.isSafeInteger(c.offset) ||
    (c.offset ?? -1) < 0 ||
    !(c.total === null || Number.isSafeInteger(c.total))
  ) {
    throw new Error(
      `the stored pull cursor ${JSON.stringify(text).slice(0, 80)} is not an eBay order window: run the sync with --restart`,
    );
  }
  return c as WindowCursor;
}

function startWindow(context: Context, since: Date | undefined): { cursor: WindowCursor; note?: string } {
  const until = context.now().getTime();
  const oldest = until - OLDEST_MS;
  const wanted = since ? since.getTime() - OVERLAP_MS : until - FIRST_PULL_MS;
  const from = Math.min(until, Math.max(wanted, oldest));
  return {
    cursor: {
      from: new Date(from).toISOString(),
      until: new Date(until).toISOString(),
      offset: 0,
      total: null,
    },
    ...(wanted < oldest
      ? {
          note: `eBay serves orders up to two years old: pulling those modified since ${new Date(from).toISOString()}`,
        }
      : {}),
  };
}

/**
 * Orders modified in a window, by getOrders' `lastmodifieddate` filter, `limit` (at most 200) and `offset`. eBay
 * lists them by creation date, not modification time, so the pull does not move a keyset: it fixes the window's
 * end when it starts and pages through it. An order modified during the pull leaves the window (its new time is
 * later) and shifts the orders behind it forward; `total` says by how many, and the next page starts that many
 * earlier, so none is skipped (the overlap comes twice, and dedupe absorbs it). The window's end becomes the
 * watermark once the last page is stored.
 */
export async function* pullOrders(context: Context, request: PullRequest): AsyncGenerator<PullPage> {
  const { settings } = context;
  const start = request.cursor ? { cursor: readCursor(request.cursor) } : startWindow(context, request.since);
  let cursor = start.cursor;
  let note = start.note;
  for (;;) {
    const api = await ebayApi(context, 'fulfillment', request.signal);
    const page = await api.json<OrderPage>('GET', 'order', {
      query: {
        filter: `lastmodifieddate:[${cursor.from}..${cursor.until}]`,
        limit: settings.pageSize,
        offset: cursor.offset,
        fieldGroups: 'TAX_BREAKDOWN',
      },
      signal: request.signal,
      what: 'orders page (getOrders)',
    });
    const orders = page.orders ?? [];
    const total = page.total ?? cursor.offset + orders.length;
    const left = cursor.total === null ? 0 : Math.max(0, cursor.total - total);
    const reached = cursor.offset + orders.length;
    // Orders that left the window before this offset moved the unread ones behind it back by as many places.
    const done =
      left === 0 &&
      (orders.length === 0 || reached >= total || (!page.next && orders.length < settings.pageSize));
    const next: WindowCursor | null = done
      ? null
      : { ...cursor, offset: left > 0 ? Math.max(0, cursor.offset - left) : reached, total };
    yield {
      records: orders.map(orderRecord),
      cursor: next ? JSON.stringify(next) : null,
      watermark: cursor.until,
      remaining: Math.max(0, total - reached),
      ...(note ? { status: note } : {}),
    };
    note = undefined;
    if (!next) return;
    cursor = next;
  }
}
