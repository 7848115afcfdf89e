import { bodyText, hmacSha256, safeEqual, type WebhookIntake } from '@switchyard/core';
import type { Secrets, Settings } from './settings.ts';

/** The signature header: hex HMAC-SHA256 of the raw body with the webhook secret. Check the vendor's docs. */
export const SIGNATURE_HEADER = 'x-walmart-signature';

export function signature(secret: string, body: Uint8Array | string): string {
  return hmacSha256(secret, body, 'hex');
}

/**
 * Order id and modification time: the same state of an order has the same key whether a webhook or the
 * pull brought it, so the second to arrive is a duplicate.
 */
export function orderKey(order: { id: string; updated_at: string }): string {
  return `order:${order.id}@${order.updated_at}`;
}

export const webhook: WebhookIntake<Settings, Secrets> = {
  auth: 'hmac',
  contentTypes: ['application/json'],
  // The signature signs this body only: it is kept. Declare here any header that carries a token or a key.
  credentialHeaders: [],
  verify(request, { secrets }) {
    const given = request.headers[SIGNATURE_HEADER];
    if (!given) return { ok: false, reason: `missing ${SIGNATURE_HEADER} header` };
    if (!safeEqual(signature(secrets.webhookSecret, request.body), given.trim().toLowerCase())) {
      return {
        ok: false,
        reason: `${SIGNATURE_HEADER} does not match the body signed with the webhook secret`,
      };
    }
    return { ok: true };
  },
  dedupeKey(request) {
    try {
      const order = JSON.parse(bodyText(request.body)) as { id?: unknown; updated_at?: unknown };
      if (typeof order.id === 'string' && typeof order.updated_at === 'string') {
        return orderKey({ id: order.id, updated_at: order.updated_at });
      }
    } catch {
      // not JSON: the hub keys it by the body's hash, and normalize says what is wrong
    }
    return undefined;
  },
};
