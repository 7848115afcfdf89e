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
  type Order,
  PermanentError,
  type PostedDocument,
  recordException,
  recordPosting,
  type Sql,
  type WorkflowContext,
} from '@switchyard/core';
import { BooksMappingError, clearingOf, refundDocument, saleDocument } from '@switchyard/mappings';
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

/** The sale's kind for an order as it stands: paid (a receipt), on terms (an invoice), or not yet postable. */
export function saleKindOf(order: Order): 'sales-receipt' | 'invoice' | undefined {
  const captured = order.payments.reduce((n, p) => n + (p.captured?.amount ?? 0), 0);
  if (captured > 0 && captured >= order.totals.total.amount) return 'sales-receipt';
  if (order.status === 'cancelled') return undefined;
  if (order.kind === 'b2b' || order.b2b?.paymentTerms) return 'invoice';
  if (order.totals.total.amount === 0) return 'sales-receipt';
  return undefined;
}

/** The document of a posting, from the order as it is now. */
async function documentFor(deps: BooksDeps, plan: BooksPlan, input: PostingInput): Promise<BooksDocument> {
  const order = (await getOrder(deps.sql, input.tenantId, input.orderId))?.order;
  if (!order) throw new PermanentError(`order ${input.orderId} is not in the store`);
  if (!input.refundId) {
    const kind = saleKindOf(order);
    if (!kind)
      throw new PermanentError(`order ${order.externalId} is neither paid nor on terms: nothing to book`);
    const date = dayIn(plan.timeZone, new Date(order.placedAt));
    const netDays = order.b2b?.paymentTerms?.netDays ?? plan.invoiceDays;
    return saleDocument(plan.mapping, order, {
      key: input.key,
      date,
      ...(kind === 'invoice'
        ? { due: addDays(date, netDays) }
        : { depositTo: clearingOf(plan.mapping, order) }),
    });
  }
  const refund = order.refunds.find((r) => r.id === input.refundId);
  if (!refund) throw new PermanentError(`order ${order.externalId} has no refund ${input.refundId}`);
  const sale = await getPosting(deps.sql, plan.books, saleKey(order.id));
  if (!sale?.externalId)
    throw new Error(`the sale of ${order.externalId} is not booked yet: the refund waits for it`);
  return refundDocument(plan.mapping, order, refund, {
    key: input.key,
    date: dayIn(plan.timeZone, refund.at ? new Date(refund.at) : new Date()),
    sale: { kind: sale.kind === 'invoice' ? 'invoice' : 'sales-receipt', externalId: sale.externalId },
    refundFrom: clearingOf(plan.mapping, order),
    ...(sale.kind === 'invoice' && !sale.paidAt ? { allocate: true } : {}),
  });
}

