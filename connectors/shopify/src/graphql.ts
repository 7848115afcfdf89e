import {
  abortableSleep,
  type PulledRecord,
  type PullPage,
  type PullRequest,
  type RetryVerdict,
  retryAfterMs,
  withRetries,
} from '@switchyard/core';
import Shopify from 'shopify-api-node';
import { gidNumber, parseExact } from './json.ts';

/** Marks a record pulled through GraphQL: its body is an Order node, not a webhook body. */
export const GRAPHQL_SOURCE_HEADER = 'x-switchyard-shopify-source';

/**
 * The node each pulled body was serialized from, so that normalizing a record just pulled does not parse
 * its bytes again. Bodies read back from the store (a replay) are not here and are parsed.
 */
export const pulledNodes = new WeakMap<Uint8Array, unknown>();

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

// biome-ignore lint/suspicious/noExplicitAny: GraphQL nodes are untyped JSON here; the zod schema checks the adapted shape
type Node = Record<string, any>;
const money = (set: Node | null | undefined) =>
  set?.shopMoney
    ? { shop_money: { amount: set.shopMoney.amount, currency_code: set.shopMoney.currencyCode } }
    : null;
const lower = (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : null);
const address = (a: Node | null | undefined) =>
  a
    ? {
        ...a,
        first_name: a.firstName,
        last_name: a.lastName,
        province_code: a.provinceCode,
        country_code: a.countryCodeV2,
      }
    : null;
const allocations = (list: Node[] | undefined) =>
  (list ?? []).map((d) => ({ amount_set: money(d.allocatedAmountSet) }));
const taxes = (list: Node[] | undefined) =>
  (list ?? []).map((t) => ({ title: t.title, rate: t.rate, price_set: money(t.priceSet) }));

