import { createHash } from 'node:crypto';
import {
  hmacSha256,
  type NormalizeResult,
  type StoredPayload,
  safeEqual,
  type WebhookIntake,
} from '@switchyard/core';
import type { Secrets, Settings } from './settings.ts';
import { deliveryOf, eventKey, eventsOf } from './webhook-body.ts';

/** What Xero sends as `x-xero-signature`: the base64 HMAC-SHA256 of the raw body under the webhook key. */
export function xeroSignature(webhookKey: string, body: Uint8Array | string): string {
  return hmacSha256(webhookKey, body, 'base64');
}

/**
 * Xero's webhook deliveries. Each is signed with the app's webhook key over the raw bytes; a delivery that does
 * not match is answered 401, a genuine one 200: that is also how Xero's "intent to receive" check works (it
 * sends events: [] signed rightly and wrongly, and expects 200 and 401), so nothing special is needed for it.
 * The events are thin (an id and a category): the books watcher reads the invoices they name (books.ts).
 */
export const webhook: WebhookIntake<Settings, Secrets> = {
  auth: 'hmac',
  contentTypes: ['application/json'],
  // x-xero-signature signs this body only: not a credential.
  credentialHeaders: [],
  // Xero's intent-to-receive check wants a bare 200, and a bare 401 for a bad signature.
  emptyAnswer: true,
  verify(request, { secrets }) {
    const given = request.headers['x-xero-signature'];
    if (!given) return { ok: false, reason: 'missing x-xero-signature header' };
    // Never a 404: Xero's intent-to-receive check expects 401 for a signature that does not match.
    return safeEqual(xeroSignature(secrets.webhookKey, request.body), given.trim())
      ? { ok: true }
      : { ok: false, reason: 'x-xero-signature does not match the body signed with the webhook key' };
  },
  dedupeKey(request) {
    // Xero retries a delivery with the same events: stored once under a hash of their keys. An empty delivery
    // (the intent-to-receive check) has none; the hub then keys it by the body's hash.
    const keys = eventsOf(request).map(eventKey).sort();
    if (keys.length === 0) return undefined;
    return `events:${createHash('sha256').update(keys.join('\n')).digest('hex')}`;
  },
};

/**
 * Xero's deliveries carry no orders: the books watcher reads them (books.ts). A body that is not a Xero
 * delivery cannot be read by it either, and is said so.
 */
export function normalize(payload: StoredPayload): NormalizeResult {
  if (!deliveryOf(payload.body)) {
    throw new Error(
      'not a Xero webhook delivery: the body must be JSON with an "events" array ({ events, firstEventSequence, lastEventSequence, entropy })',
    );
  }
  return { orders: [], ignored: 'accounting events are read by the books watcher' };
}
