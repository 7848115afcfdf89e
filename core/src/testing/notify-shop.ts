import { createHash, createPublicKey, verify as verifySignature } from 'node:crypto';
import { z } from 'zod';
import {
  type AnyConnector,
  bodyText,
  checkToken,
  defineConnector,
  type InboundRequest,
  jsonObject,
  type PulledRecord,
  type VerifyResult,
  type WebhookIntake,
} from '../connector/index.ts';
import { createVendorClient } from '../http/index.ts';
import { computeTotals, type OrderDraftInput } from '../order.ts';

/**
 * Notify Shop: a made-up platform that sends thin notifications ({ notificationId, topic, resource }) the way
 * eBay, QuickBooks and Amazon do, so that the contract kit's own tests prove the thin-webhook path without a real
 * vendor. Its notifications prove their sender in one of three modes (a connector is one of them):
 * `public-key` (ECDSA in `x-notify-signature`, eBay-style: base64 JSON of kid, alg, signature), `token`
 * (`x-notify-token`) or `queue` (read from its queue API). Its API: GET /v1/orders/:id, GET /v1/orders (pages),
 * POST /v1/orders/:id/fulfillments (Idempotency-Key), GET /v1/public-keys/:kid, the queue under /v1/queue.
 */
export type NotifyShopAuth = 'public-key' | 'token' | 'queue';

/** An order as Notify Shop's API gives it: money in cents, ids as strings. */
export interface NotifyShopOrder {
  id: string;
  updated_at: string;
  currency: string;
  status?: 'open' | 'cancelled';
  lines: { sku: string; quantity: number; price_cents: number }[];
}

const settings = z.object({ apiUrl: z.url(), subscriptionId: z.string().default('sub-1') });
const secrets = z.object({ apiToken: z.string().min(8), notificationToken: z.string().min(8).optional() });
type Settings = z.output<typeof settings>;
type Secrets = z.output<typeof secrets>;

function client(s: Settings, k: Secrets) {
  return createVendorClient({
    vendor: 'Notify Shop',
    baseUrl: s.apiUrl,
    auth: () => ({ authorization: `Bearer ${k.apiToken}` }),
    retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 50 },
    problem: (answer) =>
      answer.status === 401
        ? { code: 'invalid_token', message: 'Notify Shop refused the API token', retryable: false }
        : undefined,
  });
}

/** The record of an order, as both a pull and a fetch after a notification give it: one key for one state. */
function orderRecord(order: NotifyShopOrder): PulledRecord {
  return {
    dedupeKey: `order:${order.id}@${order.updated_at}`,
    body: new Uint8Array(Buffer.from(JSON.stringify(order))),
    contentType: 'application/json',
  };
}

function notification(request: { body: Uint8Array }) {
  const body = jsonObject(request.body);
  const resource = body?.resource as { type?: unknown; id?: unknown } | undefined;
  return {
    id: typeof body?.notificationId === 'string' ? body.notificationId : undefined,
    subscriptionId: body?.subscriptionId,
    resource:
      typeof resource?.type === 'string' && typeof resource.id === 'string'
        ? { type: resource.type, id: resource.id }
        : undefined,
  };
}

function verifyPublicKey(request: InboundRequest, key: string | undefined): VerifyResult {
  const header = request.headers['x-notify-signature'];
  if (!header) return { ok: false, reason: 'no x-notify-signature header' };
  if (!key) return { ok: false, reason: 'no public key to check the signature with' };
  try {
    const { signature } = JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as { signature: string };
    const ok = verifySignature(
      'sha256',
      request.body,
      createPublicKey(key),
      Buffer.from(signature, 'base64'),
    );
    return ok ? { ok: true } : { ok: false, reason: 'the x-notify-signature does not match the body' };
  } catch {
    return { ok: false, reason: 'the x-notify-signature header is not base64 JSON with a signature' };
  }
}

