import {
  claimNextDay,
  type DaySummary,
  defineWorkflow,
  describeError,
  type Engine,
  finishSummary,
  gatherDay,
  type JournalDocument,
  type Loop,
  type Order,
  PermanentError,
  type PostedDocument,
  recordException,
  type Sql,
  type SummaryEntry,
  startLoop,
  type WorkflowContext,
} from '@switchyard/core';
import {
  BooksMappingError,
  journalSides,
  refundJournal,
  saleJournal,
  sumJournal,
} from '@switchyard/mappings';
import type { BooksPlan } from './plan.ts';
import { addDays, dayEnd, dayIn } from './plan.ts';
import { type BooksDeps, grantUsable, postOnce, refundKey, saleKey, saleKindOf } from './posting.ts';

/**
 * The daily summary: for each day, books connection and currency, one journal entry of the day's sales and
 * refunds (`books-day:<books>:<day>`), posted once the day has closed in the merchant's time zone. Gathering
 * claims each order's sale and refunds for exactly one day; the journal balances per order by construction,
 * and the day's debits and credits are checked equal before it is posted. A part of an order with no place in
 * the mapping stops the whole day (a journal missing an order would not reconcile): the exception names every
 * missing entry, and a replay gathers the day again.
 */

export const dayWorkflowId = (books: string, day: string) => `books-day:${books}:${day}`;

export interface DayInput {
  tenantId: string;
  books: string;
  day: string;
}

/** The channels a books connection summarizes, with their (shared) plan settings. */
export function summaryChannels(plans: ReadonlyMap<string, BooksPlan>, books: string): BooksPlan[] {
  return [...plans.values()].filter((p) => p.books === books && p.mode === 'daily-summary');
}

/** What an order adds to a day (`day`) that no summary has claimed yet: its sale and refunds up to that day. */
export function entriesOf(
  plan: BooksPlan,
  order: Order,
  claimed: ReadonlySet<string>,
  day: string,
): SummaryEntry[] {
  if (saleKindOf(order, plan) !== 'sales-receipt') return []; // invoices are posted one by one
  if (dayIn(plan.timeZone, new Date(order.placedAt)) > day) return [];
  const entries: SummaryEntry[] = [];
  const sale = saleKey(order.id);
  if (!claimed.has(sale))
    entries.push({
      entryKey: sale,
      orderId: order.id,
      kind: 'sale',
      currency: order.currency,
      amount: order.totals.total.amount,
      lines: saleJournal(plan.mapping, order),
    });
  for (const refund of order.refunds) {
    const key = refundKey(order.id, refund.id);
    if (claimed.has(key) || (refund.at && dayIn(plan.timeZone, new Date(refund.at)) > day)) continue;
    entries.push({
      entryKey: key,
      orderId: order.id,
      kind: 'refund',
      currency: order.currency,
      amount: refund.amount.amount,
      lines: refundJournal(plan.mapping, order, refund),
    });
  }
  return entries;
}

export function booksDayWorkflow(deps: BooksDeps) {
  return defineWorkflow({
    name: 'books-day',
    async run(ctx: WorkflowContext, input: DayInput) {
      const plans = summaryChannels(deps.plans, input.books);
      const plan = plans[0];
      const books = deps.connections.get(input.books);
      if (!plan || !books) throw new PermanentError(`no daily summary is configured for ${input.books}`);
      let summaries: DaySummary[];
      try {
        summaries = await ctx.step('gather', () => gather(deps, plans, plan, input));
      } catch (error) {
        await ctx.step('gather-failed', () =>
          recordException(deps.sql, {
            tenantId: input.tenantId,
            connectionId: input.books,
            kind: 'books',
            inboxId: null,
            message: `${describeError(error)}. Fix the accounting mapping, then replay: switchyard replay ${ctx.workflowId}`,
            detail: { workflowId: ctx.workflowId, day: input.day },
          }),
        );
        throw error;
      }
      const posted: Record<string, string> = {};
      for (const summary of summaries) {
        if (!summary.lines.length) continue;
        posted[summary.currency] = await postDay(ctx, deps, books, plan, summary);
      }
      return { day: input.day, posted };
    },
  });
}

/**
 * Claims what the day holds and adds it up per currency; a part of an order the mapping has no place for stops
 * the day, the missing entries grouped by what to add (the first order's words, then the other orders).
 */
async function gather(
  deps: BooksDeps,
  plans: BooksPlan[],
  plan: BooksPlan,
  input: DayInput,
): Promise<DaySummary[]> {
  const problems = new Map<string, { first: string; orders: string[] }>();
  const gathered = await gatherDay(deps.sql, {
    tenantId: input.tenantId,
    books: input.books,
    day: input.day,
    // Days are gathered in order: what changed before the day before was claimed by an earlier day.
    changedSince: new Date(dayEnd(plan.timeZone, addDays(input.day, -3)).getTime()),
    channels: plans.map((p) => p.channel),
    entriesOf: (order, claimed) => {
      try {
        return entriesOf(deps.plans.get(order.source.connectionId) ?? plan, order, claimed, input.day);
      } catch (error) {
        if (!(error instanceof BooksMappingError)) throw error;
        const group = problems.get(error.fix) ?? { first: error.missing, orders: [] };
        group.orders.push(order.externalNumber ?? order.externalId);
        problems.set(error.fix, group);
        return [];
      }
    },
    sum: sumJournal,
    // Thrown before anything is claimed: the day stays ungathered, and the next one waits for it.
    check: () => {
      if (problems.size) throw dayProblem(input, problems);
    },
  });
  return gathered;
}

