import { http } from 'msw';
import type { WalmartOrder } from '../../src/walmart-order.ts';
import type { FakeOperation } from './buckets.ts';
import { type Gateway, walmartErrorBody } from './gateway.ts';
import { asListed } from './orders.ts';
import type { FakeWalmart } from './walmart.ts';

const DAY = 86_400_000;

/**
 * `GET /v3/orders/released` and `GET /v3/orders` as Walmart pages them: `limit` at most 200, `list.meta.nextCursor`
 * the query string of the next page (the filters and where it stands), no paging beyond 20,000 orders, and
 * `createdStartDate` defaulting to seven days ago. An empty `/v3/orders` answers 404, as production does.
 */
export function listingRoutes(fake: FakeWalmart, { answer, route }: Gateway) {
  function list(
    operation: FakeOperation,
    request: Request,
    headers: Record<string, string>,
    all: WalmartOrder[],
    filters: string,
  ) {
    const q = new URL(request.url).searchParams;
    const limit = Number(q.get('limit') ?? 100);
    const refuse = (description: string, field: string) =>
      answer(
        operation,
        request,
        walmartErrorBody('INVALID_REQUEST_PARAM.GMP_ORDER_API', description, field, 'REQUEST'),
        400,
        headers,
      );
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > 200) {
      return refuse('limit must be between 1 and 200', 'limit');
    }
    const sorted = all.sort(
      (a, b) => a.orderDate - b.orderDate || a.purchaseOrderId.localeCompare(b.purchaseOrderId),
    );
    const offset = Number(q.get('poIndex') ?? 0);
    if (sorted.length > 20_000 && offset + limit > 20_000) {
      return refuse('Attempting to download more than 20000 orders', 'limit');
    }
    if (!sorted.length && operation === 'orders') {
      const body = walmartErrorBody('CONTENT_NOT_FOUND.GMP_ORDER_API', 'No orders found', 'orders');
      return answer(operation, request, body, 404, headers);
    }
    const page = sorted.slice(offset, offset + limit).map((o) => asListed(o, q));
    const nextCursor =
      offset + limit < sorted.length
        ? `?limit=${limit}&hasMoreElements=true&soIndex=${sorted.length}&poIndex=${offset + limit}&partnerId=100009&sellerId=8&${filters}`
        : null;
    const meta = { totalCount: sorted.length, limit, nextCursor };
    return answer(operation, request, { list: { meta, elements: { order: page } } }, 200, headers);
  }

  const at = (q: URLSearchParams, name: string, fallback: number) =>
    q.get(name) ? Date.parse(q.get(name)!) : fallback;
  const keep = (q: URLSearchParams, names: string[]) =>
    names
      .filter((k) => q.get(k))
      .map((k) => `${k}=${encodeURIComponent(q.get(k)!)}`)
      .join('&');

  return [
    http.get(
      `${fake.origin}/v3/orders/released`,
      route('released-orders', (request, headers) => {
        const q = new URL(request.url).searchParams;
        const from = at(q, 'createdStartDate', fake.now() - 7 * DAY);
        const created = (o: WalmartOrder) =>
          o.orderLines.orderLine.some((l) =>
            l.orderLineStatuses.orderLineStatus.some((s) => s.status === 'Created'),
          );
        const listed = [...fake.orders.values()]
          .map((e) => e.order)
          .filter((o) => o.orderDate >= from && created(o));
        return list(
          'released-orders',
          request,
          headers,
          listed,
          `${keep(q, ['createdStartDate'])}&status=Created`,
        );
      }),
    ),
    http.get(
      `${fake.origin}/v3/orders`,
      route('orders', (request, headers) => {
        const q = new URL(request.url).searchParams;
        const created = at(q, 'createdStartDate', fake.now() - 7 * DAY);
        const from = at(q, 'lastModifiedStartDate', 0);
        const to = at(q, 'lastModifiedEndDate', Number.POSITIVE_INFINITY);
        const listed = [...fake.orders.values()]
          .filter((e) => e.order.orderDate >= created && e.modifiedAt >= from && e.modifiedAt <= to)
          .map((e) => e.order);
        const filters = keep(q, ['createdStartDate', 'lastModifiedStartDate', 'lastModifiedEndDate']);
        return list('orders', request, headers, listed, filters);
      }),
    ),
  ];
}
