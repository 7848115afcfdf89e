import { hmacSha256, safeEqual, type WebhookIntake } from '@switchyard/core';
import type { Secrets, Settings } from './settings.ts';
import { syncSubscriptions } from './subscriptions.ts';

/** What Shopify sends as X-Shopify-Hmac-Sha256: base64 HMAC-SHA256 of the raw body with the client secret. */
export function shopifySignature(secret: string, body: Uint8Array | string): string {
  return hmacSha256(secret, body, 'base64');
}

/**
 * Shopify's order (and inventory level) webhooks: signed with the app's client secret (the previous one too, for
 * a while after a rotation), from the connection's shop only, deduped on the delivery's id.
 */
export const shopifyWebhook: WebhookIntake<Settings, Secrets> = {
  auth: 'hmac',
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
    return syncSubscriptions({ settings: context.settings, secrets: context.secrets, signal }, url);
  },
  dedupeKey(request) {
    // Shopify keeps the same webhook id across the retries of one delivery, and gives each change its own: two
    // successive inventory_levels/update of one level (same item, location, even the same figure) stay apart.
    const id = request.headers['x-shopify-webhook-id']?.trim();
    return id ? `webhook:${id}` : undefined;
  },
};