function dayProblem(
  input: DayInput,
  problems: Map<string, { first: string; orders: string[] }>,
): PermanentError {
  const words = [...problems].map(([fix, g]) => {
    const more = g.orders.length - 1;
    const others = more
      ? ` (and the same in ${more} more order${more === 1 ? '' : 's'}: ${g.orders.slice(1, 6).join(', ')}${more > 5 ? ', …' : ''})`
      : '';
    return `${g.first}${others}: ${fix}`;
  });
  return new PermanentError(
    `the ${input.day} summary for ${input.books} cannot be made: ${words.join('; ')}`,
  );
}

/** Posts one currency's journal of the day, then puts it on the timeline of each of its orders. */
async function postDay(
  ctx: WorkflowContext,
  deps: BooksDeps,
  books: NonNullable<ReturnType<BooksDeps['connections']['get']>>,
  plan: BooksPlan,
  summary: DaySummary,
): Promise<string> {
  const { debits, credits } = journalSides(summary.lines);
  if (debits !== credits)
    throw new PermanentError(
      `the ${summary.day} ${summary.currency} journal does not balance: debits ${debits}, credits ${credits}`,
    );
  const journal: JournalDocument = {
    kind: 'journal',
    key: `day:${summary.day}:${summary.currency}`,
    date: summary.day,
    currency: summary.currency,
    number: `SY-${summary.day.replaceAll('-', '')}-${summary.currency}`,
    memo: `Switchyard daily summary ${summary.day} (${plan.timeZone}): ${summary.orders} orders from ${summaryChannels(
      deps.plans,
      summary.booksConnection,
    )
      .map((p) => p.channel)
      .join(', ')}; breakdown: switchyard books summary ${summary.id}`,
    lines: summary.lines,
  };
  const which = {
    id: summary.id,
    books: summary.booksConnection,
    day: summary.day,
    currency: summary.currency,
  };
  let posted: PostedDocument;
  try {
    ({ posted } = await postOnce(ctx, books, async () => journal, `post:${summary.currency}`, {
      park: async (why, n) => {
        await ctx.step(`park:${summary.currency}#${n}`, () =>
          finishSummary(deps.sql, which, { status: 'failed', detail: `parked: ${why}` }),
        );
      },
      usable: grantUsable(deps.sql, summary.booksConnection),
    }));
  } catch (error) {
    // The books refused the journal (an account closed, a tax code unknown): shown, and replayed once fixed there.
    await ctx.step(`failed:${summary.currency}`, async () => {
      await finishSummary(deps.sql, which, { status: 'failed', detail: describeError(error) });
      await recordException(deps.sql, {
        tenantId: plan.tenantId,
        connectionId: summary.booksConnection,
        kind: 'books',
        inboxId: null,
        message: `the ${summary.day} ${summary.currency} summary was not posted to ${summary.booksConnection}: ${describeError(error)}. Fix it in the books (or the mapping), then replay: switchyard replay ${ctx.workflowId}`,
        detail: { workflowId: ctx.workflowId, summaryId: summary.id },
      });
    });
    throw error;
  }
  await ctx.step(`record:${summary.currency}`, () =>
    finishSummary(deps.sql, which, { status: 'posted', externalId: posted.externalId }),
  );
  return posted.externalId;
}

/**
 * Starts each closed day's summary, in order, per daily-summary books connection: a day closes at midnight in
 * the merchant's zone plus `closeAfter`; the first day is the one accounting was configured on. A day starts
 * only once the day before has been gathered, so no order is claimed by the wrong day.
 */
export function startDayStarter(options: {
  sql: Sql;
  engine: Engine;
  plans: ReadonlyMap<string, BooksPlan>;
  log: { error(message: string, fields?: Record<string, unknown>): void };
  everyMs?: number;
  now?: () => Date;
}): Loop {
  const { sql, engine, plans } = options;
  const books = [
    ...new Set([...plans.values()].filter((p) => p.mode === 'daily-summary').map((p) => p.books)),
  ];
  return startLoop({
    everyMs: options.everyMs ?? 30_000,
    async turn() {
      let started = false;
      for (const id of books) {
        const plan = summaryChannels(plans, id)[0]!;
        const now = (options.now ?? (() => new Date()))();
        // Day D has closed once it is past D's midnight plus closeAfter: the day before the shifted today.
        const lastClosed = addDays(dayIn(plan.timeZone, new Date(now.getTime() - plan.closeAfterMs)), -1);
        const [activation] = await sql<{ since: Date }[]>`
          select min(since) as since from books_activation
          where connection_id = any(${sql.array(summaryChannels(plans, id).map((p) => p.channel))}::text[])`;
        if (!activation?.since) continue;
        // From the day accounting began, but never further back than yesterday: a channel that moves to summaries
        // after a year of one document per order does not walk that year (its orders are booked already).
        const began = dayIn(plan.timeZone, activation.since);
        const yesterday = addDays(dayIn(plan.timeZone, now), -1);
        const next = await claimNextDay(sql, id, began > yesterday ? began : yesterday, lastClosed);
        if (!next) continue;
        const { day } = next;
        await engine.start('books-day', { tenantId: plan.tenantId, books: id, day } satisfies DayInput, {
          workflowId: dayWorkflowId(id, day),
        });
        if (next.fresh) started = true;
      }
      return started ? 'again' : undefined;
    },
    onError: (error) =>
      options.log.error('starting daily summaries failed; trying again shortly', {
        error: describeError(error),
      }),
  });
}
