import {
  activateBooks,
  describeError,
  type Engine,
  type Loop,
  lookAtChangedOrders,
  type Sql,
  startLoop,
} from '@switchyard/core';
import type { BooksPlan } from './plan.ts';
import {
  type PostingInput,
  paidOnChannel,
  paymentKey,
  postingWorkflowId,
  refundKey,
  saleKey,
  saleKindOf,
} from './posting.ts';

/** Orders looked at per turn; a full batch runs the next turn at once. */
const BATCH = 100;

/**
 * Starts a posting workflow for each document an order owes the books, from the database: each time an order
 * of a channel with an `accounting` section changes (a new order, a capture, a refund), its sale, the payment
 * of its invoice once the money came in on the channel, and each of its refunds are started by their
 * posting's workflow id, so a document already started is not started again, and a crash between starting
 * and marking the order only looks at it again. In daily-summary mode only invoices (orders on terms) are
 * posted one by one; the rest wait for their day's journal. An order keeps to where its sale went when the
 * channel changes mode.
 */
export function startBooksDispatcher(options: {
  sql: Sql;
  engine: Engine;
  plans: ReadonlyMap<string, BooksPlan>;
  log: { error(message: string, fields?: Record<string, unknown>): void };
  everyMs?: number;
}): Loop {
  const { sql, engine, plans } = options;
  const channels = [...plans.keys()];
  let activated = false;
  return startLoop({
    everyMs: options.everyMs ?? 1000,
    async turn() {
      if (!channels.length) return;
      if (!activated) {
        await activateBooks(sql, channels);
        activated = true;
      }
      const looked = await lookAtChangedOrders(sql, channels, BATCH, async (orders) => {
        const ids = orders.map((o) => o.id);
        // Which orders a summary holds (their sale booked in a day's journal) and which had their sale posted on
        // its own: a channel that changed mode keeps each order where its sale went.
        const [summarized, posted] = await Promise.all([
          sql<{ order_id: string }[]>`select order_id from book_summary_entries
            where order_id = any(${ids}::text[]) and entry_key like 'sale:%'`,
          sql<{ order_id: string }[]>`select order_id from book_postings
            where order_id = any(${ids}::text[]) and key like 'sale:%'`,
        ]);
        const inSummary = new Set(summarized.map((r) => r.order_id));
        const onItsOwn = new Set(posted.map((r) => r.order_id));
        const starts: { input: PostingInput; workflowId: string }[] = [];
        for (const order of orders) {
          const { id, tenantId } = order;
          const connectionId = order.source.connectionId;
          const plan = plans.get(connectionId)!;
          const kind = saleKindOf(order, plan);
          if (!kind || inSummary.has(id)) continue;
          if (plan.mode === 'daily-summary' && kind !== 'invoice' && !onItsOwn.has(id)) continue;
          const start = (key: string, extra: Partial<PostingInput> = {}) =>
            starts.push({
              input: { tenantId, orderId: id, channel: connectionId, key, ...extra },
              workflowId: postingWorkflowId(plan.books, key),
            });
          start(saleKey(id));
          if (kind === 'invoice' && paidOnChannel(order)) start(paymentKey(id));
          for (const refund of order.refunds) start(refundKey(id, refund.id), { refundId: refund.id });
        }
        if (starts.length) await engine.startMany('books-posting', starts);
      });
      return looked === BATCH ? 'again' : undefined;
    },
    onError: (error) =>
      options.log.error('starting postings to the books failed; trying again shortly', {
        error: describeError(error),
      }),
  });
}
