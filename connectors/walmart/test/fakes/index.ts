import { HttpResponse, http } from 'msw';

/** A Walmart order as the fake serves it, in the vendor's shape. */
export interface FakeOrder {
  id: string;
  number: string;
  status: 'pending' | 'paid' | 'shipped' | 'cancelled';
  currency: string;
  created_at: string;
  updated_at: string;
  customer: { id: string; email: string; name: string };
  shipping_address: Record<string, string>;
  lines: { id: string; sku: string; title: string; quantity: number; unit_price: string; tax: string }[];
  shipping: { method: string; price: string; tax: string };
  total: string;
}

/** One order: two mugs at 10.00 with 8% tax, 5.00 standard shipping. */
export function sampleOrder(id: string, updatedAt: string): FakeOrder {
  return {
    id,
    number: `A-${id}`,
    status: 'paid',
    currency: 'USD',
    created_at: '2026-11-30T10:00:00Z',
    updated_at: updatedAt,
    customer: { id: 'cus_1', email: 'ada@example.com', name: 'Ada Lovelace' },
    shipping_address: {
      name: 'Ada Lovelace',
      line1: '12 Analytical Way',
      city: 'Portland',
      region: 'OR',
      postal_code: '97201',
      country: 'us',
    },
    lines: [{ id: `${id}-1`, sku: 'MUG-1', title: 'Mug', quantity: 2, unit_price: '10.00', tax: '1.60' }],
    shipping: { method: 'standard', price: '5.00', tax: '0.40' },
    total: '27.00',
  };
}

/**
 * The vendor's API as msw handlers: the order listing by modification time (pages, total, updated_after), and
 * fulfillments that honour Idempotency-Key. Set `throttleNext` to answer 429 first, `deny` to refuse the token.
 */
export function fakeWalmart(apiUrl: string, token: string) {
  const base = apiUrl.replace(/\/+$/, '');
  const fake = {
    orders: [] as FakeOrder[],
    fulfillments: new Map<string, { id: string; order: string; body: unknown }>(),
    /** Fulfillment requests received, retries included. */
    fulfillmentCalls: 0,
    throttleNext: 0,
    deny: false,
    handlers: [] as ReturnType<typeof http.get>[],
  };
  const refused = (request: Request) => {
    if (fake.deny || request.headers.get('authorization') !== `Bearer ${token}`) {
      return HttpResponse.json(
        { error: { code: 'unauthorized', message: 'Invalid API token' } },
        { status: 401 },
      );
    }
    if (fake.throttleNext > 0) {
      fake.throttleNext--;
      return HttpResponse.json(
        { error: { code: 'rate_limited', message: 'Slow down' } },
        { status: 429, headers: { 'retry-after': '0' } },
      );
    }
    return undefined;
  };
  fake.handlers = [
    http.get(`${base}/orders`, ({ request }) => {
      const refusal = refused(request);
      if (refusal) return refusal;
      const url = new URL(request.url);
      const perPage = Number(url.searchParams.get('per_page') ?? 100);
      const page = Number(url.searchParams.get('page') ?? 1);
      const after = url.searchParams.get('updated_after');
      const listed = fake.orders
        .filter((o) => !after || Date.parse(o.updated_at) > Date.parse(after))
        .sort((a, b) => Date.parse(a.updated_at) - Date.parse(b.updated_at) || a.id.localeCompare(b.id));
      return HttpResponse.json({
        orders: listed.slice((page - 1) * perPage, page * perPage),
        total: listed.length,
      });
    }),
    http.post(`${base}/orders/:id/fulfillments`, async ({ request, params }) => {
      const refusal = refused(request);
      if (refusal) return refusal;
      fake.fulfillmentCalls++;
      const key = request.headers.get('idempotency-key');
      if (!key) {
        return HttpResponse.json(
          { error: { code: 'missing_key', message: 'Idempotency-Key required' } },
          { status: 400 },
        );
      }
      const existing = fake.fulfillments.get(key);
      if (existing) return HttpResponse.json({ id: existing.id }, { status: 201 });
      const made = {
        id: `ful_${fake.fulfillments.size + 1}`,
        order: String(params.id),
        body: await request.json(),
      };
      fake.fulfillments.set(key, made);
      return HttpResponse.json({ id: made.id }, { status: 201 });
    }),
  ];
  return fake;
}
