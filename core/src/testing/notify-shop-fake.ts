import { createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';
import { HttpResponse, http } from 'msw';
import type { NotifyShopOrder } from './notify-shop.ts';

/**
 * Notify Shop's API at the network (msw), in the shape its connector reads: orders by id and in pages, public
 * keys by id, fulfillments deduplicated by Idempotency-Key, a notification queue. It counts what the kit checks:
 * order fetches, key fetches and fulfillments created.
 */
export function fakeNotifyShop(apiUrl: string, apiToken: string) {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const state = {
    orders: new Map<string, NotifyShopOrder>(),
    /** GET /v1/orders/:id calls. */
    fetches: 0,
    keyFetches: 0,
    /** Answer this many order fetches with 503 (the vendor down). */
    failFetches: 0,
    fulfillments: new Map<string, string>(),
    /** Fulfillments actually created (a retried key creates none). */
    created: 0,
    /** Answer this many order pages with 429 (Retry-After: 0). */
    throttleNext: 0,
    /** Refuse the API token. */
    deny: false,
    queue: [] as { receipt: string; body: string }[],
    acknowledged: [] as string[],
  };
  const kid = 'key-2026-1';
  const base = apiUrl.replace(/\/$/, '');
  const authorized = (request: Request) =>
    !state.deny && request.headers.get('authorization') === `Bearer ${apiToken}`;
  const denied = () => HttpResponse.json({ error: 'invalid_token' }, { status: 401 });

  const handlers = [
    http.get(`${base}/v1/public-keys/:kid`, ({ params, request }) => {
      if (!authorized(request)) return denied();
      state.keyFetches++;
      if (params.kid !== kid) return HttpResponse.json({ error: 'no such key' }, { status: 404 });
      return HttpResponse.json({
        key: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
        algorithm: 'ECDSA',
      });
    }),
    http.get(`${base}/v1/orders/:id`, ({ params, request }) => {
      if (!authorized(request)) return denied();
      state.fetches++;
      if (state.failFetches > 0) {
        state.failFetches--;
        return HttpResponse.json({ error: 'temporarily unavailable' }, { status: 503 });
      }
      const order = state.orders.get(String(params.id));
      return order ? HttpResponse.json(order) : HttpResponse.json({ error: 'not found' }, { status: 404 });
    }),
    http.get(`${base}/v1/orders`, ({ request }) => {
      if (!authorized(request)) return denied();
      if (state.throttleNext > 0) {
        state.throttleNext--;
        return HttpResponse.json({ error: 'rate limited' }, { status: 429, headers: { 'retry-after': '0' } });
      }
      const url = new URL(request.url);
      const from = Number(url.searchParams.get('cursor') ?? 0);
      const limit = Number(url.searchParams.get('limit') ?? 50);
      const all = [...state.orders.values()].sort((a, b) => a.updated_at.localeCompare(b.updated_at));
      const next = from + limit < all.length ? String(from + limit) : null;
      return HttpResponse.json({ orders: all.slice(from, from + limit), next_cursor: next });
    }),
    http.post(`${base}/v1/orders/:id/fulfillments`, ({ request }) => {
      if (!authorized(request)) return denied();
      const key = request.headers.get('idempotency-key') ?? '';
      let id = state.fulfillments.get(key);
      if (!id) {
        state.created++;
        id = `ful-${state.created}`;
        if (key) state.fulfillments.set(key, id);
      }
      return HttpResponse.json({ id }, { status: 201 });
    }),
    http.get(`${base}/v1/queue/messages`, ({ request }) => {
      if (!authorized(request)) return denied();
      return HttpResponse.json({ messages: state.queue.splice(0, 10) });
    }),
    http.post(`${base}/v1/queue/ack`, async ({ request }) => {
      if (!authorized(request)) return denied();
      state.acknowledged.push(...((await request.json()) as { receipts: string[] }).receipts);
      return new HttpResponse(null, { status: 204 });
    }),
  ];

  /** The signature header Notify Shop sends with a notification body, under its published key (or another). */
  function signatureHeaders(
    body: Uint8Array,
    by: 'published' | 'forged' = 'published',
  ): Record<string, string> {
    const key =
      by === 'published'
        ? privateKey
        : createPrivateKey(
            generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
              type: 'pkcs8',
              format: 'pem',
            }),
          );
    const signature = sign('sha256', body, key).toString('base64');
    const header = Buffer.from(JSON.stringify({ alg: 'ECDSA', kid, signature })).toString('base64');
    return { 'x-notify-signature': header };
  }

  return { state, handlers, signatureHeaders };
}

/** A Notify Shop order as its API holds it. */
export function notifyShopOrder(id: string, updatedAt: string, quantity = 2): NotifyShopOrder {
  return {
    id,
    updated_at: updatedAt,
    currency: 'EUR',
    lines: [{ sku: 'MUG-BLUE', quantity, price_cents: 1490 }],
  };
}

/** A notification in Notify Shop's shape, naming an order. */
export function notifyShopNotification(
  notificationId: string,
  orderId: string,
  subscriptionId = 'sub-1',
): string {
  return JSON.stringify({
    notificationId,
    subscriptionId,
    topic: 'order.updated',
    resource: { type: 'order', id: orderId },
  });
}
