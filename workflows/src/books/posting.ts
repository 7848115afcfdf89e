import {
  type AnyConnector,
  appendOrderEvent,
  type BooksDocument,
  type Connection,
  connectionContext,
  defineWorkflow,
  getOrder,
  getPosting,
  isPermanent,
  isReconnectNeeded,
  markInvoicePaid,
  moneyWords,
  type Order,
  PermanentError,
  type PostedDocument,
  recordException,
  recordPosting,
  type Sql,
  type WorkflowContext,
} from '@switchyard/core';
import {
  BooksMappingError,
  clearingOf,
  customerOf,
  memoOf,
  refundDocument,
  saleDocument,
} from '@switchyard/mappings';
import { addDays, type BooksPlan, dayIn } from './plan.ts';

/**
 * One document posted to the books, as a workflow of its own (`books:<books connection>:<posting key>`): an
 * order's sale (a sales receipt, or an invoice on terms) or one of its refunds. Per posting rather than inside
 * the order workflow, because a sale is booked whether or not the hub ships the order, and refunds come long
 * after the order workflow has ended. The workflow id is the posting's identity, so a posting is started once;
 * the vendor's idempotency key derives from it, and the connector reads before it writes where keys expire.
 * A connection that needs authorizing again parks the posting (no retries against a refused grant) until
 * `switchyard connections authorize` wakes it.
 */

export const BOOKS_RECONNECTED_TOPIC = 'books-reconnected';
export const postingWorkflowId = (books: string, key: string) => `books:${books}:${key}`;
export const saleKey = (orderId: string) => `sale:${orderId}`;
export const refundKey = (orderId: string, refundId: string) => `refund:${orderId}:${refundId}`;
export const paymentKey = (orderId: string) => `payment:${orderId}`;
/** How long a parked posting waits before looking at its grant again, when no authorization wakes it. */
const PARK_MS = 6 * 3_600_000;

export interface PostingInput {
  tenantId: string;
  orderId: string;
  /** The channel connection (its `accounting` plan). */
  channel: string;
  key: string;
  refundId?: string;
}

export interface BooksDeps {
  sql: Sql;
  connections: ReadonlyMap<string, Connection>;
  plans: ReadonlyMap<string, BooksPlan>;
}

/**
 * The sale's kind for an order as it stands: on terms (an invoice, even once paid: the payment is its own
 * document), paid (a receipt), or not yet postable.
 */
export function saleKindOf(
  order: Order,
  plan?: Pick<BooksPlan, 'invoiceAll'>,
): 'sales-receipt' | 'invoice' | undefined {
  if (order.kind === 'b2b' || order.b2b?.paymentTerms || plan?.invoiceAll) return 'invoice';
  if (capturedOf(order) > 0 && capturedOf(order) >= order.totals.total.amount) return 'sales-receipt';
  if (order.status !== 'cancelled' && order.totals.total.amount === 0) return 'sales-receipt';
  return undefined;
}

const capturedOf = (order: Order) => order.payments.reduce((n, p) => n + (p.captured?.amount ?? 0), 0);

/** Whether an invoiced order's money has come in on the channel (or through the hub's payments). */
export const paidOnChannel = (order: Order) =>
  capturedOf(order) > 0 && capturedOf(order) >= order.totals.total.amount;

/** The document of a posting, from the order as it is now and the mapping as it is now. */
async function documentFor(deps: BooksDeps, plan: BooksPlan, input: PostingInput): Promise<BooksDocument> {
  const order = (await getOrder(deps.sql, input.tenantId, input.orderId))?.order;
  if (!order) throw new PermanentError(`order ${input.orderId} is not in the store`);
  if (input.key === saleKey(order.id)) {
    const kind = saleKindOf(order, plan);
    if (!kind)
      throw new PermanentError(`order ${order.externalId} is neither paid nor on terms: nothing to book`);
    const date = dayIn(plan.timeZone, new Date(order.placedAt));
    return saleDocument(plan.mapping, order, {
      key: input.key,
      date,
      ...(kind === 'invoice'
        ? { due: addDays(date, invoiceDaysOf(order, plan)) }
        : { depositTo: clearingOf(plan.mapping, order) }),
    });
  }
  const sale = await getPosting(deps.sql, plan.books, saleKey(order.id));
  if (!sale?.externalId)
    throw new Error(`the sale of ${order.externalId} is not booked yet: this document waits for it`);
  if (input.key === paymentKey(order.id)) {
    const paid = order.payments.filter((p) => (p.captured?.amount ?? 0) > 0);
    const at = paid.map((p) => p.at).find(Boolean);
    return {
      kind: 'payment',
      key: input.key,
      date: dayIn(plan.timeZone, at ? new Date(at) : new Date()),
      currency: order.currency,
      memo: `payment of ${memoOf(order)}`,
      invoice: sale.externalId,
      amount: Math.min(capturedOf(order), order.totals.total.amount),
      depositTo: clearingOf(plan.mapping, order),
      customer: customerOf(plan.mapping, order),
      ...(paid[0]?.reference ? { reference: paid[0].reference } : {}),
    };
  }
  const refund = order.refunds.find((r) => r.id === input.refundId);
  if (!refund) throw new PermanentError(`order ${order.externalId} has no refund ${input.refundId}`);
  return refundDocument(plan.mapping, order, refund, {
    key: input.key,
    date: dayIn(plan.timeZone, refund.at ? new Date(refund.at) : new Date()),
    sale: { kind: sale.kind === 'invoice' ? 'invoice' : 'sales-receipt', externalId: sale.externalId },
    refundFrom: clearingOf(plan.mapping, order),
    ...(sale.kind === 'invoice' && !sale.paidAt ? { allocate: true } : {}),
  });
}

