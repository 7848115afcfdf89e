import {
  abortableSleep,
  type ConnectionContext,
  type PulledRecord,
  type PullPage,
  type PullRequest,
} from '@switchyard/core';
import { type ShopifyClient, shopifyClient } from './client.ts';
import { gidNumber } from './json.ts';
import { GRAPHQL_SOURCE_HEADER, type Node, pulledNodes } from './map-graphql.ts';
import type { Secrets, Settings } from './settings.ts';

/**
 * A pulled Order node as a record the hub stores raw, keyed by order id and change time. A bulk export's
 * node is a summary of that state (its fulfillments and refunds have no lines), keyed apart so that the
 * full state, when a page brings it, is not taken for a duplicate.
 */
export function pulledRecord(node: Node, from: 'page' | 'bulk' = 'page'): PulledRecord {
  const body = new Uint8Array(Buffer.from(JSON.stringify(node)));
  pulledNodes.set(body, node);
  return {
    dedupeKey: `order:${gidNumber(node.id)}@${node.updatedAt}${from === 'bulk' ? '#bulk' : ''}`,
    body,
    contentType: 'application/json',
    headers: { [GRAPHQL_SOURCE_HEADER]: 'graphql' },
  };
}

const MONEY = 'shopMoney { amount currencyCode }';
const TAX = `title rate priceSet { ${MONEY} }`;
const ADDRESS =
  'name firstName lastName company address1 address2 city province provinceCode zip countryCodeV2 phone';

/** The Order fields normalization reads, without its connections (shared with the bulk export). */
export const ORDER_FIELDS = `id name createdAt updatedAt cancelledAt currencyCode presentmentCurrencyCode email phone note tags poNumber
      taxesIncluded displayFinancialStatus displayFulfillmentStatus paymentGatewayNames
      totalPriceSet { ${MONEY} } totalDiscountsSet { ${MONEY} } totalTipReceivedSet { ${MONEY} }
      originalTotalDutiesSet { ${MONEY} } originalTotalAdditionalFeesSet { ${MONEY} }
      customer { id email phone firstName lastName }
      billingAddress { ${ADDRESS} } shippingAddress { ${ADDRESS} }
      customAttributes { key value }`;
/** A LineItem's fields; `unfulfilledQuantity` gives shipped quantities where fulfillments carry no lines (bulk). */
export const LINE_FIELDS = `id sku name title quantity currentQuantity unfulfilledQuantity isGiftCard originalUnitPriceSet { ${MONEY} }
        discountAllocations { allocatedAmountSet { ${MONEY} } } taxLines { ${TAX} }`;
/** A ShippingLine's fields. */
export const SHIPPING_FIELDS = `id code title source carrierIdentifier originalPriceSet { ${MONEY} }
        discountAllocations { allocatedAmountSet { ${MONEY} } } taxLines { ${TAX} }`;
/** A fulfillment's fields, without its line items (a connection). */
export const FULFILLMENT_FIELDS =
  'id status displayStatus createdAt trackingInfo(first: 5) { company number url }';
/** A refund's fields, without its line items; the amount refunded in shop money. */
export const REFUND_FIELDS = `id createdAt note totalRefundedSet { ${MONEY} }`;

/** Orders changed since a time, oldest change first, with what normalization reads. */
const ORDERS_QUERY = `query SwitchyardOrders($first: Int!, $after: String, $query: String, $countQuery: String) {
  ordersCount(query: $countQuery, limit: null) { count precision }
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    pageInfo { hasNextPage endCursor }
    nodes {
      ${ORDER_FIELDS}
      lineItems(first: 50) { pageInfo { hasNextPage } nodes { ${LINE_FIELDS} } }
      shippingLines(first: 5) { nodes { ${SHIPPING_FIELDS} } }
      fulfillments(first: 10) { ${FULFILLMENT_FIELDS}
        fulfillmentLineItems(first: 50) { nodes { quantity lineItem { id } } } }
      refunds(first: 10) { ${REFUND_FIELDS}
        refundLineItems(first: 50) { nodes { quantity restockType lineItem { id } } } }
    }
  }
}`;

