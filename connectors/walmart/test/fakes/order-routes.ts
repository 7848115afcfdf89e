import { http } from 'msw';
import type { FakeOperation } from './buckets.ts';
import { type Gateway, walmartErrorBody } from './gateway.ts';
import { asListed } from './orders.ts';
import type { FakeWalmart } from './walmart.ts';
import { applyCancellation, applyShipment, CANCELLATION_REASONS } from './writes.ts';

/** One purchase order: read it, acknowledge it, ship lines (each Shipped status a charge), cancel lines. */
export function orderRoutes(fake: FakeWalmart, { answer, route }: Gateway) {
  const base = `${fake.origin}/v3/orders/:po`;
  const found = (operation: FakeOperation, request: Request, po: string, headers: Record<string, string>) => {
    const entry = fake.orders.get(po);
    if (entry) return entry;
    const body = walmartErrorBody(
      'CONTENT_NOT_FOUND.GMP_ORDER_API',
      `No purchase order ${po}`,
      'purchaseOrderId',
    );
    return answer(operation, request, body, 404, headers);
  };
  const invalid = (
    operation: FakeOperation,
    request: Request,
    error: string,
    field: string,
    headers: Record<string, string>,
  ) =>
    answer(
      operation,
      request,
      walmartErrorBody('INVALID_REQUEST_CONTENT.GMP_ORDER_API', error, field),
      400,
      headers,
    );

  return [
    http.get(
      base,
      route('order', (request, headers, { po }) => {
        const entry = found('order', request, po!, headers);
        if (entry instanceof Response) return entry;
        const order = asListed(entry.order, new URL(request.url).searchParams);
        return answer('order', request, { order }, 200, headers);
      }),
    ),
    http.post(
      `${base}/acknowledge`,
      route('acknowledge', (request, headers, { po }) => {
        const entry = found('acknowledge', request, po!, headers);
        if (entry instanceof Response) return entry;
        let changed = false;
        for (const line of entry.order.orderLines.orderLine) {
          for (const s of line.orderLineStatuses.orderLineStatus.filter((x) => x.status === 'Created')) {
            s.status = 'Acknowledged';
            line.statusDate = fake.now();
            changed = true;
          }
        }
        if (!changed) {
          const error = `Purchase order ${po} has no line in Created status to acknowledge`;
          return invalid('acknowledge', request, error, 'purchaseOrderId', headers);
        }
        entry.modifiedAt = fake.now();
        fake.acknowledged.push(po!);
        return answer('acknowledge', request, { order: entry.order }, 200, headers);
      }),
    ),
    http.post(
      `${base}/shipping`,
      route('shipping', async (request, headers, { po }) => {
        const entry = found('shipping', request, po!, headers);
        if (entry instanceof Response) return entry;
        const result = applyShipment(entry.order, await request.json(), fake.now());
        if (result.ok === false) return invalid('shipping', request, result.error, result.field, headers);
        entry.modifiedAt = fake.now();
        fake.charges.push(...result.shipped.map((s) => ({ po: po!, ...s })));
        if (fake.loseNextShippingAnswer) {
          // Walmart took the update, but the answer never arrives.
          fake.loseNextShippingAnswer = false;
          return Response.error();
        }
        return answer('shipping', request, { order: entry.order }, 200, headers);
      }),
    ),
    http.post(
      `${base}/cancel`,
      route('cancel', async (request, headers, { po }) => {
        const entry = found('cancel', request, po!, headers);
        if (entry instanceof Response) return entry;
        type Body = {
          orderCancellation?: {
            orderLines?: {
              orderLine?: {
                lineNumber: string;
                orderLineStatuses?: {
                  orderLineStatus?: {
                    status?: string;
                    cancellationReason?: string;
                    statusQuantity?: { amount?: string };
                  }[];
                };
              }[];
            };
          };
        };
        const lines = ((await request.json()) as Body).orderCancellation?.orderLines?.orderLine ?? [];
        const wanted = lines.map((l) => ({
          lineNumber: l.lineNumber,
          status: l.orderLineStatuses?.orderLineStatus?.[0]?.status,
          reason: l.orderLineStatuses?.orderLineStatus?.[0]?.cancellationReason ?? '',
          amount: l.orderLineStatuses?.orderLineStatus?.[0]?.statusQuantity?.amount,
        }));
        const bad = wanted.find((w) => w.status !== 'Cancelled' || !CANCELLATION_REASONS.includes(w.reason));
        if (!wanted.length || bad) {
          return invalid(
            'cancel',
            request,
            'status Cancelled and a valid cancellationReason required',
            'cancellationReason',
            headers,
          );
        }
        const result = applyCancellation(entry.order, wanted, fake.now());
        if (result.ok === false) return invalid('cancel', request, result.error, 'lineNumber', headers);
        entry.modifiedAt = fake.now();
        fake.cancellations.push(...result.cancelled.map((c) => ({ po: po!, ...c })));
        return answer('cancel', request, { order: entry.order }, 200, headers);
      }),
    ),
  ];
}
