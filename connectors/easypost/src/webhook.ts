import { hmacSha256, jsonObject, safeEqual, type WebhookIntake } from '@switchyard/core';
import type { EasyPostSecrets, EasyPostSettings } from './settings.ts';

/**
 * What EasyPost sends as X-Hmac-Signature: `hmac-sha256-hex=` and the hex HMAC-SHA256 of the raw body, keyed
 * with the webhook secret in Unicode NFKD form.
 */
export function easypostSignature(secret: string, body: Uint8Array | string): string {
  return `hmac-sha256-hex=${hmacSha256(secret.normalize('NFKD'), body, 'hex')}`;
}

/** EasyPost's deliveries: X-Hmac-Signature over the raw bytes, compared in constant time; deduped on the event id. */
export const easypostWebhook: WebhookIntake<EasyPostSettings, EasyPostSecrets> = {
  auth: 'hmac',
  contentTypes: ['application/json'],
  // EasyPost sends X-Hmac-Signature (an HMAC of this body): no credential of its own. Its other mode, basic auth
  // in the webhook URL, arrives as Authorization, on the hub's common list.
  credentialHeaders: [],
  verify(request, { secrets }) {
    const given = request.headers['x-hmac-signature'];
    if (!given) return { ok: false, reason: 'missing X-Hmac-Signature header' };
    // On the raw bytes: re-serialized JSON would differ (EasyPost writes 136.0, JSON.stringify 136).
    return safeEqual(easypostSignature(secrets.webhookSecret, request.body), given.trim())
      ? { ok: true }
      : { ok: false, reason: 'X-Hmac-Signature does not match the body signed with the webhook secret' };
  },
  dedupeKey(request) {
    // EasyPost delivers at least once, retrying for about a day under the same event id.
    const event = jsonObject(request.body);
    return typeof event?.id === 'string' && event.id ? `event:${event.id}` : undefined;
  },
};
