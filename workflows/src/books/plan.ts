import type { AnyConnector, ConfigIssue, ResolvedConnection } from '@switchyard/core';
import { zodMessage } from '@switchyard/core';
import { BooksMapping } from '@switchyard/mappings';
import { z } from 'zod';

/**
 * The accounting plan: what a channel connection's `accounting` section asks (which books connection, one
 * document per order or a daily summary, the merchant's day, the mapping), checked against the configured
 * connections.
 */

export type BooksMode = 'per-order' | 'daily-summary';

export interface BooksPlan {
  /** The channel whose orders are posted. */
  channel: string;
  tenantId: string;
  /** The QuickBooks Online or Xero connection. */
  books: string;
  mode: BooksMode;
  /** The merchant's day (IANA zone): a sale's date and a summary's day are taken in it. */
  timeZone: string;
  /** How long after midnight a day's summary is posted (late orders still go into that day). */
  closeAfterMs: number;
  /** Net days of an invoice when the order names no terms. */
  invoiceDays: number;
  /** Above this many orders a day, per-order mode is flagged and the daily summary recommended. */
  recommendSummaryAbove: number;
  /** Post the gateways' fees (needs `mapping.accounts.fees`). */
  fees: boolean;
  /** Every order is invoiced, paid or not at checkout (the channel's fulfillment `payment: 'books-invoice'`). */
  invoiceAll: boolean;
  mapping: BooksMapping;
}

const AccountingConfig = z
  .object({
    /** The books connection's id. */
    connection: z.string().min(1),
    mode: z.enum(['per-order', 'daily-summary'], { message: 'must be "per-order" or "daily-summary"' }),
    timeZone: z
      .string()
      .refine(validZone, 'must be an IANA time zone such as "America/New_York" or "UTC"')
      .default('UTC'),
    closeAfterMinutes: z
      .number()
      .int()
      .min(0)
      .max(24 * 60)
      .default(120),
    invoiceDays: z.number().int().min(0).max(365).default(30),
    recommendSummaryAbove: z.number().int().min(1).default(200),
    mapping: BooksMapping,
  })
  .strict();
export type AccountingConfigInput = z.input<typeof AccountingConfig>;

function validZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-CA', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The plans of every channel with an `accounting` section, and what is wrong with the others. */
export function resolveBooksPlans(
  connections: readonly ResolvedConnection[],
  connectors: ReadonlyMap<string, AnyConnector>,
): { plans: Map<string, BooksPlan>; issues: ConfigIssue[] } {
  const plans = new Map<string, BooksPlan>();
  const issues: ConfigIssue[] = [];
  const byId = new Map(connections.map((c) => [c.id, c]));
  connections.forEach((c, i) => {
    if (!c.accounting) return;
    const at = `connections[${i}](id "${c.id}").accounting`;
    const parsed = AccountingConfig.safeParse(c.accounting);
    if (!parsed.success) {
      issues.push({
        path: at,
        problem: zodMessage(parsed.error),
        fix: 'correct the accounting section as described',
      });
      return;
    }
    const a = parsed.data;
    const books = byId.get(a.connection);
    const problem = !books
      ? `no connection "${a.connection}"`
      : books.tenantId !== c.tenantId
        ? `connection "${a.connection}" belongs to another tenant`
        : !connectors.get(books.connector)?.capabilities.includes('accounting.post')
          ? `connection "${a.connection}" (${books.connector}) cannot post to books (accounting.post)`
          : undefined;
    if (problem) {
      issues.push({
        path: `${at}.connection`,
        problem,
        fix: 'name a QuickBooks Online or Xero connection of the same tenant',
      });
      return;
    }
    plans.set(c.id, {
      channel: c.id,
      tenantId: c.tenantId,
      books: a.connection,
      mode: a.mode,
      timeZone: a.timeZone,
      closeAfterMs: a.closeAfterMinutes * 60_000,
      invoiceDays: a.invoiceDays,
      recommendSummaryAbove: a.recommendSummaryAbove,
      fees: !!a.mapping.accounts.fees,
      invoiceAll: c.fulfillment?.payment === 'books-invoice',
      mapping: a.mapping,
    });
  });
  return { plans, issues };
}

/** The merchant's day (YYYY-MM-DD) of an instant, in `timeZone`. */
export function dayIn(timeZone: string, at: Date): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(at);
}

/** The instant a day (YYYY-MM-DD) ends in `timeZone`: the next day's midnight there. */
export function dayEnd(timeZone: string, day: string): Date {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const guess = Date.UTC(y, m - 1, d + 1);
  // The zone's offset at that midnight: format the UTC guess in the zone and correct by the difference.
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(guess));
  const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  const shown = Date.UTC(
    get('year'),
    get('month') - 1,
    get('day'),
    get('hour'),
    get('minute'),
    get('second'),
  );
  return new Date(guess - (shown - guess));
}

/** A day (YYYY-MM-DD) plus `days`. */
export function addDays(day: string, days: number): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}