function auth(
  mode: NotifyShopAuth,
): Partial<WebhookIntake<Settings, Secrets>> & Pick<WebhookIntake<Settings, Secrets>, 'verify'> {
  if (mode === 'token') {
    return {
      auth: 'token',
      credentialHeaders: ['x-notify-token'],
      verify: (request, c) => checkToken(request, 'x-notify-token', c.secrets.notificationToken ?? ''),
    };
  }
  if (mode === 'queue') {
    return {
      auth: 'queue',
      // A queued message proves nothing by itself: it must be for this connection's subscription.
      verify: (request, c) =>
        notification(request).subscriptionId === c.settings.subscriptionId
          ? { ok: true }
          : { ok: false, reason: `not for subscription ${c.settings.subscriptionId}`, status: 404 },
      queue: {
        async receive(c, signal) {
          const { messages } = await client(c.settings, c.secrets).json<{
            messages: { receipt: string; body: string }[];
          }>('GET', 'v1/queue/messages', { signal });
          return messages.map((m) => ({
            receipt: m.receipt,
            body: new Uint8Array(Buffer.from(m.body)),
            contentType: 'application/json',
          }));
        },
        async acknowledge(c, receipts, signal) {
          await client(c.settings, c.secrets).request('POST', 'v1/queue/ack', {
            json: { receipts },
            signal,
            idempotent: true,
          });
        },
      },
    };
  }
  return {
    auth: 'public-key',
    publicKey: {
      keyId(request) {
        const header = request.headers['x-notify-signature'];
        if (!header) return undefined;
        try {
          const { kid } = JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as { kid?: unknown };
          return typeof kid === 'string' ? kid : undefined;
        } catch {
          return undefined;
        }
      },
      async fetch(kid, c, signal) {
        const answer = await client(c.settings, c.secrets).json<{ key: string; algorithm: string }>(
          'GET',
          `v1/public-keys/${encodeURIComponent(kid)}`,
          { signal },
        );
        return { key: answer.key, algorithm: answer.algorithm };
      },
    },
    verify: (request, _c, keys) => verifyPublicKey(request, keys?.publicKey?.key),
    // eBay-style endpoint validation: the hash of the challenge, the connection's token and the endpoint's URL.
    challenge(query, c, endpointUrl) {
      const code = query.get('challenge_code');
      if (!code) return undefined;
      const digest = createHash('sha256').update(code + (c.secrets.notificationToken ?? '') + endpointUrl);
      return { challengeResponse: digest.digest('hex') };
    },
  };
}

/** A Notify Shop connector whose notifications authenticate in `mode`. */
export function notifyShop(mode: NotifyShopAuth = 'public-key'): AnyConnector {
  return defineConnector({
    id: mode === 'public-key' ? 'notify-shop' : `notify-shop-${mode}`,
    title: 'Notify Shop',
    capabilities: ['orders.webhook', 'orders.pull', 'fulfillment.push'],
    settings,
    secrets,
    webhook: {
      contentTypes: ['application/json'],
      ...auth(mode),
      dedupeKey: (request) => {
        const id = notification(request).id;
        return id ? `notification:${id}` : undefined;
      },
      hydrate: {
        resource: (payload) => {
          const resource = notification(payload).resource;
          return resource?.type === 'order' ? resource : undefined;
        },
        async fetch(c, resource, signal) {
          const order = await client(c.settings, c.secrets).json<NotifyShopOrder>(
            'GET',
            `v1/orders/${encodeURIComponent(resource.id)}`,
            { signal, notFound: 'undefined', what: `order ${resource.id}` },
          );
          return order && orderRecord(order);
        },
      },
    },
    async *pull(c, request) {
      let cursor = request.cursor ?? null;
      do {
        const page = await client(c.settings, c.secrets).json<{
          orders: NotifyShopOrder[];
          next_cursor: string | null;
        }>('GET', 'v1/orders', { query: { cursor, limit: 2 }, signal: request.signal, what: 'orders page' });
        cursor = page.next_cursor;
        yield { records: page.orders.map(orderRecord), cursor };
      } while (cursor);
    },
    actions: {
      async pushFulfillment(c, { order, fulfillment }) {
        const answer = await client(c.settings, c.secrets).json<{ id: string }>(
          'POST',
          `v1/orders/${encodeURIComponent(order.externalId)}/fulfillments`,
          {
            json: { tracking_numbers: fulfillment.trackingNumbers },
            headers: { 'idempotency-key': c.idempotencyKey },
            idempotent: true,
            signal: c.signal,
          },
        );
        return { externalId: answer.id };
      },
    },
    normalize(payload) {
      const order = JSON.parse(bodyText(payload.body)) as NotifyShopOrder;
      if (!order.id || !Array.isArray(order.lines)) {
        throw new Error('a Notify Shop order needs an id and lines: this payload has neither');
      }
      const draft: Omit<OrderDraftInput, 'totals'> = {
        externalId: order.id,
        currency: order.currency,
        placedAt: order.updated_at,
        updatedAt: order.updated_at,
        ...(order.status === 'cancelled' ? { status: 'cancelled' as const } : {}),
        lines: order.lines.map((line, i) => ({
          id: String(i + 1),
          sku: line.sku,
          title: line.sku,
          quantity: { ordered: line.quantity },
          unitPrice: { amount: line.price_cents, currency: order.currency },
        })),
      };
      return { orders: [{ ...draft, totals: computeTotals(draft) }] };
    },
  }) as unknown as AnyConnector;
}
