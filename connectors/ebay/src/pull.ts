import { type ConnectionContext, type PullPage, type PullRequest, pullModifiedSince } from '@switchyard/core';
import { vendorClient } from './client.ts';
import type { Secrets, Settings } from './settings.ts';
import { orderKey } from './webhook.ts';

/** What the pull reads of a listed order; the whole order is stored as it came. */
type Listed = { id: string; updated_at: string };

/**
 * Orders modified after `since`, oldest change first, by core's `pullModifiedSince`: the cursor moves on the
 * modification time, so an order changed during the sync moves ahead instead of shifting the pages behind it.
 */
export async function* pullOrders(
  context: ConnectionContext<Settings, Secrets>,
  request: PullRequest,
): AsyncGenerator<PullPage> {
  const { settings } = context;
  const api = vendorClient(context);
  yield* pullModifiedSince<Listed>(request, {
    pageSize: settings.pageSize,
    async fetchPage({ modifiedAfter, page }, signal) {
      const query = {
        sort: 'updated_at',
        per_page: settings.pageSize,
        page,
        updated_after: modifiedAfter?.toISOString(),
      };
      const answer = await api.json<{ orders: Listed[]; total?: number }>('GET', 'orders', {
        query,
        signal,
        what: 'orders',
      });
      return { items: answer.orders, total: answer.total };
    },
    modifiedAt: (order) => order.updated_at,
    // Keyed as its webhook is, so a state a webhook already brought is a duplicate.
    toRecord: (order) => ({
      dedupeKey: orderKey(order),
      body: new Uint8Array(Buffer.from(JSON.stringify(order))),
      contentType: 'application/json',
    }),
  });
}
