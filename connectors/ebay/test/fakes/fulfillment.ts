import { HttpResponse, http } from 'msw';
import { type EbayOrderJson, fmt, minor } from './orders.ts';

/** What the Fulfillment API handlers keep (part of the fake's state). */
export interface FulfillmentState {
  orders: Map<string, EbayOrderJson>;
  fulfillments: Map<string, Record<string, unknown>[]>;
  created: number;
  loseAnswers: number;
  missingOrders: number;
  /**
   * getShippingFulfillments calls that do not list the newest fulfillment yet (eBay's read lagging behind a
   * create whose answer was lost).
   */
  staleFulfillmentReads: number;
  /**
   * How getOrders lists a window: by creation date (eBay's default) or by modification time (eBay: "the order
   * will vary according to any filter"). Either way an order modified past the window's end leaves it.
   */
  listedBy: 'creation' | 'modification';
  /** Called before each getOrders answer is made, with what it asks (a test modifies orders meanwhile). */
  beforeOrdersPage?: ((offset: number, filter: string) => void) | undefined;
}

type Admit = (request: Request, operation: string) => Response | undefined;
type Amount = { value: string; currency: string };

const error = (status: number, errorId: number, message: string, parameters?: Record<string, string>) =>
  HttpResponse.json(
    {
      errors: [
        {
          errorId,
          domain: 'API_FULFILLMENT',
          category: 'REQUEST',
          message,
          ...(parameters
            ? { parameters: Object.entries(parameters).map(([name, value]) => ({ name, value })) }
            : {}),
        },
      ],
    },
    { status },
  );

/** `lastmodifieddate:[from..until]` (either end may be open), as getOrders reads its filter. */
function windowOf(filter: string | null): { from?: number; until?: number } | 'invalid' {
  if (!filter) return {};
  const m = /lastmodifieddate:\[(.*?)\.\.(.*?)\]/.exec(filter);
  if (!m) return 'invalid';
  const from = m[1] ? Date.parse(m[1]) : undefined;
  const until = m[2] ? Date.parse(m[2]) : undefined;
  if (Number.isNaN(from) || Number.isNaN(until)) return 'invalid';
  return { ...(from !== undefined ? { from } : {}), ...(until !== undefined ? { until } : {}) };
}

/**
 * An order as eBay answers it without fieldGroups=TAX_BREAKDOWN: no taxType on taxes, and the Collect and Remit
 * tax left out of the line and order totals.
 */
function withoutBreakdown(order: EbayOrderJson): EbayOrderJson {
  let remitted = 0;
  const lineItems = order.lineItems.map((li) => {
    const taxes = (li.ebayCollectAndRemitTaxes as { amount: Amount }[] | undefined) ?? [];
    const own = taxes.reduce((sum, t) => sum + minor(t.amount.value), 0);
    remitted += own;
    const total = li.total as Amount;
    return {
      ...li,
      taxes: ((li.taxes as { amount: Amount }[]) ?? []).map((t) => ({ amount: t.amount })),
      total: { ...total, value: fmt(minor(total.value) - own) },
    };
  });
  const summary = order.pricingSummary as { total: Amount };
  return {
    ...order,
    lineItems,
    pricingSummary: {
      ...summary,
      total: { ...summary.total, value: fmt(minor(summary.total.value) - remitted) },
    },
  };
}

