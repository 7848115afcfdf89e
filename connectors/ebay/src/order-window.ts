/**
 * Where a getOrders pull is, and how it moves. The pull lists a fixed window of modification times,
 * `lastmodifieddate:[from..until]`, by `offset`. eBay says the order of the list "will vary according to any
 * filter that is set", so the pull relies only on this: an order modified meanwhile leaves the window (its new
 * time is after `until`), and the others keep their order, each moving forward by at most as many places as
 * orders left. eBay's `total` counts them, so every answer says how many left since the last.
 *
 * Why not `offset − left`, the old rule: it re-read from before the page just read and lost that page's progress
 * (a busy seller's pull went backwards and looped). Why not windows split until each fits one page: each split
 * costs a probe, and a second of more than 200 changes (eBay's bulk edits) never fits. So the pull keeps its
 * offset paging and reads each page a little early, by a margin as large as the departures it has seen:
 *
 *   `offset` is the first place not known to be read: every order listed before it has been read.
 *   A page is read from `offset − margin`. If `left ≤ margin`, the unread orders moved forward by at most the
 *   margin, so none slipped before the page: the new offset is where the page ends. If more left than the
 *   margin, the pull steps back to `offset − left` (before that, all is read) and widens the margin to `left`.
 *   The page's orders are kept either way (a repeat is deduped).
 *
 * Each departure is one order gone from the window for good, so there are at most as many as the window held:
 * a pull ends after about `total / (pageSize − margin)` pages, whatever is modified while it runs.
 */
export interface WindowCursor {
  from: string;
  until: string;
  /** Every order listed before this place has been read. */
  offset: number;
  /** The window's size at the last page (null before the first). */
  total: number | null;
  /** How much earlier than `offset` the next page is read (the departures seen lately). */
  margin?: number;
  /**
   * Reading `lastmodifieddate:[until..]`, the orders modified since the window's end, after the window: not
   * needed for the watermark (the next pull reads them again, in its overlap), but it shows them now.
   */
  tail?: true;
}

const DAY = 86_400_000;
/**
 * The window ends this long before now: eBay refuses a window ending in its future (30850), and the hub's clock
 * may be ahead of eBay's.
 */
export const SKEW_MS = 2 * 60_000;
/**
 * The next pull asks again from the watermark less this: an order eBay indexes late, or stamped by a clock behind
 * the hub's, is still found (dedupe absorbs the repeats).
 */
export const OVERLAP_MS = 15 * 60_000;
/** eBay serves orders up to two years old (getOrders fails beyond); a day is kept in hand. */
const OLDEST_MS = 729 * DAY;
/** A first pull with no watermark reads what eBay lists by default: the last 90 days. */
const FIRST_PULL_MS = 90 * DAY;

export function readCursor(text: string): WindowCursor {
  let c: Partial<WindowCursor> | undefined;
  try {
    c = JSON.parse(text) as Partial<WindowCursor>;
  } catch {
    c = undefined;
  }
  const date = (v: unknown) => typeof v === 'string' && !Number.isNaN(Date.parse(v));
  const count = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
  if (
    !c ||
    !date(c.from) ||
    !date(c.until) ||
    !count(c.offset) ||
    !(c.total === null || count(c.total)) ||
    !(c.margin === undefined || count(c.margin)) ||
    !(c.tail === undefined || c.tail === true)
  ) {
    throw new Error(
      `the stored pull cursor ${JSON.stringify(text).slice(0, 80)} is not an eBay order window: run the sync with --restart`,
    );
  }
  return c as WindowCursor;
}

/** The window a new pull lists: from the watermark less the overlap (at most two years back) to now less the skew. */
export function startWindow(now: Date, since: Date | undefined): { cursor: WindowCursor; note?: string } {
  const until = now.getTime() - SKEW_MS;
  const oldest = until - OLDEST_MS;
  const wanted = since ? since.getTime() - OVERLAP_MS : now.getTime() - FIRST_PULL_MS;
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

/** The filter and the first place of the next page. */
export function pageOf(cursor: WindowCursor) {
  return {
    filter: cursor.tail
      ? `lastmodifieddate:[${cursor.until}..]`
      : `lastmodifieddate:[${cursor.from}..${cursor.until}]`,
    start: Math.max(0, cursor.offset - (cursor.margin ?? 0)),
  };
}

/**
 * Where the pull is after a page of `count` orders read from `start`, eBay counting `total` in the window:
 * `next` null when the window is read to its end, and `short` when eBay listed fewer orders than it counts
 * before the end (an answer that contradicts itself: read again, never taken as the end).
 */
export function advance(
  cursor: WindowCursor,
  page: { start: number; count: number; total: number | undefined; limit: number },
): { next: WindowCursor | null; short: boolean; left: number } {
  const { start, count, limit } = page;
  // eBay always says `total`; without it, a full page means there may be more.
  const total = page.total ?? (count < limit ? start + count : start + count + 1);
  const left = cursor.total === null ? 0 : Math.max(0, cursor.total - total);
  const margin = cursor.offset - start;
  const offset = left <= margin ? start + count : Math.max(0, cursor.offset - left);
  const short = count < limit && start + count < total;
  if (offset >= total && !short) return { next: null, short, left };
  const widened = Math.max(left, Math.floor((cursor.margin ?? 0) / 2));
  return {
    next: { ...cursor, offset, total, margin: Math.min(limit - 1, widened) },
    short,
    left,
  };
}