/** Shopify's GraphQL Order node in the REST/webhook shape the mapper reads (one mapping for every source). */
export function fromGraphql(n: Node): Node {
  const fulfillment = lower(n.displayFulfillmentStatus);
  return {
    admin_graphql_api_id: n.id,
    name: n.name,
    created_at: n.createdAt,
    updated_at: n.updatedAt,
    cancelled_at: n.cancelledAt,
    currency: n.currencyCode,
    presentment_currency: n.presentmentCurrencyCode,
    email: n.email,
    phone: n.phone,
    note: n.note,
    tags: Array.isArray(n.tags) ? n.tags.join(', ') : null,
    po_number: n.poNumber,
    taxes_included: n.taxesIncluded,
    financial_status: lower(n.displayFinancialStatus),
    fulfillment_status:
      fulfillment === 'fulfilled' ? 'fulfilled' : fulfillment === 'partially_fulfilled' ? 'partial' : null,
    payment_gateway_names: n.paymentGatewayNames,
    total_price_set: money(n.totalPriceSet),
    total_discounts_set: money(n.totalDiscountsSet),
    total_tip_received: n.totalTipReceivedSet?.shopMoney?.amount ?? null,
    original_total_duties_set: money(n.originalTotalDutiesSet),
    original_total_additional_fees_set: money(n.originalTotalAdditionalFeesSet),
    customer: n.customer
      ? {
          admin_graphql_api_id: n.customer.id,
          email: n.customer.email,
          phone: n.customer.phone,
          first_name: n.customer.firstName,
          last_name: n.customer.lastName,
        }
      : null,
    billing_address: address(n.billingAddress),
    shipping_address: address(n.shippingAddress),
    note_attributes: (n.customAttributes ?? []).map((a: Node) => ({ name: a.key, value: a.value })),
    line_items: (n.lineItems?.nodes ?? []).map((li: Node) => ({
      admin_graphql_api_id: li.id,
      sku: li.sku,
      name: li.name,
      title: li.title,
      quantity: li.quantity,
      current_quantity: li.currentQuantity,
      ...(typeof li.unfulfilledQuantity === 'number' && typeof li.currentQuantity === 'number'
        ? {
            // Shipped = what is neither still to ship nor removed (by an edit or a refund).
            fulfilled_quantity: Math.max(0, li.currentQuantity - li.unfulfilledQuantity),
            removed_quantity: Math.max(0, li.quantity - li.currentQuantity),
          }
        : {}),
      gift_card: li.isGiftCard,
      price_set: money(li.originalUnitPriceSet),
      discount_allocations: allocations(li.discountAllocations),
      tax_lines: taxes(li.taxLines),
    })),
    shipping_lines: (n.shippingLines?.nodes ?? []).map((s: Node) => ({
      code: s.code,
      title: s.title,
      source: s.source,
      carrier_identifier: s.carrierIdentifier,
      price_set: money(s.originalPriceSet),
      discount_allocations: allocations(s.discountAllocations),
      tax_lines: taxes(s.taxLines),
    })),
    fulfillments: (n.fulfillments ?? []).map((f: Node) => ({
      admin_graphql_api_id: f.id,
      status: lower(f.status),
      shipment_status: lower(f.displayStatus),
      created_at: f.createdAt,
      tracking_company: f.trackingInfo?.[0]?.company ?? null,
      tracking_numbers: (f.trackingInfo ?? []).map((t: Node) => t.number).filter(Boolean),
      tracking_urls: (f.trackingInfo ?? []).map((t: Node) => t.url).filter(Boolean),
      // A bulk export cannot nest a connection in a list: its fulfillments come without lines (null, not none).
      line_items: f.fulfillmentLineItems
        ? f.fulfillmentLineItems.nodes.map((x: Node) => ({
            admin_graphql_api_id: x.lineItem?.id,
            quantity: x.quantity,
          }))
        : null,
    })),
    refunds: (n.refunds ?? []).map((r: Node) => ({
      admin_graphql_api_id: r.id,
      created_at: r.createdAt,
      note: r.note,
      total_refunded_set: money(r.totalRefundedSet),
      refund_line_items: r.refundLineItems
        ? r.refundLineItems.nodes.map((x: Node) => ({
            line_item_id: gidNumber(x.lineItem?.id),
            quantity: x.quantity,
            restock_type: lower(x.restockType),
          }))
        : null,
      // Nodes pulled before totalRefundedSet was asked for carry the refund's transactions.
      transactions: (r.transactions?.nodes ?? []).map((t: Node) => ({
        kind: lower(t.kind),
        status: lower(t.status),
        amount: t.amountSet?.shopMoney?.amount,
        currency: t.amountSet?.shopMoney?.currencyCode,
      })),
    })),
  };
}

interface PullSettings {
  shop: string;
  apiVersion: string;
  pageSize: number;
  timeoutSeconds: number;
  apiOrigin?: string | undefined;
}

/**
 * A shopify-api-node client for a connection. `apiOrigin` sends its requests to another
 * origin than https://<shop> (a proxy, or a local fake in tests and benchmarks).
 */
export function createClient(
  settings: { shop: string; timeoutSeconds: number; apiOrigin?: string | undefined },
  accessToken: string,
  apiVersion: string,
) {
  const client = new Shopify({
    shopName: settings.shop,
    accessToken,
    apiVersion,
    timeout: settings.timeoutSeconds * 1000,
    parseJson: parseExact,
  } as ConstructorParameters<typeof Shopify>[0]);
  if (settings.apiOrigin) {
    // shopify-api-node builds every request from this (untyped) base: protocol, host and port of the origin.
    const origin = new URL(settings.apiOrigin);
    (client as unknown as { baseUrl: object }).baseUrl = {
      protocol: origin.protocol,
      hostname: origin.hostname,
      ...(origin.port ? { port: Number(origin.port) } : {}),
    };
  }
  return client;
}

/**
 * Whether a failed Shopify call is worth repeating: THROTTLED (after `throttledWaitMs`), 429 and
 * 5xx (honouring Retry-After), and a dropped or refused connection.
 */