/**
 * Orders updated since `since`, a page at a time, paced by Shopify's cost-based throttle: after each answer the
 * bucket is known, so the next page waits until the bucket holds its cost instead of running into THROTTLED.
 * A THROTTLED answer anyway (another app shares the bucket) waits for the refill and is asked again (the
 * client's retry); 429 and 5xx honour Retry-After. The cursor is Shopify's own (`pageInfo.endCursor`).
 */
export async function* pullOrders(
  context: Pick<ConnectionContext<Settings, Secrets>, 'settings' | 'secrets'> &
    Partial<Pick<ConnectionContext<Settings, Secrets>, 'connectionId'>>,
  request: PullRequest,
): AsyncGenerator<PullPage> {
  const { settings, secrets } = context;
  if (!secrets.accessToken) {
    throw new Error('pulling needs secrets.accessToken (an Admin API access token with read_orders)');
  }
  const client = shopifyClient(settings, secrets.accessToken, 'read_orders', context.connectionId);
  const query = request.since
    ? `updated_at:>='${new Date(request.since.getTime() - 1000).toISOString()}'`
    : null;
  // For progress: orders changed at or after the previous page's latest change are those of that page sharing
  // the change time, this page, and what is left. On the first page it is everything since the watermark
  // (over-counted once when resuming from a cursor).
  let countQuery = query;
  let counted = 0;
  let after = request.cursor ?? null;
  // Shopify refuses a query whose requested cost exceeds its single-query limit: the page then halves (ordersPage).
  let first = settings.pageSize;
  for (;;) {
    await abortableSleep(client.refillWait(), request.signal);
    const page = await ordersPage(client, { first, after, query, countQuery }, request.signal);
    first = page.first;
    const data = page.data;
    const { nodes, pageInfo } = data.orders;
    let watermark: string | undefined;
    for (const n of nodes)
      if (!watermark || Date.parse(n.updatedAt) > Date.parse(watermark)) watermark = n.updatedAt;
    yield {
      records: nodes.map((n) => pulledRecord(n)),
      cursor: pageInfo.hasNextPage ? pageInfo.endCursor : null,
      ...(watermark ? { watermark: new Date(watermark).toISOString() } : {}),
      ...(data.ordersCount?.precision === 'EXACT'
        ? {
            remaining: pageInfo.hasNextPage
              ? Math.max(0, data.ordersCount.count - counted - nodes.length)
              : 0,
          }
        : {}),
    };
    if (!pageInfo.hasNextPage) return;
    if (watermark) {
      countQuery = `updated_at:>='${new Date(watermark).toISOString()}'`;
      counted = nodes.filter((n) => Date.parse(n.updatedAt) >= Date.parse(watermark)).length;
    }
    after = pageInfo.endCursor;
  }
}

interface OrdersAnswer {
  orders: { pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: Node[] };
  ordersCount?: { count: number; precision: string } | null;
}

/**
 * One page of the orders query. A page costing more than Shopify's single-query limit, or than the shop's whole
 * bucket, can never run: it halves until it can, and the pull goes on at the size that ran.
 */
async function ordersPage(
  client: ShopifyClient,
  variables: { first: number; after: string | null; query: string | null; countQuery: string | null },
  signal: AbortSignal,
): Promise<{ data: OrdersAnswer; first: number }> {
  let first = variables.first;
  for (;;) {
    try {
      const data = await client.graphql<OrdersAnswer>(
        'orders query',
        ORDERS_QUERY,
        { ...variables, first },
        { signal, attempts: 12 },
      );
      return { data, first };
    } catch (error) {
      if (!client.tooCostly(error) || first <= 1) throw error;
      first = Math.max(1, Math.floor(first / 2));
    }
  }
}
