import { bodyText, defineConnector, hmacSha256, safeEqual, zodMessage } from '@switchyard/core';
import { z } from 'zod';
import { shopifyActions } from './actions.ts';
import { isBulkCursor, pullBulk } from './bulk.ts';
import { fromGraphql, GRAPHQL_SOURCE_HEADER, pulledNodes, pullOrders } from './graphql.ts';
import { parseExact } from './json.ts';
import { mapOrder, ShopifyOrder } from './order.ts';
import { syncSubscriptions } from './subscriptions.ts';

/** The Admin API version this connector speaks; pinned here and nowhere else. */
export const API_VERSION = '2026-07';

/** Topics whose body is a whole order. */
export const ORDER_TOPICS = [
  'orders/create',
  'orders/updated',
  'orders/cancelled',
  'orders/fulfilled',
  'orders/partially_fulfilled',
  'orders/paid',
] as const;
/** Topics the hub subscribes to whose body is not an order: stored, and their effect arrives with orders/updated. */
export const SIGNAL_TOPICS = ['refunds/create', 'fulfillments/create', 'fulfillments/update'] as const;

const Settings = z
  .object({
    /** The shop's permanent domain, e.g. acme.myshopify.com. */
    shop: z
      .string()
      .regex(
        /^[a-z0-9][a-z0-9-]*\.myshopify\.com$/,
        'must be the shop’s myshopify.com domain, e.g. acme.myshopify.com',
      ),
    /** When the client secret was rotated: the previous one is accepted for `rotationGraceMinutes` after. */
    rotatedAt: z.iso.datetime({ offset: true }).optional(),
    rotationGraceMinutes: z
      .number()
      .int()
      .min(0)
      .max(24 * 60)
      .default(60),
    /** Orders per GraphQL page when pulling; each costs query points against the shop's bucket. */
    pageSize: z.number().int().min(1).max(250).default(25),
    /** `switchyard backfill` through a bulk operation (one export, streamed) instead of paged queries. */
    bulkBackfill: z.boolean().default(true),
    /** Orders of a bulk export committed together, with the resume point after them. */
    bulkPageSize: z.number().int().min(1).max(5000).default(500),
    timeoutSeconds: z.number().int().min(1).max(300).default(30),
    /** Send API calls to this origin instead of https://<shop> (a proxy, or a local fake in tests). */
    apiOrigin: z.url().optional(),
  })
  .strict();

const Secrets = z.object({
  /** The app's client secret: Shopify signs webhooks with it. */
  clientSecret: z.string().min(8),
  /** The client secret before a rotation (see settings.rotatedAt). */
  previousClientSecret: z.string().min(8).optional(),
  /** Admin API access token with read_orders, for pulling. */
  accessToken: z.string().min(8).optional(),
});

/** What Shopify sends as X-Shopify-Hmac-Sha256: base64 HMAC-SHA256 of the raw body with the client secret. */
export function shopifySignature(secret: string, body: Uint8Array | string): string {
  return hmacSha256(secret, body, 'base64');
}