export function retryable(error: unknown, throttledWaitMs: number): RetryVerdict {
  const e = error as {
    message?: string;
    code?: string;
    response?: { statusCode?: number; headers?: Record<string, string> };
  };
  if (e.message === 'Throttled') return { retry: true, afterMs: throttledWaitMs };
  const status = e.response?.statusCode;
  if (status === 429 || (status !== undefined && status >= 500)) {
    const afterMs = retryAfterMs(e.response?.headers?.['retry-after']);
    return afterMs === undefined ? { retry: true } : { retry: true, afterMs };
  }
  return {
    retry:
      status === undefined &&
      ['ECONNRESET', 'ETIMEDOUT', 'ECONNREFUSED', 'EAI_AGAIN', 'EPIPE'].includes(e.code ?? ''),
  };
}

/** A failed call in words to act on: a refused token names the scopes it needs. The original stays the cause. */
export function failure(error: unknown, what: string, scopes: string): Error {
  const status = (error as { response?: { statusCode?: number } }).response?.statusCode;
  return new Error(
    status === 401 || status === 403
      ? `Shopify refused the access token (${status}) for the ${what}: check secrets.accessToken and that it has ${scopes}`
      : `Shopify ${what} failed: ${(error as Error).message}`,
    { cause: error },
  );
}

interface Bucket {
  available: number;
  max: number;
  restoreRate: number;
  at: number;
  cost: number;
}

/**
 * Orders updated since `since`, a page at a time, paced by Shopify's cost-based
 * throttle: after each answer the bucket (`extensions.cost.throttleStatus`) is known,
 * so the next page waits until the bucket holds its cost instead of running into
 * THROTTLED. A THROTTLED answer anyway (another app shares the bucket) waits for the
 * refill and retries; 429 and 5xx honour Retry-After.
 */
export async function* pullOrders(
  settings: PullSettings,
  accessToken: string | undefined,
  request: PullRequest,
): AsyncGenerator<PullPage> {
  if (!accessToken) {
    throw new Error('pulling needs secrets.accessToken (an Admin API access token with read_orders)');
  }
  const client = createClient(settings, accessToken, settings.apiVersion);
  let bucket: Bucket | undefined;
  client.on('callGraphqlLimits', (limits) => {
    bucket = {
      available: limits.remaining,
      max: limits.max,
      restoreRate: limits.restoreRate,
      at: Date.now(),
      cost: limits.requestedQueryCost,
    };
  });
  const refillWait = () => {
    if (!bucket) return 0;
    const now = bucket.available + ((Date.now() - bucket.at) / 1000) * bucket.restoreRate;
    return now >= bucket.cost ? 0 : Math.ceil(((bucket.cost - now) / bucket.restoreRate) * 1000);
  };
  const query = request.since
    ? `updated_at:>='${new Date(request.since.getTime() - 1000).toISOString()}'`
    : null;
  // For progress: orders changed at or after the previous page's latest change are those of that page sharing
  // the change time, this page, and what is left. On the first page it is everything since the watermark
  // (over-counted once when resuming from a cursor).
  let countQuery = query;
  let counted = 0;
  let after = request.cursor ?? null;
  // Shopify refuses a query whose requested cost exceeds its single-query limit: the page then halves.
  let first = settings.pageSize;
  for (;;) {
    const data = (await withRetries(
      async () => {
        await abortableSleep(refillWait(), request.signal);
        return client.graphql(ORDERS_QUERY, { first, after, query, countQuery });
      },
      (error) => {
        const message = (error as { message?: string }).message ?? '';
        // A page costing more than Shopify's query limit, or than the shop's whole bucket, can never run: halve it.
        const tooCostly =
          /max cost limit|MAX_COST_EXCEEDED/i.test(message) ||
          (message === 'Throttled' && bucket !== undefined && bucket.cost > bucket.max);
        if (tooCostly && first > 1) {
          first = Math.max(1, Math.floor(first / 2));
          return { retry: true, afterMs: 0 };
        }
        return retryable(error, refillWait());
      },
      { signal: request.signal, attempts: 12 },
    ).catch((error) => {
      throw failure(error, 'orders query', 'read_orders');
    })) as {
      orders: { pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: Node[] };
      ordersCount?: { count: number; precision: string } | null;
    };
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
