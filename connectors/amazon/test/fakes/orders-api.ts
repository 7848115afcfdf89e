import { randomUUID } from 'node:crypto';
import { HttpResponse } from 'msw';
import type { Operation } from '../../src/rate-limit.ts';

/**
 * The fake's Orders API: Orders v2026-01-01 searchOrders (the window checked, `nextToken` bound to the other
 * parameters, datasets left out unless `includedData` asks for them) and getOrder's view, and Orders v0
 * confirmShipment (packages by packageReferenceId, the order shipped after them). sp-api.ts routes to them.
 */
export type Json = Record<string, unknown>;
export type AmazonOrderJson = Json & { orderId: string; lastUpdatedTime: string };

/** What the operations share with the fake: its state, its clock, and how it answers. */
export interface Wire {
  orders: Map<string, AmazonOrderJson>;
  packages: Map<string, Map<string, Json>>;
  confirmations: { orderId: string; body: Json }[];
  listings: Map<string, FakeListing>;
  patches: { sku: string; body: Json }[];
  sellerId: string;
  now(): number;
  answer(op: Operation, body: unknown, status?: number): Response;
  rateHeader(op: Operation): Record<string, string>;
}

export interface FakeListing {
  productType: string;
  /** Fulfillment channels and quantities: DEFAULT is the merchant's, AMAZON_NA and the like are FBA. */
  channels: Record<string, number>;
  /** Issues a patch is answered INVALID with. */
  invalid?: { code: string; message: string; severity: 'ERROR' | 'WARNING' }[];
}

const DATASETS: Record<string, (o: Json) => void> = {
  BUYER: (o) => delete o.buyer,
  RECIPIENT: (o) => delete o.recipient,
  PROCEEDS: (o) => {
    delete o.proceeds;
    for (const i of o.orderItems as Json[]) delete i.proceeds;
  },
  PROMOTION: (o) => {
    for (const i of o.orderItems as Json[]) delete i.promotion;
  },
  CANCELLATION: (o) => {
    for (const i of o.orderItems as Json[]) delete i.cancellation;
  },
  FULFILLMENT: (o) => {
    delete o.fulfillment;
    for (const i of o.orderItems as Json[]) delete i.fulfillment;
  },
  PACKAGES: (o) => delete o.packages,
  TAX: (o) => {
    for (const i of o.orderItems as Json[]) delete i.tax;
  },
};

export const errors = (status: number, code: string, message: string, details?: string, headers?: Json) =>
  HttpResponse.json(
    { errors: [{ code, message, ...(details ? { details } : {}) }] },
    { status, headers: { 'x-amzn-requestid': randomUUID(), ...(headers as Record<string, string>) } },
  );

/** The order as asked: the datasets not in `includedData` left out. */
export function view(order: AmazonOrderJson, included: string | null): Json {
  const copy = structuredClone(order) as Json;
  const wanted = new Set((included ?? '').split(',').filter(Boolean));
  for (const [dataset, drop] of Object.entries(DATASETS)) if (!wanted.has(dataset)) drop(copy);
  return copy;
}

export function searchOrders(w: Wire, q: URLSearchParams): Response {
  const bad = (message: string) =>
    errors(400, 'InvalidInput', 'Invalid Input', message, w.rateHeader('searchOrders'));
  const after = q.get('lastUpdatedAfter');
  const before = q.get('lastUpdatedBefore');
  if (!after || q.get('createdAfter'))
    return bad('Exactly one of createdAfter and lastUpdatedAfter is required');
  if (before && Date.parse(before) > w.now() - 120_000) {
    return bad('lastUpdatedBefore must be at least two minutes before the time of the request');
  }
  const size = Number(q.get('maxResultsPerPage') ?? 100);
  if (!Number.isInteger(size) || size < 1 || size > 100)
    return bad('maxResultsPerPage must be between 1 and 100');
  // A token is bound to the search it continues: every other parameter must come again unchanged.
  const bound = [...q].filter(([k]) => !['paginationToken', 'maxResultsPerPage', 'includedData'].includes(k));
  const signature = JSON.stringify(bound.sort());
  let offset = 0;
  const token = q.get('paginationToken');
  if (token) {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString()) as {
      offset: number;
      signature: string;
    };
    if (parsed.signature !== signature) return bad('The paginationToken does not match the other parameters');
    offset = parsed.offset;
  }
  const marketplaces = new Set((q.get('marketplaceIds') ?? '').split(',').filter(Boolean));
  const from = Date.parse(after);
  const to = before ? Date.parse(before) : w.now() - 120_000;
  const matching = [...w.orders.values()]
    .filter((o) => {
      const t = Date.parse(o.lastUpdatedTime);
      const market = (o.salesChannel as { marketplaceId?: string }).marketplaceId ?? '';
      return t >= from && t <= to && (!marketplaces.size || marketplaces.has(market));
    })
    .sort(
      (a, b) =>
        Date.parse(a.lastUpdatedTime) - Date.parse(b.lastUpdatedTime) || a.orderId.localeCompare(b.orderId),
    );
  const page = matching.slice(offset, offset + size);
  const next =
    offset + size < matching.length
      ? Buffer.from(JSON.stringify({ offset: offset + size, signature })).toString('base64url')
      : undefined;
  return w.answer('searchOrders', {
    orders: page.map((o) => view(o, q.get('includedData'))),
    ...(next ? { pagination: { nextToken: next } } : {}),
    lastUpdatedBefore: new Date(to).toISOString(),
  });
}

