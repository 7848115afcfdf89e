import { bodyText, defineConnector, hmacSha256, safeEqual, zodMessage } from '@switchyard/core';
import { z } from 'zod';
import { actions } from './actions.ts';
import { orderKey, pullOrders } from './api.ts';
import { mapOrder, WooOrder } from './order.ts';

const Settings = z
  .object({
    /** The shop's address, e.g. https://shop.example.com: deliveries from another site are refused (404). */
    siteUrl: z.url({ message: 'must be the shop’s URL, e.g. https://shop.example.com' }),
    /** Orders per page when pulling (WooCommerce allows at most 100). */
    pageSize: z.number().int().min(1).max(100).default(100),
    /** This connection's request budget toward the shop. */
    requestsPerSecond: z.number().positive().max(50).default(5),
    timeoutSeconds: z.number().int().min(1).max(300).default(30),
  })
  .strict();

const Secrets = z.object({
  /** The secret set on the webhook in WooCommerce › Settings › Advanced › Webhooks. */
  webhookSecret: z.string().min(1),
  /** REST API key pair with read access, for the poll that fills WooCommerce's gaps (it never retries a webhook). */
  consumerKey: z.string().min(1).optional(),
  consumerSecret: z.string().min(1).optional(),
});

/** What WooCommerce sends as X-WC-Webhook-Signature: base64 HMAC-SHA256 of the raw body with the webhook secret. */
export function wooSignature(secret: string, body: Uint8Array | string): string {
  return hmacSha256(secret, body, 'base64');
}

const origin = (url: string) => {
  try {
    return new URL(url).origin.toLowerCase();
  } catch {
    return url.toLowerCase().replace(/\/+$/, '');
  }
};

export const woocommerce = defineConnector({
  id: 'woocommerce',
  title: 'WooCommerce',
  capabilities: ['orders.webhook', 'orders.pull', 'fulfillment.push'],
  settings: Settings,
  secrets: Secrets,
  webhook: {
    contentTypes: ['application/json', 'application/x-www-form-urlencoded'],
    // WooCommerce sends X-WC-Webhook-Source, -Topic, -Resource, -Event, -Signature, -ID, -Delivery-ID: no credential
    // of its own (the signature is an HMAC of this body). Basic auth in the delivery URL arrives as Authorization.
    credentialHeaders: [],
    handshake(request) {
      // On creation WooCommerce POSTs an unsigned `webhook_id=N`; it disables the webhook unless it gets a 200.
      if (
        request.contentType !== 'application/x-www-form-urlencoded' ||
        request.headers['x-wc-webhook-signature']
      ) {
        return undefined;
      }
      const match = /^webhook_id=(\d+)$/.exec(bodyText(request.body).trim());
      return match ? { status: 'ping received', webhookId: match[1] } : undefined;
    },
    verify(request, { settings, secrets }) {
      const given = request.headers['x-wc-webhook-signature'];
      if (!given) return { ok: false, reason: 'missing X-WC-Webhook-Signature header' };
      if (!safeEqual(wooSignature(secrets.webhookSecret, request.body), given.trim())) {
        return {
          ok: false,
          reason: 'X-WC-Webhook-Signature does not match the body signed with the webhook secret',
        };
      }
      const source = request.headers['x-wc-webhook-source'];
      if (source && origin(source) !== origin(settings.siteUrl)) {
        return {
          ok: false,
          status: 404,
          reason: `this connection is for ${settings.siteUrl}, the webhook comes from ${source}`,
        };
      }
      return { ok: true };
    },
    dedupeKey(request) {
      // The delivery id changes on every attempt: the order id, its modification time and the body identify the state.
      try {
        const body = JSON.parse(bodyText(request.body)) as { id?: unknown; date_modified_gmt?: unknown };
        if (typeof body.id === 'number' && typeof body.date_modified_gmt === 'string') {
          return orderKey({ id: body.id, date_modified_gmt: body.date_modified_gmt }, request.body);
        }
      } catch {
        // not JSON: the hub keys it by the body's hash
      }
      return undefined;
    },
  },
  actions,
  pull(context, request) {
    return pullOrders(context.connectionId, context.settings, context.secrets, request);
  },
  normalize(payload) {
    const topic = payload.headers['x-wc-webhook-topic'];
    if (topic && !topic.startsWith('order.'))
      return { orders: [], ignored: `topic ${topic} is not imported` };
    let json: unknown;
    try {
      json = JSON.parse(bodyText(payload.body));
    } catch (error) {
      throw new Error(`body is not valid JSON (${(error as Error).message})`);
    }
    const list = Array.isArray(json) ? json : [json];
    // order.deleted after a permanent delete carries only the id: nothing to import, the record stays.
    if (topic === 'order.deleted' && list.length === 1 && Object.keys(list[0] ?? {}).length === 1) {
      return {
        orders: [],
        ignored: `order ${(list[0] as { id?: unknown }).id} was deleted in WooCommerce; the hub keeps its record`,
      };
    }
    return {
      orders: list.map((item, i) => {
        const parsed = WooOrder.safeParse(item);
        if (!parsed.success) {
          const where = Array.isArray(json) ? `[${i}].` : '';
          throw new Error(`body is not a WooCommerce order: ${zodMessage(parsed.error, where)}`);
        }
        return mapOrder(parsed.data);
      }),
    };
  },
});

export default woocommerce;
