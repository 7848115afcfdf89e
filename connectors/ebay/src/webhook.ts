import { jsonObject, type WebhookIntake } from '@switchyard/core';
import { ebayApi } from './client.ts';
import { fetchOrder } from './pull.ts';
import type { Secrets, Settings } from './settings.ts';
import { challengeResponse, readSignatureHeader, SIGNATURE_HEADER, verifyNotification } from './signature.ts';

/** The Notification API topics that name an order; the hub fetches the order for each (a thin notification). */
const ORDER_TOPICS = new Set(['ORDER_CONFIRMATION']);

/** A notification's envelope: `{ metadata: { topic, … }, notification: { notificationId, data, … } }`. */
function envelope(body: Uint8Array) {
  const json = jsonObject(body);
  const metadata = json?.metadata as { topic?: unknown } | undefined;
  const notification = json?.notification as { notificationId?: unknown; data?: unknown } | undefined;
  const data = notification?.data as { orderId?: unknown } | undefined;
  return {
    topic: typeof metadata?.topic === 'string' ? metadata.topic : undefined,
    notificationId:
      typeof notification?.notificationId === 'string' ? notification.notificationId : undefined,
    orderId: typeof data?.orderId === 'string' && data.orderId ? data.orderId : undefined,
  };
}

/**
 * eBay's Notification API push: each notification signed with eBay's private key (X-EBAY-SIGNATURE, ECDSA over
 * SHA-1), carrying only a topic and an id. The hub fetches the key by its `kid` through `publicKey` (cached for
 * an hour, as eBay asks), verifies, stores the notification under its notificationId and answers; the order it
 * names is fetched after the answer (getOrder) and stored under the key a pull gives the same state.
 *
 * A notification whose signature does not check is answered 401 by the hub. eBay's own SDK answers 412; eBay
 * treats any answer but 2xx as a failed delivery and sends it again (and flags the destination after repeated
 * failures), so the status chosen changes nothing at eBay, while 401 is what every other connector of the hub
 * answers for a sender it cannot authenticate, and what operators' alerts watch.
 */
export const webhook: WebhookIntake<Settings, Secrets> = {
  auth: 'public-key',
  contentTypes: ['application/json'],
  // X-EBAY-SIGNATURE signs this body only; eBay sends no token or key with its notifications.
  credentialHeaders: [],
  publicKey: {
    keyId: (request) => readSignatureHeader(request.headers[SIGNATURE_HEADER])?.kid,
    async fetch(kid, context, signal) {
      const api = await ebayApi(context, 'notification', signal);
      const answer = await api.json<{ key?: string; algorithm?: string; digest?: string }>(
        'GET',
        `public_key/${encodeURIComponent(kid)}`,
        { what: `public key ${kid} (getPublicKey)`, signal },
      );
      if (!answer?.key) throw new Error(`eBay's getPublicKey answered no key for "${kid}"`);
      return {
        key: answer.key,
        ...(answer.algorithm ? { algorithm: answer.algorithm } : {}),
        ...(answer.digest ? { digest: answer.digest } : {}),
      };
    },
    // eBay: "cached for a temporary — but reasonable — amount of time (e.g., one-hour is recommended)".
    cacheMs: 3_600_000,
  },
  verify: (request, _context, keys) =>
    verifyNotification(request.body, request.headers[SIGNATURE_HEADER], keys?.publicKey),
  // The notification's own id: eBay sends a failed delivery again with the same id (publishAttemptCount + 1).
  dedupeKey: (request) => {
    const id = envelope(request.body).notificationId;
    return id ? `notification:${id}` : undefined;
  },
  challenge(query, { settings, secrets }, endpointUrl) {
    const code = query.get('challenge_code');
    if (!code || !secrets.verificationToken) return undefined;
    return {
      challengeResponse: challengeResponse(
        code,
        secrets.verificationToken,
        settings.notificationEndpoint ?? endpointUrl,
      ),
    };
  },
  hydrate: {
    // ORDER_CONFIRMATION comes once per line item: each is stored, and the fetches give one order record.
    resource(notification) {
      const { topic, orderId } = envelope(notification.body);
      return topic && ORDER_TOPICS.has(topic) && orderId ? { type: 'order', id: orderId } : undefined;
    },
    fetch: (context, resource, signal) => fetchOrder(context, resource.id, signal),
  },
};
