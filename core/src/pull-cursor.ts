import type { PulledRecord, PullPage, PullRequest } from './connector/index.ts';

/**
 * Pulling "what was modified since", for vendors that list by modification time with page numbers (WooCommerce,
 * eBay's lastmodifieddate filter, most REST shops). Paging by number alone skips records: an order that changes
 * during the sync moves to the end and shifts every page behind it. So each request asks for what changed after
 * the latest time seen (a keyset), less an overlap for the vendor's clock precision; the overlap comes back and
 * dedupe absorbs it. Only when a whole page sits within one tick of the clock (many orders saved in one second)
 * does the cursor page within that tick.
 */
export interface ModifiedCursor {
  /** The latest modification time seen (ISO 8601), or null before any. */
  after: string | null;
  /** The page within the listing of what changed after `after` (1 while the time moves on). */
  page: number;
}

/** Where a pull starts: the interrupted run's cursor, else `since`. A cursor that is not ours is an error. */
export function startCursor(request: Pick<PullRequest, 'since' | 'cursor'>): ModifiedCursor {
  if (!request.cursor) return { after: request.since ? request.since.toISOString() : null, page: 1 };
  let parsed: unknown;
  try {
    parsed = JSON.parse(request.cursor);
  } catch {
    parsed = undefined;
  }
  const c = parsed as Partial<ModifiedCursor> | undefined;
  if (
    !c ||
    (c.after !== null && (typeof c.after !== 'string' || Number.isNaN(Date.parse(c.after)))) ||
    !Number.isSafeInteger(c.page) ||
    (c.page ?? 0) < 1
  ) {
    throw new Error(
      `the stored pull cursor ${JSON.stringify(request.cursor).slice(0, 80)} is not a modified-since cursor: run the sync with --restart`,
    );
  }
  return { after: c.after, page: c.page! };
}

/** The time to ask the vendor for ("modified after"): the cursor's time less the overlap, or none at first. */
export function modifiedAfter(cursor: ModifiedCursor, overlapMs = 1000): Date | undefined {
  return cursor.after === null ? undefined : new Date(Date.parse(cursor.after) - overlapMs);
}

/**
 * The cursor after a page, and the latest modification time seen (the watermark). A page shorter than the page
 * size ends the pull. A full page whose latest time is still within the cursor's tick (or that has no times at
 * all) pages within it; otherwise the keyset moves to the latest time, page 1.
 */
export function nextCursor(
  cursor: ModifiedCursor,
  page: { modified: Iterable<string | Date | null | undefined>; full: boolean },
  tickMs = 1000,
): { next: ModifiedCursor | null; latest: string | null } {
  let latest = cursor.after === null ? null : Date.parse(cursor.after);
  for (const m of page.modified) {
    const t = m instanceof Date ? m.getTime() : m ? Date.parse(m) : Number.NaN;
    if (!Number.isNaN(t) && (latest === null || t > latest)) latest = t;
  }
  const latestIso = latest === null ? null : new Date(latest).toISOString();
  if (!page.full) return { next: null, latest: latestIso };
  const before = cursor.after === null ? null : Math.floor(Date.parse(cursor.after) / tickMs);
  const stuck = latest === null || (before !== null && Math.floor(latest / tickMs) <= before);
  return {
    next: stuck ? { after: cursor.after, page: cursor.page + 1 } : { after: latestIso, page: 1 },
    latest: latestIso,
  };
}

export interface ModifiedSincePull<T> {
  /** Records the vendor returns per page at most; a shorter page is the last. */
  pageSize: number;
  /** The vendor's clock precision and the overlap asked for (default 1000 ms). */
  tickMs?: number;
  /** One page of the listing ordered by modification time, oldest first. */
  fetchPage(
    position: { modifiedAfter: Date | undefined; page: number },
    signal: AbortSignal,
  ): Promise<{ items: T[]; total?: number }>;
  modifiedAt(item: T): string | Date | null | undefined;
  toRecord(item: T): PulledRecord;
}

/**
 * The whole pull as pages for the hub: cursor and watermark on each, `remaining` from the listing's total
 * (what changed after the position) when the vendor gives one.
 */
export async function* pullModifiedSince<T>(
  request: PullRequest,
  pull: ModifiedSincePull<T>,
): AsyncGenerator<PullPage> {
  const tick = pull.tickMs ?? 1000;
  let cursor = startCursor(request);
  for (;;) {
    const { items, total } = await pull.fetchPage(
      { modifiedAfter: modifiedAfter(cursor, tick), page: cursor.page },
      request.signal,
    );
    const { next, latest } = nextCursor(
      cursor,
      { modified: items.map((i) => pull.modifiedAt(i)), full: items.length >= pull.pageSize },
      tick,
    );
    yield {
      records: items.map((i) => pull.toRecord(i)),
      cursor: next ? JSON.stringify(next) : null,
      ...(latest ? { watermark: latest } : {}),
      ...(total !== undefined
        ? { remaining: Math.max(0, total - (cursor.page - 1) * pull.pageSize - items.length) }
        : {}),
    };
    if (!next) return;
    cursor = next;
  }
}
