import type { ConnectionContext, PullPage, PullRequest, VendorClient } from '@switchyard/core';
import { walmartClient } from './client.ts';
import { orderRecord } from './record.ts';
import type { Secrets, Settings } from './settings.ts';

/** Walmart lists orders created in the last 180 days only, and at most this many per fetch (one cursor chain). */
export const MAX_PER_FETCH = 20_000;
const DAY = 86_400_000;
const HISTORY_MS = 180 * DAY;
/** Orders are released to the seller some time after they are placed (fraud screening): looked for this far back. */
const RELEASE_LAG_MS = DAY;
/** Changes are asked for from this long before the watermark: Walmart's listing may lag its writes. */
const MODIFIED_OVERLAP_MS = 3_600_000;
/** Without a watermark, the first sync looks this far back (Walmart's own default). */
const FIRST_SYNC_MS = 7 * DAY;
/** A window that still holds more than MAX_PER_FETCH changes when this short is refused. */
const SHORTEST_WINDOW_MS = 60_000;

/**
 * Where a pull stands. `released` walks `GET /v3/orders/released` (orders with lines still to acknowledge);
 * `modified` walks `GET /v3/orders` by modification time in windows of at most MAX_PER_FETCH orders, which
 * brings what changed after release (acknowledged, shipped, cancelled). `next` is Walmart's `nextCursor`: the
 * query string of the window's next page, appended to the same path.
 */
interface WalmartCursor {
  v: 1;
  kind: 'sync' | 'backfill';
  phase: 'released' | 'modified';
  from: string;
  to: string;
  next: string | null;
  fetched: number;
  /** When the pull began: the watermark it leaves once done. */
  startedAt: string;
}

interface OrderList {
  list?: {
    meta?: { totalCount?: number; limit?: number; nextCursor?: string | null };
    elements?: { order?: unknown[] };
  };
}

const iso = (ms: number) => new Date(ms).toISOString();

function firstCursor(now: number, request: PullRequest): WalmartCursor & { clamped: boolean } {
  const kind: WalmartCursor['kind'] = request.backfill ? 'backfill' : 'sync';
  const oldest = now - HISTORY_MS + MODIFIED_OVERLAP_MS;
  const since = request.since?.getTime() ?? now - FIRST_SYNC_MS;
  const from = kind === 'backfill' ? since : since - MODIFIED_OVERLAP_MS;
  const start = { v: 1 as const, kind, next: null, fetched: 0, startedAt: iso(now), clamped: from < oldest };
  return kind === 'backfill'
    ? { ...start, phase: 'modified', from: iso(Math.max(from, oldest)), to: iso(now) }
    : {
        ...start,
        phase: 'released',
        from: iso(Math.max(since - RELEASE_LAG_MS, oldest)),
        to: iso(Math.max(from, oldest)),
      };
}

function readCursor(text: string, kind: WalmartCursor['kind']): WalmartCursor {
  let c: Partial<WalmartCursor> | undefined;
  try {
    c = JSON.parse(text) as Partial<WalmartCursor>;
  } catch {
    c = undefined;
  }
  const date = (v: unknown) => typeof v === 'string' && !Number.isNaN(Date.parse(v));
  if (
    c?.v !== 1 ||
    c.kind !== kind ||
    (c.phase !== 'released' && c.phase !== 'modified') ||
    !date(c.from) ||
    !date(c.to) ||
    !date(c.startedAt) ||
    (c.next !== null && typeof c.next !== 'string') ||
    !Number.isSafeInteger(c.fetched)
  ) {
    throw new Error(
      `the stored pull cursor ${JSON.stringify(text).slice(0, 80)} is not a Walmart ${kind} cursor: run the ${kind} with --restart`,
    );
  }
  return c as WalmartCursor;
}

