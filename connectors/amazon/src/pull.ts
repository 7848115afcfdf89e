import type { ConnectionContext, PulledRecord, PullPage, PullRequest } from '@switchyard/core';
import { z } from 'zod';
import { amazonApi } from './client.ts';
import type { Secrets, Settings } from './settings.ts';

/**
 * Orders in by Orders API v2026-01-01 (never v0 for reading: its read operations are removed in 2027):
 * searchOrders by last-updated time, every dataset the mapper reads included, paged by `nextToken`; getOrder
 * for one order a notification names. Both give the same record for the same state of an order.
 */
export const ORDERS_PATH = 'orders/2026-01-01/orders';

/** The datasets the mapper reads: buyer, address, money, promotions, cancellation requests, status, packages, tax. */
export const INCLUDED_DATA = [
  'BUYER',
  'RECIPIENT',
  'PROCEEDS',
  'PROMOTION',
  'CANCELLATION',
  'FULFILLMENT',
  'PACKAGES',
  'TAX',
] as const;

/** searchOrders refuses a `lastUpdatedBefore` later than two minutes before the call; a margin for clocks. */
const SETTLE_MS = 2 * 60_000 + 10_000;
/** Amazon's pagination tokens expire after 24 hours; an older one starts its window again. */
const TOKEN_LIFE_MS = 23 * 3_600_000;
/** How far back a backfill without --since reads: Amazon serves two years of orders. */
const HISTORY_DAYS = 730;

interface Listed {
  orderId: string;
  lastUpdatedTime: string;
}

/** One state of an order: its id and modification time, whether a pull or a notification brought it. */
export function orderKey(order: Listed): string {
  const at = Date.parse(order.lastUpdatedTime);
  return `order:${order.orderId}@${Number.isNaN(at) ? order.lastUpdatedTime : new Date(at).toISOString()}`;
}

/** The record of an order as Amazon gave it, as pull and notification fetch both store it. */
export function orderRecord(order: Listed): PulledRecord {
  return {
    dedupeKey: orderKey(order),
    body: new Uint8Array(Buffer.from(JSON.stringify(order))),
    contentType: 'application/json',
  };
}

/** getOrder: the order as Amazon has it now, or undefined when Amazon has no such order (yet). */
export async function fetchOrder(
  context: Pick<ConnectionContext<Settings, Secrets>, 'connectionId' | 'settings' | 'secrets'>,
  orderId: string,
  signal: AbortSignal,
): Promise<PulledRecord | undefined> {
  const answer = await amazonApi(context).json<{ order?: Listed }>(
    'getOrder',
    'GET',
    `${ORDERS_PATH}/${encodeURIComponent(orderId)}`,
    { query: { includedData: INCLUDED_DATA }, signal, notFound: 'undefined', what: `order ${orderId}` },
  );
  return answer?.order ? orderRecord(answer.order) : undefined;
}

/** Where an interrupted pull resumes: its time window, and the next page's token with when it was issued. */
const Cursor = z.object({
  after: z.iso.datetime(),
  before: z.iso.datetime(),
  token: z.string().min(1).nullable(),
  issuedAt: z.iso.datetime(),
});
type Cursor = z.infer<typeof Cursor>;

function startCursor(request: PullRequest, settings: Settings, now: Date): Cursor {
  if (request.cursor) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(request.cursor);
    } catch {
      parsed = undefined;
    }
    const cursor = Cursor.safeParse(parsed);
    if (!cursor.success) {
      throw new Error(
        `the stored pull cursor ${JSON.stringify(request.cursor).slice(0, 80)} is not an Amazon searchOrders cursor: run the sync with --restart`,
      );
    }
    // An expired token cannot be used: the window is read again from its start (what comes again is a duplicate).
    const stale = now.getTime() - Date.parse(cursor.data.issuedAt) > TOKEN_LIFE_MS;
    return stale ? { ...cursor.data, token: null } : cursor.data;
  }
  const days = request.backfill ? HISTORY_DAYS : settings.firstSyncDays;
  const after = request.since ?? new Date(now.getTime() - days * 86_400_000);
  return {
    after: after.toISOString(),
    before: new Date(now.getTime() - SETTLE_MS).toISOString(),
    token: null,
    issuedAt: now.toISOString(),
  };
}

/**
 * The orders updated in [since, now - 2 min], page by page (`maxResultsPerPage` up to 100): the next page is asked
 * with `paginationToken` and every other parameter repeated, as Amazon requires. The cursor keeps the window and
 * the token, so a resumed pull asks for the same window; the watermark, on the last page, is the window's end:
 * every order updated before it has been read. searchOrders restores one call every 180 s after a burst of 20:
 * the client's bucket paces the pages (rate-limit.ts).
 */
export async function* pullOrders(
  context: ConnectionContext<Settings, Secrets>,
  request: PullRequest,
): AsyncGenerator<PullPage> {
  const { settings } = context;
  const api = amazonApi(context);
  let cursor = startCursor(request, settings, context.now());
  if (Date.parse(cursor.after) > Date.parse(cursor.before)) {
    // Synced less than two minutes ago: Amazon would refuse the window, and nothing in it is settled yet.
    yield { records: [], cursor: null, status: 'caught up: the last sync covered up to two minutes ago' };
    return;
  }
  for (;;) {
    const answer = await api.json<{ orders?: Listed[]; pagination?: { nextToken?: string | null } }>(
      'searchOrders',
      'GET',
      ORDERS_PATH,
      {
        query: {
          lastUpdatedAfter: cursor.after,
          lastUpdatedBefore: cursor.before,
          marketplaceIds: settings.marketplaceIds,
          maxResultsPerPage: settings.pageSize,
          includedData: INCLUDED_DATA,
          ...(cursor.token ? { paginationToken: cursor.token } : {}),
        },
        signal: request.signal,
        what: 'orders page (searchOrders)',
      },
    );
    if (!Array.isArray(answer?.orders)) {
      throw new Error(
        `Amazon searchOrders answered without an orders list: check settings.endpoint and settings.region (${settings.region})`,
      );
    }
    const token = answer.pagination?.nextToken || null;
    const next: Cursor | null = token ? { ...cursor, token, issuedAt: context.now().toISOString() } : null;
    yield {
      records: answer.orders.map(orderRecord),
      cursor: next ? JSON.stringify(next) : null,
      ...(next ? {} : { watermark: cursor.before }),
    };
    if (!next) return;
    cursor = next;
  }
}
