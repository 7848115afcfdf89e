import { createHash } from 'node:crypto';
import { bodyText, hmacSha256, safeEqual, type WebhookIntake } from '@switchyard/core';
import type { Secrets, Settings } from './settings.ts';

/** What WooCommerce sends as X-WC-Webhook-Signature: base64 HMAC-SHA256 of the raw body with the webhook secret. */
export function wooSignature(secret: string, body: Uint8Array | string): string {
  return hmacSha256(secret, body, 'base64');
}

/**
 * Order id and modification time, plus a digest of the body: Woo's times have one-second
 * precision, and two states saved within a second must not share a key. The pull keys its
 * records with it too, so an order state a webhook already brought is a duplicate.
 */
export function orderKey(order: { id: number; date_modified_gmt?: unknown }, body: Uint8Array): string {
  return `order:${order.id}@${String(order.date_modified_gmt)}#${createHash('sha256').update(body).digest('hex').slice(0, 16)}`;
}

/**
 * A product's (or variation's) state, keyed as orderKey keys an order's, under its own prefix: with HPOS orders
 * are numbered apart from products, and an order and a product sharing an id must not share a key.
 */
export function productKey(product: { id: number; date_modified_gmt?: unknown }, body: Uint8Array): string {
  return `product:${product.id}@${String(product.date_modified_gmt)}#${createHash('sha256').update(body).digest('hex').slice(0, 16)}`;
}

const origin = (url: string) => {
  try {
    return new URL(url).origin.toLowerCase();
  } catch {
    return url.toLowerCase().replace(/\/+$/, '');
  }
};

export const webhook: WebhookIntake<Settings, Secrets> = {
  auth: 'hmac',
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
    // The delivery id changes on every attempt: the resource's id, its modification time and the body identify
    // the state (an order's, or a product's for the stock sync: two stock changes differ in their body).
    try {
      const body = JSON.parse(bodyText(request.body)) as { id?: unknown; date_modified_gmt?: unknown };
      if (typeof body.id === 'number' && typeof body.date_modified_gmt === 'string') {
        const state = { id: body.id, date_modified_gmt: body.date_modified_gmt };
        return request.headers['x-wc-webhook-topic']?.startsWith('product.')
          ? productKey(state, request.body)
          : orderKey(state, request.body);
      }
    } catch {
      // not JSON: the hub keys it by the body's hash
    }
    return undefined;
  },
};