/** One page: the first of a window from its dates, the next ones from Walmart's `nextCursor`. */
async function fetchPage(api: VendorClient, c: WalmartCursor, pageSize: number, signal: AbortSignal) {
  const path = c.phase === 'released' ? 'v3/orders/released' : 'v3/orders';
  const extras = { productInfo: 'true', replacementInfo: 'true' };
  let answer: OrderList | undefined;
  if (c.next) {
    const query = c.next.startsWith('?') ? c.next : `?${c.next}`;
    const has = new URLSearchParams(query);
    const missing = Object.fromEntries(Object.entries(extras).filter(([k]) => !has.has(k)));
    answer = await api.json<OrderList>('GET', `${path}${query}`, {
      query: missing,
      signal,
      notFound: 'undefined',
      what: `${c.phase} orders page`,
    });
  } else {
    const window =
      c.phase === 'released'
        ? { createdStartDate: c.from }
        : {
            lastModifiedStartDate: c.from,
            lastModifiedEndDate: c.to,
            createdStartDate: iso(Date.parse(c.startedAt) - HISTORY_MS + MODIFIED_OVERLAP_MS),
          };
    answer = await api.json<OrderList>('GET', path, {
      query: { ...window, limit: pageSize, ...extras },
      signal,
      notFound: 'undefined',
      what: `${c.phase} orders`,
    });
  }
  // Walmart answers 404 (CONTENT_NOT_FOUND) when nothing matches; the sandbox a 200 with no elements.
  if (answer === undefined) return { orders: [], nextCursor: null, totalCount: 0 };
  if (!answer?.list) {
    throw new Error(
      `Walmart's ${c.phase} orders answer has no "list": check that apiOrigin is Walmart's API`,
    );
  }
  const orders = answer.list.elements?.order ?? [];
  const nextCursor = answer.list.meta?.nextCursor || null;
  return { orders, nextCursor, totalCount: answer.list.meta?.totalCount ?? orders.length };
}

/** The cursor after a page, or null when the pull is done. */
function following(c: WalmartCursor, nextCursor: string | null, fetched: number): WalmartCursor | null {
  if (nextCursor) return { ...c, next: nextCursor, fetched };
  if (c.phase === 'released') {
    return { ...c, phase: 'modified', from: c.to, to: c.startedAt, next: null, fetched: 0 };
  }
  if (Date.parse(c.to) < Date.parse(c.startedAt)) {
    return { ...c, from: c.to, to: c.startedAt, next: null, fetched: 0 };
  }
  return null;
}

/**
 * Orders from Walmart, page by page (limit 200). A scheduled sync walks the released orders created since the
 * watermark (less a day, as release lags placement), then what was modified since it (less an hour): so new
 * orders come first, and cancellations and shipments of known ones follow. A backfill walks the modified
 * listing from `since` (Walmart keeps 180 days: an older start is moved up) in windows: when a window's first
 * page counts more than 20,000 orders (Walmart refuses to page further), the window is halved until it fits,
 * and the pull moves on window by window to the present. Each order is a record of its own, keyed by its state.
 */
export async function* pullOrders(
  context: ConnectionContext<Settings, Secrets>,
  request: PullRequest,
): AsyncGenerator<PullPage> {
  const api = walmartClient(context);
  const kind = request.backfill ? 'backfill' : 'sync';
  const first = request.cursor ? undefined : firstCursor(context.now().getTime(), request);
  let c: WalmartCursor = request.cursor ? readCursor(request.cursor, kind) : first!;
  let status =
    first?.clamped && kind === 'backfill'
      ? `Walmart keeps 180 days of orders: starting at ${c.from} instead of ${request.since?.toISOString()}`
      : undefined;
  for (;;) {
    const page = await fetchPage(api, c, context.settings.pageSize, request.signal);
    if (c.phase === 'modified' && c.next === null && page.totalCount > MAX_PER_FETCH) {
      const from = Date.parse(c.from);
      const half = Math.floor((Date.parse(c.to) - from) / 2);
      if (half < SHORTEST_WINDOW_MS) {
        throw new Error(
          `Walmart lists more than ${MAX_PER_FETCH} orders modified between ${c.from} and ${c.to}, and will not page through them: import that minute in Seller Center's order report`,
        );
      }
      c = { ...c, to: iso(from + half) };
      continue;
    }
    const fetched = c.fetched + page.orders.length;
    const next = following(c, page.nextCursor, fetched);
    yield {
      records: page.orders.map(orderRecord),
      cursor: next ? JSON.stringify(next) : null,
      ...(next ? {} : { watermark: c.startedAt }),
      ...(page.nextCursor ? { remaining: Math.max(0, page.totalCount - fetched) } : {}),
      ...(status ? { status } : {}),
    };
    status = undefined;
    if (!next) return;
    c = next;
  }
}