/** Net days of an order's invoice: its own terms, else the accounting section's. */
export const invoiceDaysOf = (order: Order, plan: Pick<BooksPlan, 'invoiceDays'>) =>
  order.b2b?.paymentTerms?.netDays ?? plan.invoiceDays;

/** A document's figures for its posting row (a payment's amount is its total; a journal has none). */
function figuresOf(doc: BooksDocument) {
  return {
    kind: doc.kind,
    currency: doc.currency,
    totalAmount: 'totals' in doc ? doc.totals.total : 'amount' in doc ? doc.amount : 0,
    taxAmount: 'totals' in doc ? doc.totals.tax : 0,
  };
}

/** The document, a missing mapping entry made permanent (no retry mends it; a replay after the fix does). */
const build = (deps: BooksDeps, plan: BooksPlan, input: PostingInput) => async () => {
  try {
    return await documentFor(deps, plan, input);
  } catch (error) {
    if (error instanceof BooksMappingError) throw new PermanentError(error.message);
    throw error;
  }
};

/** Whether the books connection's grant is usable now (it was authorized again meanwhile). */
export const grantUsable = (sql: Sql, books: string) => async () => {
  const [row] = await sql<{ valid: boolean }[]>`
    select state = 'valid' as valid from connection_grants where connection_id = ${books}`;
  return row?.valid === true;
};

/** An exception of the workflow's, recorded once whatever re-runs the step (keyed by `detail.workflowId` + `what`). */
async function recordOnce(sql: Sql, what: string, e: Parameters<typeof recordException>[1]): Promise<void> {
  const id = String(e.detail?.workflowId ?? '');
  const [open] = await sql`
    select 1 from exceptions where kind = ${e.kind} and status = 'open'
      and detail->>'workflowId' = ${id} and detail->>'what' = ${what}`;
  if (!open) await recordException(sql, { ...e, detail: { ...e.detail, what } });
}