export function fulfillmentHandlers(base: string, state: FulfillmentState, admit: Admit) {
  const root = `${base}/sell/fulfillment/v1`;
  const shaped = (order: EbayOrderJson, breakdown: boolean) => (breakdown ? order : withoutBreakdown(order));

  const getOrders = http.get(`${root}/order`, ({ request }) => {
    const refused = admit(request, 'getOrders');
    if (refused) return refused;
    const url = new URL(request.url);
    const limit = Number(url.searchParams.get('limit') ?? 50);
    const offset = Number(url.searchParams.get('offset') ?? 0);
    if (!Number.isInteger(limit) || limit < 1 || limit > 200) {
      return error(400, 31100, `Invalid limit: ${url.searchParams.get('limit')}`);
    }
    if (!Number.isInteger(offset) || offset < 0) return error(400, 31000, `Invalid offset: ${offset}`);
    const window = windowOf(url.searchParams.get('filter'));
    if (window === 'invalid') return error(400, 30800, 'Invalid filter value for filter lastmodifieddate');
    const breakdown = url.searchParams.get('fieldGroups') === 'TAX_BREAKDOWN';
    state.beforeOrdersPage?.(offset, url.searchParams.get('filter') ?? '');
    const sortKey = (o: EbayOrderJson) =>
      state.listedBy === 'modification' ? new Date(o.lastModifiedDate).toISOString() : o.creationDate;
    // eBay lists by creation date, oldest first, unless the filter changes the order.
    const listed = [...state.orders.values()]
      .filter((o) => {
        const at = Date.parse(o.lastModifiedDate);
        return (
          (window.from === undefined || at >= window.from) &&
          (window.until === undefined || at <= window.until)
        );
      })
      .sort((a, b) => sortKey(a).localeCompare(sortKey(b)) || a.orderId.localeCompare(b.orderId));
    const page = listed.slice(offset, offset + limit).map((o) => ({
      ...shaped(o, breakdown),
      // getOrders returns cancelRequests, always empty: getOrder fills them.
      cancelStatus: { ...(o.cancelStatus as object), cancelRequests: [] },
    }));
    const href = (at: number) => {
      const next = new URL(request.url);
      next.searchParams.set('offset', String(at));
      return next.toString();
    };
    return HttpResponse.json({
      href: request.url,
      total: listed.length,
      limit,
      offset,
      orders: page,
      ...(offset + limit < listed.length ? { next: href(offset + limit) } : {}),
      ...(offset > 0 ? { prev: href(Math.max(0, offset - limit)) } : {}),
    });
  });

  const getOrder = http.get(`${root}/order/:orderId`, ({ request, params }) => {
    const refused = admit(request, 'getOrder');
    if (refused) return refused;
    const order = state.orders.get(String(params.orderId));
    // eBay's specification lists 400 with 32100 for an order id it does not know (also one not readable yet).
    if (!order || state.missingOrders > 0) {
      if (order) state.missingOrders--;
      return error(400, 32100, `Invalid order ID: ${params.orderId}`);
    }
    return HttpResponse.json(
      shaped(order, new URL(request.url).searchParams.get('fieldGroups') === 'TAX_BREAKDOWN'),
    );
  });

  const getFulfillments = http.get(`${root}/order/:orderId/shipping_fulfillment`, ({ request, params }) => {
    const refused = admit(request, 'getShippingFulfillments');
    if (refused) return refused;
    const id = String(params.orderId);
    if (!state.orders.has(id)) return error(400, 32100, `Invalid order ID: ${id}`);
    let list = state.fulfillments.get(id) ?? [];
    if (state.staleFulfillmentReads > 0 && list.length) {
      state.staleFulfillmentReads--;
      list = list.slice(0, -1);
    }
    return HttpResponse.json({ fulfillments: list, total: list.length });
  });

  const createFulfillment = http.post(
    `${root}/order/:orderId/shipping_fulfillment`,
    async ({ request, params }) => {
      const refused = admit(request, 'createShippingFulfillment');
      if (refused) return refused;
      const id = String(params.orderId);
      const order = state.orders.get(id);
      if (!order) return error(400, 32100, `Invalid Order Id: ${id}`);
      const body = (await request.json()) as {
        lineItems?: { lineItemId: string; quantity?: number }[];
        shippedDate?: string;
        shippingCarrierCode?: string;
        trackingNumber?: string;
      };
      const lines = body.lineItems ?? [];
      const seen = new Set<string>();
      for (const l of lines) {
        if (!order.lineItems.some((li) => li.lineItemId === l.lineItemId)) {
          return error(400, 32200, `Invalid line item id: ${l.lineItemId}`, { lineItemId: l.lineItemId });
        }
        if (seen.has(l.lineItemId)) return error(400, 32210, 'Duplicate line item in the request');
        seen.add(l.lineItemId);
      }
      if (
        !!body.trackingNumber !== !!body.shippingCarrierCode ||
        /[^A-Za-z0-9]/.test(body.trackingNumber ?? '')
      ) {
        return error(400, 32300, 'Invalid shipment tracking number or carrier');
      }
      const list = state.fulfillments.get(id) ?? [];
      const fulfillmentId = body.trackingNumber ?? '999';
      if (list.some((f) => f.fulfillmentId === fulfillmentId)) {
        return error(400, 34500, 'Please use PUT operation for updating shipping fulfillment');
      }
      const now = new Date().toISOString();
      list.push({
        fulfillmentId,
        lineItems: lines.map((l) => ({ lineItemId: l.lineItemId, quantity: l.quantity ?? 1 })),
        shippedDate: body.shippedDate ?? now,
        ...(body.trackingNumber
          ? { shipmentTrackingNumber: body.trackingNumber, shippingCarrierCode: body.shippingCarrierCode }
          : {}),
      });
      state.fulfillments.set(id, list);
      state.created++;
      shipLines(order, list, now);
      const location = `${root}/order/${id}/shipping_fulfillment/${fulfillmentId}`;
      if (state.loseAnswers > 0) {
        state.loseAnswers--;
        return HttpResponse.json({ errors: [{ errorId: 30500, message: 'System error' }] }, { status: 502 });
      }
      return HttpResponse.json({}, { status: 201, headers: { location } });
    },
  );

  return [getOrders, getFulfillments, createFulfillment, getOrder];
}

/** The order after a fulfillment: its lines' and its own fulfillment status, and a new modification time. */
function shipLines(order: EbayOrderJson, list: Record<string, unknown>[], now: string) {
  const shipped = new Map<string, number>();
  for (const f of list) {
    for (const l of f.lineItems as { lineItemId: string; quantity: number }[]) {
      shipped.set(l.lineItemId, (shipped.get(l.lineItemId) ?? 0) + l.quantity);
    }
  }
  for (const li of order.lineItems) {
    const n = shipped.get(li.lineItemId as string) ?? 0;
    li.lineItemFulfillmentStatus =
      n >= (li.quantity as number) ? 'FULFILLED' : n > 0 ? 'IN_PROGRESS' : 'NOT_STARTED';
  }
  const all = order.lineItems.every((li) => li.lineItemFulfillmentStatus === 'FULFILLED');
  order.orderFulfillmentStatus = all ? 'FULFILLED' : 'IN_PROGRESS';
  order.lastModifiedDate = now;
  order.fulfillmentHrefs = list.map(
    (f) =>
      `https://api.ebay.com/sell/fulfillment/v1/order/${order.orderId}/shipping_fulfillment/${f.fulfillmentId}`,
  );
}
