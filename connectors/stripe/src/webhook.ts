import { jsonObject, type WebhookIntake } from '@switchyard/core';
import Stripe from 'stripe';
import type { StripeSecrets, StripeSettings } from './settings.ts';

/** How old a signed delivery may be (Stripe's own default): older ones are refused as replays. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/** Stripe's deliveries: `Stripe-Signature` checked on the raw bytes by Stripe's library, deduped on the event id. */
export const stripeWebhook: WebhookIntake<StripeSettings, StripeSecrets> = {
  auth: 'hmac',
  contentTypes: ['application/json'],
  // Stripe sends Stripe-Signature (t= and HMACs of t.body): no credential of its own.
  credentialHeaders: [],
  verify(request, { secrets, now }) {
    const header = request.headers['stripe-signature'];
    if (!header) return { ok: false, reason: 'missing Stripe-Signature header' };
    const signing = Stripe.webhooks.signature!;
    const receivedAt = now().getTime(); // milliseconds, as the library counts
    // The library bounds only the age of `t`; a signature dated ahead of our clock is bounded here the same way,
    // reading `t` exactly as the library does (the last `t=`, parseInt), so no spelling of it slips past.
    const stamps = header.split(',').filter((item) => item.split('=')[0] === 't');
    if (stamps.length > 1) return { ok: false, reason: 'Stripe-Signature has more than one t= timestamp' };
    const t = stamps.length ? Number.parseInt(stamps[0]!.split('=')[1]!, 10) : Number.NaN;
    if (Number.isFinite(t) && t - receivedAt / 1000 > SIGNATURE_TOLERANCE_SECONDS) {
      return {
        ok: false,
        reason: `Stripe-Signature is dated ${Math.round(t - receivedAt / 1000)} s ahead of the hub's clock (tolerance ${SIGNATURE_TOLERANCE_SECONDS} s): check the hub's clock`,
      };
    }
    let stale = false;
    for (const secret of [secrets.webhookSecret, secrets.previousWebhookSecret].filter(Boolean) as string[]) {
      try {
        // Stripe's own check: every v1 signature of `t.body` compared in constant time, `t` within 300 s.
        signing.verifyHeader(
          request.body,
          header,
          secret,
          SIGNATURE_TOLERANCE_SECONDS,
          undefined,
          receivedAt,
        );
        return { ok: true };
      } catch (error) {
        // Stale under any of the secrets: say so, rather than "does not match".
        stale ||= /timestamp outside the tolerance zone/i.test((error as Error).message);
      }
    }
    return {
      ok: false,
      reason: stale
        ? `Stripe-Signature is older than ${SIGNATURE_TOLERANCE_SECONDS} s (a replayed or delayed delivery)`
        : 'Stripe-Signature does not match the body signed with the webhook secret',
    };
  },
  dedupeKey(request) {
    // Stripe retries an event for up to three days under the same id.
    const event = jsonObject(request.body);
    return typeof event?.id === 'string' && event.id.startsWith('evt_') ? `event:${event.id}` : undefined;
  },
};
