import { createHash } from 'node:crypto';
import { hmacSha256, safeEqual, type WebhookIntake } from '@switchyard/core';
import { booksChanges } from './cloud-events.ts';
import type { Secrets, Settings } from './settings.ts';

/**
 * QuickBooks' webhook deliveries: `intuit-signature` is the base64 HMAC-SHA256 of the raw body under the app's
 * verifier token, the same for the CloudEvents body and the legacy one. Intuit wants 200 within 3 s and holds
 * back later events while one is unacknowledged, so the hub stores the delivery and answers at once; the books
 * watcher reads its changes (`books.changes`) afterwards. Its dedupe key is a hash of the sorted event ids it
 * carries: Intuit's retry of a delivery is the same events, whatever the order or spacing of the JSON.
 */
export const quickbooksWebhook: WebhookIntake<Settings, Secrets> = {
  auth: 'hmac',
  // Intuit posts JSON; a CloudEvents batch may also be labelled as one.
  contentTypes: ['application/json', 'application/cloudevents-batch+json'],
  // intuit-signature signs this body only: not a credential, kept with it.
  credentialHeaders: [],
  verify(request, { secrets }) {
    const signature = request.headers['intuit-signature'];
    if (!signature) return { ok: false, reason: 'missing intuit-signature header' };
    const expected = hmacSha256(secrets.webhookVerifierToken, request.body, 'base64');
    return safeEqual(signature.trim(), expected)
      ? { ok: true }
      : {
          ok: false,
          reason:
            'intuit-signature does not match the body signed with the webhook verifier token: check secrets.webhookVerifierToken (developer.intuit.com › your app › Webhooks)',
        };
  },
  dedupeKey(request) {
    const ids = booksChanges(request).map((c) => c.eventId);
    if (!ids.length) return undefined;
    const digest = createHash('sha256')
      .update([...new Set(ids)].sort().join('\n'))
      .digest('base64url');
    return `qbo-events:${digest}`;
  },
};
