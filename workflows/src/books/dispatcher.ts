import {
  activateBooks,
  describeError,
  type Engine,
  getOrder,
  type Loop,
  lookAtChangedOrders,
  type Sql,
  startLoop,
} from '@switchyard/core';
import type { BooksPlan } from './plan.ts';
import { type PostingInput, postingWorkflowId, refundKey, saleKey, saleKindOf } from './posting.ts';

/** Orders looked at per turn; a full batch runs the next turn at once. */
const BATCH = 100;

/**
 * Starts a posting workflow for each document an order owes the books, from the database: each time an order
 * of a channel with an `accounting` section changes (a new order, a capture, a refund), its sale and each of
 * its refunds are started by their posting's workflow id, so a document already started is not started
 * again, and a crash between starting and marking the order only looks at it again. In daily-summary mode
 * only invoices (orders on terms) are posted one by one; the rest wait for their day's journal.
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
        const starts: { input: PostingInput; workflowId: string }[] = [];
        for (const { id, tenantId, connectionId } of orders) {
          const plan = plans.get(connectionId)!;
          const order = (await getOrder(sql, tenantId, id))?.order;
          if (!order) continue;
          const kind = saleKindOf(order);
          if (!kind || (plan.mode === 'daily-summary' && kind !== 'invoice')) continue;
          const base = { tenantId, orderId: id, channel: connectionId };
          const sale = saleKey(id);
          starts.push({ input: { ...base, key: sale }, workflowId: postingWorkflowId(plan.books, sale) });
          for (const refund of order.refunds) {
            const key = refundKey(id, refund.id);
            starts.push({
              input: { ...base, key, refundId: refund.id },
              workflowId: postingWorkflowId(plan.books, key),
            });
          }
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