const money = (amount: number, currency: string) => `${(amount / 100).toFixed(2)} ${currency}`;

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
      let document: BooksDocument | undefined;
      try {
        document = await ctx.step(
          'prepare',
          async () => {
            try {
              return await documentFor(deps, plan, input);
            } catch (error) {
              if (error instanceof BooksMappingError) throw new PermanentError(error.message);
              throw error;
            }
          },
          { retry: { attempts: 20, initialDelayMs: 2_000, backoff: 1.6 } },
        );
        const doc = document;
        const figures = {
          kind: doc.kind === 'refund' ? 'refund' : doc.kind,
          currency: doc.currency,
          totalAmount: 'totals' in doc ? doc.totals.total : 0,
          taxAmount: 'totals' in doc ? doc.totals.tax : 0,
        };
        await ctx.step('pending', () => recordPosting(deps.sql, { ...base, ...figures, status: 'pending' }));
        const posted = await postOnce(ctx, books, doc, 'post', async (why, n) => {
          await ctx.step(`park#${n}`, () =>
            recordPosting(deps.sql, { ...base, ...figures, status: 'parked', detail: why }),
          );
        });
        await ctx.step('record', async () => {
          await recordPosting(deps.sql, {
            ...base,
            ...figures,
            status: 'posted',
            externalId: posted.externalId,
            ...(posted.number ? { number: posted.number } : {}),
            booksTotal: posted.total,
            booksTax: posted.tax,
            detail: null as never,
          });
          await appendOrderEvent(deps.sql, {
            orderId: input.orderId,
            type: 'books.posted',
            stepKey: `${ctx.workflowId}/record`,
            data: {
              books: plan.books,
              kind: doc.kind,
              key: input.key,
              externalId: posted.externalId,
              ...(posted.number ? { number: posted.number } : {}),
              total: figures.totalAmount,
              currency: doc.currency,
              ...(posted.found ? { found: true } : {}),
            },
          });
          if (posted.total !== figures.totalAmount || posted.tax !== figures.taxAmount) {
            const vendor = books.connector.title;
            await recordException(deps.sql, {
              tenantId: input.tenantId,
              connectionId: plan.books,
              kind: 'books',
              inboxId: null,
              message: `${vendor} booked ${doc.kind} ${input.key} at ${money(posted.total, doc.currency)} (tax ${money(posted.tax, doc.currency)}), the order says ${money(figures.totalAmount, doc.currency)} (tax ${money(figures.taxAmount, doc.currency)}): check the tax codes' rates in ${vendor} and adjust the document there`,
              detail: {
                workflowId: ctx.workflowId,
                key: input.key,
                orderId: input.orderId,
                externalId: posted.externalId,
                books: { total: posted.total, tax: posted.tax },
                order: { total: figures.totalAmount, tax: figures.taxAmount },
                currency: doc.currency,
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
            kind: document?.kind ?? 'unknown',
            currency: document?.currency ?? '',
            totalAmount: document && 'totals' in document ? document.totals.total : 0,
            taxAmount: document && 'totals' in document ? document.totals.tax : 0,
            status: 'failed',
            detail: why,
          });
          await recordException(deps.sql, {
            tenantId: input.tenantId,
            connectionId: plan.books,
            kind: 'books',
            inboxId: null,
            message: `posting ${input.key} to ${plan.books} failed: ${why}. Fix the cause (the mapping in the accounting section, or the document in the books), then replay: switchyard replay ${ctx.workflowId}`,
            detail: { workflowId: ctx.workflowId, key: input.key, orderId: input.orderId },
          });
        });
        throw error;
      }
    },
  });
}

/**
 * Posts the document, with the same vendor key on every attempt and after every parking (the step keys differ,
 * the effect does not): a connection that needs authorizing parks here, waiting for the authorization's
 * signal, and then tries again.
 */
export async function postOnce(
  ctx: WorkflowContext,
  books: Connection,
  document: BooksDocument,
  name: string,
  park: (why: string, n: number) => Promise<void>,
): Promise<PostedDocument> {
  const actions = (books.connector as AnyConnector).actions;
  if (!actions?.postDocument) throw new PermanentError(`${books.connector.title} cannot post to books`);
  const vendorKey = `${ctx.workflowId}/${name}`;
  for (let n = 0; ; n++) {
    const result = await ctx.step(
      n ? `${name}#${n}` : name,
      async (): Promise<{ posted: PostedDocument } | { parked: string }> => {
        try {
          const posted = await actions.postDocument!(
            { ...connectionContext(books), idempotencyKey: vendorKey, signal: AbortSignal.timeout(300_000) },
            { document },
          );
          return { posted };
        } catch (error) {
          if (isReconnectNeeded(error)) return { parked: (error as Error).message };
          throw error;
        }
      },
      { retry: { attempts: 12, initialDelayMs: 2_000, backoff: 2, retryable: (e) => !isPermanent(e) } },
    );
    if ('posted' in result) return result.posted;
    await park(result.parked, n);
    await ctx.waitForSignal(BOOKS_RECONNECTED_TOPIC, { timeoutMs: PARK_MS });
  }
}
