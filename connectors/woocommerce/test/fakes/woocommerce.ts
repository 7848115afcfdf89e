import { HttpResponse, http } from 'msw';
import { type FakeWooStock, fakeWooStock, productHandlers } from './products.ts';

/** A WooCommerce REST v3 order as the fake serves it (the fields the hub reads, in Woo's shape). */
export interface FakeWooOrder {
  id: number;
  number: string;
  status: string;
  currency: string;
  date_created_gmt: string;
  date_modified_gmt: string;
  date_paid_gmt: string | null;
  customer_id: number;
  billing: Record<string, string>;
  shipping: Record<string, string>;
  total: string;
  line_items: {
    id: number;
    name: string;
    sku: string;
    quantity: number;
    subtotal: string;
    total: string;
    taxes: [];
  }[];
  tax_lines: [];
  shipping_lines: [];
  fee_lines: [];
  coupon_lines: [];
  refunds: [];
  meta_data: [];
}

/** An order for the fake, in WooCommerce's shape: one line, guest checkout, no tax. */
export function wooOrder(id: number, modified: string, price = '25.00'): FakeWooOrder {
  return {
    id,
    number: String(id),
    status: 'processing',
    currency: 'USD',
    date_created_gmt: '2026-11-01T10:00:00',
    date_modified_gmt: modified,
    date_paid_gmt: '2026-11-01T10:00:05',
    customer_id: 0,
    billing: { first_name: 'Guest', last_name: `No ${id}`, email: `guest${id}@example.com`, country: 'US' },
    shipping: { first_name: '', last_name: '', country: '' },
    total: price,
    line_items: [
      {
        id: id * 10,
        name: 'Herb seeds',
        sku: 'SEEDS-1',
        quantity: 1,
        subtotal: price,
        total: price,
        taxes: [],
      },
    ],
    tax_lines: [],
    shipping_lines: [],
    fee_lines: [],
    coupon_lines: [],
    refunds: [],
    meta_data: [],
  };
}

export interface FakeWooCommerce {
  orders: FakeWooOrder[];
  /** Order notes and refunds created through the API, by order id. */
  notes: Map<number, { id: number; note: string; customer_note: boolean }[]>;
  refunds: Map<number, { id: number; reason: string; amount: string }[]>;
  /** Every orders request received: page asked for, modified_after, and the answer's status. */
  requests: { page: number; modifiedAfter: string | null; status: number }[];
  /** The next N requests are answered 429 with Retry-After. */
  throttleNext: number;
  /** Refuse every credential (a revoked key). */
  deny: boolean;
  /** Products and variations with SKUs and stock: `stock.set(sku, n)`, `stock.get(sku)`, `stock.writes`. */
  stock: FakeWooStock;
  handlers: (ReturnType<typeof http.get> | ReturnType<typeof http.post> | ReturnType<typeof http.put>)[];
}

/**
 * GET /wp-json/wc/v3/orders as WooCommerce answers it (basic auth, modified_after, orderby, paging headers), order
 * notes, refunds and status, and products and variations with their stock (products.ts).
 */