export const shopify = defineConnector({
  id: 'shopify',
  title: 'Shopify',
  capabilities: ['orders.webhook', 'orders.pull', 'fulfillment.push'],
  settings: Settings,
  secrets: Secrets,
  webhook: {
    contentTypes: ['application/json'],
    // Shopify sends X-Shopify-Topic, -Hmac-Sha256, -Shop-Domain, -Webhook-Id, -Event-Id, -Triggered-At, -API-Version:
    // no credential of its own (the HMAC signs this body only, and is kept so the stored body can be re-verified).
    credentialHeaders: [],
    verify(request, { settings, secrets, now }) {
      const given = request.headers['x-shopify-hmac-sha256'];
      if (!given) return { ok: false, reason: 'missing X-Shopify-Hmac-Sha256 header' };
      const shop = request.headers['x-shopify-shop-domain'];
      const valid = [secrets.clientSecret];
      if (secrets.previousClientSecret) {
        const until = settings.rotatedAt
          ? Date.parse(settings.rotatedAt) + settings.rotationGraceMinutes * 60_000
          : 0;
        if (now().getTime() <= until) valid.push(secrets.previousClientSecret);
      }
      const matched = valid
        .map((s) => safeEqual(shopifySignature(s, request.body), given.trim()))
        .includes(true);
      if (!matched)
        return {
          ok: false,
          reason: 'X-Shopify-Hmac-Sha256 does not match the body signed with the client secret',
        };
      if (shop && shop.toLowerCase() !== settings.shop) {
        return {
          ok: false,
          status: 404,
          reason: `this connection is for ${settings.shop}, the webhook comes from ${shop}`,
        };
      }
      return { ok: true };
    },
    subscribe(context, { url, signal }) {
      return syncSubscriptions(
        { settings: context.settings, secrets: context.secrets, signal },
        API_VERSION,
        url,
      );
    },
    dedupeKey(request) {
      // Shopify keeps the same webhook id across the retries of one delivery.
      const id = request.headers['x-shopify-webhook-id']?.trim();
      return id ? `webhook:${id}` : undefined;
    },
  },
  actions: shopifyActions(API_VERSION),
  pull(context, request) {
    const settings = { ...context.settings, apiVersion: API_VERSION };
    if (isBulkCursor(request.cursor) || (request.backfill && settings.bulkBackfill)) {
      return pullBulk(settings, context.secrets.accessToken, request);
    }
    return pullOrders(settings, context.secrets.accessToken, request);
  },
  normalize(payload) {
    if (payload.headers[GRAPHQL_SOURCE_HEADER] === 'graphql') {
      // A pulled GraphQL Order node: the same mapping, after adapting the shape.
      const node = (pulledNodes.get(payload.body) ?? parseExact(bodyText(payload.body))) as {
        lineItems?: { pageInfo?: { hasNextPage?: boolean } };
        name?: string;
        id?: string;
      };
      if (node.lineItems?.pageInfo?.hasNextPage) {
        throw new Error(
          `order ${node.name ?? node.id} has more than 50 lines, more than a pulled page holds; its orders/create or orders/updated webhook carries every line: replay that delivery, or edit the order in Shopify so that one is sent`,
        );
      }
      const parsed = ShopifyOrder.safeParse(fromGraphql(node as Record<string, unknown>));
      if (!parsed.success) {
        throw new Error(`pulled node is not a Shopify order: ${zodMessage(parsed.error)}`);
      }
      return { orders: [mapOrder(parsed.data)] };
    }
    const topic = payload.headers['x-shopify-topic'];
    if (topic && (SIGNAL_TOPICS as readonly string[]).includes(topic)) {
      return { orders: [], ignored: `${topic} is stored; the order's new state arrives with orders/updated` };
    }
    if (topic && !(ORDER_TOPICS as readonly string[]).includes(topic)) {
      return { orders: [], ignored: `topic ${topic} is not imported` };
    }
    let json: unknown;
    try {
      json = parseExact(bodyText(payload.body));
    } catch (error) {
      throw new Error(`body is not valid JSON (${(error as Error).message})`);
    }
    // A webhook body is the order; a REST Admin response wraps it as {"order": …} or {"orders": […]}.
    const body = json as { order?: unknown; orders?: unknown };
    const list = Array.isArray(body?.orders) ? body.orders : [body?.order ?? json];
    return {
      orders: list.map((item, i) => {
        const parsed = ShopifyOrder.safeParse(item);
        if (!parsed.success) {
          const where = list.length > 1 ? `orders[${i}].` : '';
          throw new Error(`body is not a Shopify order: ${zodMessage(parsed.error, where)}`);
        }
        return mapOrder(parsed.data);
      }),
    };
  },
});

export default shopify;