export function booksPostingWorkflow(deps: BooksDeps) {
  return defineWorkflow({
    name: 'books-posting',
    async run(ctx: WorkflowContext, input: PostingInput) {
      const plan = deps.plans.get(input.channel);
      if (!plan) throw new PermanentError(`connection ${input.channel} has no accounting section any more`);
      const books = deps.connections.get(plan.books);
      if (!books) throw new PermanentError(`no books connection "${plan.books}" configured`);
      const base = {
        booksConnection: plan.books,
        key: input.key,
        tenantId: input.tenantId,
        orderId: input.orderId,
        workflowId: ctx.workflowId,
      };
      let figures: ReturnType<typeof figuresOf> | undefined;
      try {
        // Built here to fail early and show the posting; built again where it is posted, so that a replay after
        // the mapping is fixed posts the corrected document.
        figures = await ctx.step('prepare', async () => figuresOf(await build(deps, plan, input)()), {
          retry: { attempts: 20, initialDelayMs: 2_000, backoff: 1.6 },
        });
        const known = figures;
        await ctx.step('pending', () => recordPosting(deps.sql, { ...base, ...known, status: 'pending' }));
        const { posted, document } = await postOnce(ctx, books, build(deps, plan, input), 'post', {
          park: async (why, n) => {
            await ctx.step(`park#${n}`, () =>
              recordPosting(deps.sql, { ...base, ...known, status: 'parked', detail: why }),
            );
          },
          usable: grantUsable(deps.sql, plan.books),
        });
        const done = figuresOf(document);
        await ctx.step('record', async () => {
          await recordPosting(deps.sql, {
            ...base,
            ...done,
            status: 'posted',
            externalId: posted.externalId,
            ...(posted.number ? { number: posted.number } : {}),
            booksTotal: posted.total,
            booksTax: posted.tax,
            detail: null as never,
          });
          // A payment of an invoice closes it in the hub too.
          if (document.kind === 'payment') await markInvoicePaid(deps.sql, plan.books, document.invoice);
          await appendOrderEvent(deps.sql, {
            orderId: input.orderId,
            type: 'books.posted',
            stepKey: `${ctx.workflowId}/record`,
            data: {
              books: plan.books,
              kind: document.kind,
              key: input.key,
              externalId: posted.externalId,
              ...(posted.number ? { number: posted.number } : {}),
              total: done.totalAmount,
              currency: document.currency,
              ...(posted.found ? { found: true } : {}),
            },
          });
          if (posted.total !== done.totalAmount || posted.tax !== done.taxAmount) {
            const vendor = books.connector.title;
            const say = (amount: number) => moneyWords(amount, document.currency);
            await recordOnce(deps.sql, 'figures', {
              tenantId: input.tenantId,
              connectionId: plan.books,
              kind: 'books',
              inboxId: null,
              message: `${vendor} booked ${document.kind} ${input.key} at ${say(posted.total)} (tax ${say(posted.tax)}), the order says ${say(done.totalAmount)} (tax ${say(done.taxAmount)}): check the tax codes' rates in ${vendor} and adjust the document there`,
              detail: {
                workflowId: ctx.workflowId,
                key: input.key,
                orderId: input.orderId,
                externalId: posted.externalId,
                books: { total: posted.total, tax: posted.tax },
                order: { total: done.totalAmount, tax: done.taxAmount },
                currency: document.currency,
              },
            });
          }
        });
        return { outcome: 'posted', externalId: posted.externalId };
      } catch (error) {
        await ctx.step('failed', async () => {
          const why = error instanceof Error ? error.message : String(error);
          await recordPosting(deps.sql, {
            ...base,
            kind: figures?.kind ?? 'unknown',
            currency: figures?.currency ?? '',
            totalAmount: figures?.totalAmount ?? 0,
            taxAmount: figures?.taxAmount ?? 0,
            status: 'failed',
            detail: why,
          });
          await recordOnce(deps.sql, 'failed', {
            tenantId: input.tenantId,
            connectionId: plan.books,
            kind: 'books',
            inboxId: null,
            message: `posting ${input.key} to ${plan.books} failed: ${why}. Fix the cause (the mapping in the accounting section, or the document in the books), restart the hub, then replay: switchyard replay ${ctx.workflowId}`,
            detail: { workflowId: ctx.workflowId, key: input.key, orderId: input.orderId },
          });
        });
        throw error;
      }
    },
  });
}

/**
 * Posts the document `build` makes (made inside the step: a replay after a fix posts the corrected one), with
 * the same vendor key on every attempt and after every parking (the step keys differ, the effect does not).
 * A connection that needs authorizing parks here: unless its grant is usable again already, it waits for the
 * authorization's signal (or six hours), then tries again.
 */
export async function postOnce<D extends BooksDocument>(
  ctx: WorkflowContext,
  books: Connection,
  build: () => Promise<D>,
  name: string,
  parking: { park(why: string, n: number): Promise<void>; usable(): Promise<boolean> },
): Promise<{ posted: PostedDocument; document: D }> {
  const actions = (books.connector as AnyConnector).actions;
  if (!actions?.postDocument) throw new PermanentError(`${books.connector.title} cannot post to books`);
  const vendorKey = `${ctx.workflowId}/${name}`;
  for (let n = 0; ; n++) {
    const result = await ctx.step(
      n ? `${name}#${n}` : name,
      async (): Promise<{ posted: PostedDocument; document: D } | { parked: string }> => {
        const document = await build();
        try {
          const posted = await actions.postDocument!(
            { ...connectionContext(books), idempotencyKey: vendorKey, signal: AbortSignal.timeout(300_000) },
            { document },
          );
          return { posted, document };
        } catch (error) {
          if (isReconnectNeeded(error)) return { parked: (error as Error).message };
          throw error;
        }
      },
      { retry: { attempts: 12, initialDelayMs: 2_000, backoff: 2, retryable: (e) => !isPermanent(e) } },
    );
    if ('posted' in result) return result;
    await parking.park(result.parked, n);
    // Authorized again between the refusal and now: the authorization's wake-up may have gone before this parked.
    if (await ctx.step(`usable#${n}`, () => parking.usable())) continue;
    await ctx.waitForSignal(BOOKS_RECONNECTED_TOPIC, { timeoutMs: PARK_MS });
  }
}