export function fakeWooCommerce(
  siteUrl: string,
  consumerKey: string,
  consumerSecret: string,
): FakeWooCommerce {
  let nextId = 100;
  const authorized = (request: Request) =>
    request.headers.get('authorization') ===
      `Basic ${Buffer.from(`${consumerKey}:${consumerSecret}`).toString('base64')}` ||
    new URL(request.url).searchParams.get('oauth_consumer_key') === consumerKey;
  const denied = () =>
    HttpResponse.json(
      {
        code: 'woocommerce_rest_cannot_edit',
        message: 'Sorry, you are not allowed to edit this resource.',
        data: { status: 401 },
      },
      { status: 401 },
    );
  const notFound = () =>
    HttpResponse.json(
      { code: 'woocommerce_rest_shop_order_invalid_id', message: 'Invalid ID.', data: { status: 404 } },
      { status: 404 },
    );
  const fake: FakeWooCommerce = {
    orders: [],
    notes: new Map(),
    refunds: new Map(),
    requests: [],
    throttleNext: 0,
    deny: false,
    stock: fakeWooStock(() => nextId++),
    handlers: [
      http.get(`${siteUrl}/wp-json/wc/v3/orders/:id/notes`, ({ request, params }) =>
        authorized(request) ? HttpResponse.json(fake.notes.get(Number(params.id)) ?? []) : denied(),
      ),
      http.post(`${siteUrl}/wp-json/wc/v3/orders/:id/notes`, async ({ request, params }) => {
        if (!authorized(request)) return denied();
        const id = Number(params.id);
        if (!fake.orders.some((o) => o.id === id)) return notFound();
        const body = (await request.json()) as { note: string; customer_note?: boolean };
        const note = { id: nextId++, note: body.note, customer_note: body.customer_note ?? false };
        fake.notes.set(id, [...(fake.notes.get(id) ?? []), note]);
        return HttpResponse.json(note, { status: 201 });
      }),
      http.get(`${siteUrl}/wp-json/wc/v3/orders/:id/refunds`, ({ request, params }) =>
        authorized(request) ? HttpResponse.json(fake.refunds.get(Number(params.id)) ?? []) : denied(),
      ),
      http.post(`${siteUrl}/wp-json/wc/v3/orders/:id/refunds`, async ({ request, params }) => {
        if (!authorized(request)) return denied();
        const id = Number(params.id);
        if (!fake.orders.some((o) => o.id === id)) return notFound();
        const body = (await request.json()) as { amount: string; reason: string };
        const refund = { id: nextId++, reason: body.reason, amount: body.amount };
        fake.refunds.set(id, [...(fake.refunds.get(id) ?? []), refund]);
        return HttpResponse.json(refund, { status: 201 });
      }),
      http.put(`${siteUrl}/wp-json/wc/v3/orders/:id`, async ({ request, params }) => {
        if (!authorized(request)) return denied();
        const order = fake.orders.find((o) => o.id === Number(params.id));
        if (!order) return notFound();
        const body = (await request.json()) as { status?: string };
        if (body.status) order.status = body.status;
        return HttpResponse.json(order);
      }),
      http.get(`${siteUrl}/wp-json/wc/v3/orders`, ({ request }) => {
        const url = new URL(request.url);
        const page = Number(url.searchParams.get('page') ?? '1');
        const perPage = Math.min(Number(url.searchParams.get('per_page') ?? '10'), 100);
        const modifiedAfter = url.searchParams.get('modified_after');
        const log = (status: number) => fake.requests.push({ page, modifiedAfter, status });
        // Over https the client sends Basic auth; over plain http it signs with OAuth 1.0a query parameters
        // (this fake checks the consumer key there, not the OAuth signature).
        const expected = `Basic ${Buffer.from(`${consumerKey}:${consumerSecret}`).toString('base64')}`;
        const authorized =
          request.headers.get('authorization') === expected ||
          url.searchParams.get('oauth_consumer_key') === consumerKey;
        if (!authorized || fake.deny) {
          log(401);
          return HttpResponse.json(
            {
              code: 'woocommerce_rest_cannot_view',
              message: 'Sorry, you cannot list resources.',
              data: { status: 401 },
            },
            { status: 401 },
          );
        }
        if (fake.throttleNext > 0) {
          fake.throttleNext--;
          log(429);
          return HttpResponse.json(
            { code: 'too_many_requests', message: 'Slow down' },
            { status: 429, headers: { 'retry-after': '1' } },
          );
        }
        const after = modifiedAfter
          ? Date.parse(modifiedAfter.endsWith('Z') ? modifiedAfter : `${modifiedAfter}Z`)
          : null;
        const matching = fake.orders
          .filter((o) => after === null || Date.parse(`${o.date_modified_gmt}Z`) > after)
          .sort((a, b) => a.date_modified_gmt.localeCompare(b.date_modified_gmt) || a.id - b.id);
        const totalPages = Math.max(1, Math.ceil(matching.length / perPage));
        log(200);
        return HttpResponse.json(matching.slice((page - 1) * perPage, page * perPage), {
          headers: { 'x-wp-total': String(matching.length), 'x-wp-totalpages': String(totalPages) },
        });
      }),
    ],
  };
  fake.handlers.push(...productHandlers(siteUrl, fake.stock, (r) => authorized(r) && !fake.deny, denied));
  return fake;
}
