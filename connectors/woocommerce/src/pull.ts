import { type ConnectionContext, type PullPage, type PullRequest, pullModifiedSince } from '@switchyard/core';
import { wooClient } from './client.ts';
import { gmt } from './map-order.ts';
import type { Secrets, Settings } from './settings.ts';
import { orderKey } from './webhook.ts';

/** What the pull reads of a listed order; the whole order is stored as it came. */
interface ListedOrder {
  id: number;
  date_modified_gmt?: string;
}

/**
 * Orders modified after `since`, oldest change first, by keyset on the modification time (core's
 * `pullModifiedSince`): an order that changes during the sync moves ahead of the position instead of
 * shifting the pages behind it. A second of overlap comes back each time and dedupe absorbs it.
 */
export async function* pullOrders(
  context: ConnectionContext<Settings, Secrets>,
  request: PullRequest,
): AsyncGenerator<PullPage> {
  const { settings } = context;
  const api = wooClient(context);
  yield* pullModifiedSince<ListedOrder>(request, {
    pageSize: settings.pageSize,
    async fetchPage({ modifiedAfter, page }, signal) {
      const answer = await api.request('GET', 'orders', {
        query: {
          orderby: 'modified',
          order: 'asc',
          per_page: settings.pageSize,
          page,
          ...(modifiedAfter ? { modified_after: modifiedAfter.toISOString(), dates_are_gmt: true } : {}),
        },
        signal,
        what: 'orders',
      });
      let orders: unknown;
      try {
        orders = JSON.parse(answer.text);
      } catch {
        orders = answer.text;
      }
      if (!Array.isArray(orders)) {
        // An answer that is not a list (a login page, a site without WooCommerce) must not end the sync as if all were read.
        throw new Error(
          `WooCommerce orders answered ${typeof orders} instead of a list of orders: check that siteUrl (${settings.siteUrl}) is the shop's address and WooCommerce is active`,
        );
      }
      // X-WP-Total counts this request's listing: what changed after the position.
      const total = answer.headers.get('x-wp-total');
      return { items: orders as ListedOrder[], ...(total ? { total: Number(total) } : {}) };
    },
    modifiedAt: (o) => (o.date_modified_gmt ? gmt(o.date_modified_gmt) : null),
    toRecord(order) {
      // Keyed as its webhook delivery is, so a state a webhook already brought is a duplicate.
      const body = new Uint8Array(Buffer.from(JSON.stringify(order)));
      return { dedupeKey: orderKey(order, body), body, contentType: 'application/json' };
    },
  });
}