export function confirmShipment(w: Wire, orderId: string, body: Json): Response {
  w.confirmations.push({ orderId, body });
  const bad = (details: string) =>
    errors(400, 'InvalidInput', 'Invalid Input', details, w.rateHeader('confirmShipment'));
  const order = w.orders.get(orderId);
  if (!order)
    return errors(404, 'NotFound', `Order ${orderId} not found.`, undefined, w.rateHeader('confirmShipment'));
  const detail = body.packageDetail as Json | undefined;
  const fulfillment = order.fulfillment as Json;
  if (fulfillment.fulfilledBy === 'AMAZON')
    return bad('Shipment confirmation is not allowed for orders fulfilled by Amazon');
  if (body.marketplaceId !== (order.salesChannel as Json).marketplaceId)
    return bad('marketplaceId does not match the order');
  const ref = String(detail?.packageReferenceId ?? '');
  if (!/^[1-9]\d*$/.test(ref)) return bad('packageReferenceId must be a positive number');
  if (!detail?.carrierCode) return bad('carrierCode is required');
  if (detail.carrierCode === 'Other' && !detail.carrierName)
    return bad('carrierName is required when carrierCode is Other');
  if (!detail.trackingNumber) return bad('trackingNumber is required');
  if (Number.isNaN(Date.parse(String(detail.shipDate)))) return bad('shipDate must be an ISO 8601 date-time');
  const items = (detail.orderItems ?? []) as { orderItemId: string; quantity: number }[];
  const ours = w.packages.get(orderId) ?? new Map<string, Json>();
  const others = [...ours].filter(([k]) => k !== ref).flatMap(([, p]) => p.orderItems as typeof items);
  for (const item of items) {
    const line = (order.orderItems as Json[]).find((i) => i.orderItemId === item.orderItemId);
    if (!line) return bad(`orderItemId ${item.orderItemId} is not in order ${orderId}`);
    const shipped = others
      .filter((o) => o.orderItemId === item.orderItemId)
      .reduce((n, o) => n + o.quantity, 0);
    if (item.quantity < 1 || shipped + item.quantity > (line.quantityOrdered as number)) {
      return bad(`quantity ${item.quantity} of ${item.orderItemId} is more than is left to ship`);
    }
  }
  ours.set(ref, detail);
  w.packages.set(orderId, ours);
  shipped(w, order, ours);
  return w.answer('confirmShipment', null, 204);
}

/** The order after its packages: quantities fulfilled, status, packages, a new lastUpdatedTime. */
function shipped(w: Wire, order: AmazonOrderJson, packages: Map<string, Json>) {
  const all = [...packages.values()];
  let open = 0;
  for (const item of order.orderItems as Json[]) {
    const done = all
      .flatMap((p) => p.orderItems as { orderItemId: string; quantity: number }[])
      .filter((o) => o.orderItemId === item.orderItemId)
      .reduce((n, o) => n + o.quantity, 0);
    item.fulfillment = {
      quantityFulfilled: done,
      quantityUnfulfilled: (item.quantityOrdered as number) - done,
    };
    open += (item.quantityOrdered as number) - done;
  }
  (order.fulfillment as Json).fulfillmentStatus = open ? 'PARTIALLY_SHIPPED' : 'SHIPPED';
  order.packages = [...packages].map(([ref, p]) => ({
    packageReferenceId: ref,
    createdTime: new Date(w.now()).toISOString(),
    packageStatus: { status: 'IN_TRANSIT', detailedStatus: 'PICKED_UP' },
    carrier: p.carrierCode === 'Other' ? p.carrierName : p.carrierCode,
    shipTime: p.shipDate,
    shippingService: p.shippingMethod,
    trackingNumber: p.trackingNumber,
    packageItems: p.orderItems,
  }));
  order.lastUpdatedTime = new Date(w.now()).toISOString();
}
