import { z } from 'zod';
import { type AnyConnector, defineConnector, type InboundRequest } from '../connector/index.ts';
import { computeTotals, type OrderDraftInput } from '../order.ts';

/** A minimal order draft for store and intake tests. */
export function sampleDraft(
  externalId: string,
  overrides: Partial<Omit<OrderDraftInput, 'totals'>> = {},
): OrderDraftInput {
  const base: Omit<OrderDraftInput, 'totals'> = {
    externalId,
    currency: 'USD',
    placedAt: '2026-11-20T10:00:00Z',
    updatedAt: '2026-11-20T10:00:00Z',
    lines: [
      {
        id: '1',
        sku: 'SKU-1',
        title: 'Widget',
        quantity: { ordered: 2 },
        unitPrice: { amount: 1250, currency: 'USD' },
      },
    ],
    ...overrides,
  };
  return { ...base, totals: computeTotals(base) };
}

/**
 * A test connector whose payload is `{ "id", "updatedAt", "status"?, "sku"? }`. Its
 * mapping can be swapped at run time, to test replay after "fixing" a mapping.
 */
export function testConnector(
  options: { reject?: (body: Record<string, unknown>) => string | undefined } = {},
) {
  const state = { reject: options.reject };
  const connector = defineConnector({
    id: 'test-json',
    title: 'Test JSON',
    capabilities: ['orders.webhook'],
    settings: z.object({}),
    secrets: z.object({}),
    webhook: {
      contentTypes: ['application/json'],
      verify: () => ({ ok: true }),
      dedupeKey(request) {
        try {
          const body = JSON.parse(Buffer.from(request.body).toString()) as {
            id?: string;
            updatedAt?: string;
          };
          return body.id ? `${body.id}@${body.updatedAt}` : undefined;
        } catch {
          return undefined;
        }
      },
    },
    normalize(payload) {
      const body = JSON.parse(Buffer.from(payload.body).toString()) as Record<string, string>;
      const reason = state.reject?.(body);
      if (reason) throw new Error(reason);
      if (body.ignore) return { orders: [], ignored: 'test topic not imported' };
      return {
        orders: [
          sampleDraft(body.id!, {
            updatedAt: body.updatedAt ?? '2026-11-20T10:00:00Z',
            ...(body.status ? { status: body.status as never } : {}),
            ...(body.sku
              ? {
                  lines: [
                    {
                      id: '1',
                      sku: body.sku,
                      title: 'Widget',
                      quantity: { ordered: 2 },
                      unitPrice: { amount: 1250, currency: 'USD' },
                    },
                  ],
                }
              : {}),
          }),
        ],
      };
    },
  }) as unknown as AnyConnector;
  return { connector, state };
}

export function jsonRequest(body: unknown, headers: Record<string, string> = {}): InboundRequest {
  return {
    method: 'POST',
    path: '/webhooks/test',
    headers: { 'content-type': 'application/json', ...headers },
    body: new Uint8Array(Buffer.from(typeof body === 'string' ? body : JSON.stringify(body))),
    contentType: 'application/json',
    receivedAt: new Date(),
  };
}
