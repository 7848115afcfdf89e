import { defineConnector, jsonObject } from '@switchyard/core';
import Stripe from 'stripe';
import { z } from 'zod';
import { stripeActions } from './actions.ts';

/** The Stripe API version this connector speaks; pinned here and nowhere else. */
export const API_VERSION = '2026-10-28.endive' as const;

/** How old a signed delivery may be (Stripe's own default): older ones are refused as replays. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/** The events the hub turns into signals for the order workflows; others are stored and ignored. */
export const SIGNAL_EVENTS = [
  'payment_intent.succeeded',
  'payment_intent.payment_failed',
  'payment_intent.canceled',
  'charge.refunded',
  'invoice.paid',
  'invoice.payment_failed',
] as const;

const Settings = z
  .object({
    timeoutSeconds: z.number().int().min(1).max(120).default(30),
    /** Retries of a failed call inside the client, under the same idempotency key. */
    maxNetworkRetries: z.number().int().min(0).max(10).default(3),
    /**
     * This connection's pace toward Stripe, every call counted: Stripe allows 100 operations a second in live
     * mode and 25 in test mode, and answers bursts beyond with 429. Default: 80 for a live key, 20 for a test
     * key, leaving room for the account's other users.
     */
    requestsPerSecond: z.number().positive().max(1_000).optional(),
    /** Send API calls to this origin instead of https://api.stripe.com (a proxy, or a local fake in tests). */
    apiOrigin: z.url().optional(),
  })
  .strict();

const Secrets = z.object({
  /** Restricted key (rk_…) or secret key (sk_…) with PaymentIntents, Refunds, Customers and Invoices write. */
  secretKey: z.string().min(8),
  /** The endpoint's signing secret (whsec_…), shown in Stripe's Dashboard › Developers › Webhooks. */
  webhookSecret: z.string().min(8),
  /** The signing secret before a roll: accepted as long as it is configured (Stripe signs with both meanwhile). */
  previousWebhookSecret: z.string().min(8).optional(),
});

export type StripeSettings = z.output<typeof Settings>;

/** A Stripe client for a connection: the pinned API version, timeouts, client-side retries. */
export function stripeClient(settings: StripeSettings, secretKey: string): Stripe {
  const origin = settings.apiOrigin ? new URL(settings.apiOrigin) : undefined;
  return new Stripe(secretKey, {
    apiVersion: API_VERSION,
    timeout: settings.timeoutSeconds * 1000,
    maxNetworkRetries: settings.maxNetworkRetries,
    appInfo: { name: 'switchyard' },
    telemetry: false,
    ...(origin
      ? {
          host: origin.hostname,
          port: Number(origin.port || (origin.protocol === 'https:' ? 443 : 80)),
          protocol: origin.protocol.replace(':', '') as 'http' | 'https',
        }
      : {}),
  });
}

/** What the hub needs of a Stripe event to signal a workflow, read from the stored body. */
export interface StripeSignal {
  eventId: string;
  type: (typeof SIGNAL_EVENTS)[number];
  /** The PaymentIntent, Charge or Invoice the event is about. */
  objectId: string;
  /** The PaymentIntent it concerns (for a charge, its payment_intent). */
  paymentIntentId?: string;
  /** The order workflow the object was created for (its metadata), when the hub created it. */
  workflowId?: string;
  amount?: number;
  currency?: string;
}

/** The signal a Stripe event carries for an order workflow, or undefined for an event the hub does not use. */
export function stripeSignal(event: {
  id: string;
  type: string;
  data?: { object?: Record<string, unknown> };
}): StripeSignal | undefined {
  if (!(SIGNAL_EVENTS as readonly string[]).includes(event.type)) return undefined;
  const object = event.data?.object ?? {};
  const metadata = (object.metadata ?? {}) as Record<string, string>;
  const paymentIntent =
    object.object === 'payment_intent'
      ? String(object.id)
      : typeof object.payment_intent === 'string'
        ? object.payment_intent
        : undefined;
  const amount =
    event.type === 'charge.refunded'
      ? object.amount_refunded
      : event.type.startsWith('invoice.')
        ? object.amount_paid
        : (object.amount_received ?? object.amount);
  return {
    eventId: event.id,
    type: event.type as StripeSignal['type'],
    objectId: String(object.id),
    ...(paymentIntent ? { paymentIntentId: paymentIntent } : {}),
    ...(metadata.switchyard_workflow_id ? { workflowId: metadata.switchyard_workflow_id } : {}),
    ...(typeof amount === 'number' ? { amount } : {}),
    ...(typeof object.currency === 'string' ? { currency: object.currency.toUpperCase() } : {}),
  };
}

export const stripe = defineConnector({
  id: 'stripe',
  title: 'Stripe',
  capabilities: ['events.webhook', 'payment.capture'],
  settings: Settings,
  secrets: Secrets,
  webhook: {
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
      for (const secret of [secrets.webhookSecret, secrets.previousWebhookSecret].filter(
        Boolean,
      ) as string[]) {
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
  },
  normalize(payload) {
    const event = jsonObject(payload.body) as
      | { id: string; object: string; type: string; data?: { object?: Record<string, unknown> } }
      | undefined;
    if (event?.object !== 'event' || typeof event.type !== 'string' || typeof event.id !== 'string') {
      throw new Error('body is not a Stripe event (expected {"object":"event","id":"evt_…","type":…})');
    }
    const signal = stripeSignal(event);
    return {
      orders: [],
      ignored: signal
        ? `${event.type} for ${signal.objectId}: a payment signal for the order's workflow, not an order`
        : `event type ${event.type} is not used`,
    };
  },
  actions: stripeActions(),
  signal(payload) {
    const event = jsonObject(payload.body) as Parameters<typeof stripeSignal>[0] | undefined;
    const signal = event && typeof event.id === 'string' ? stripeSignal(event) : undefined;
    // Invoices are what a workflow waits for; a PaymentIntent's events follow the workflow's own calls.
    if (!signal?.type.startsWith('invoice.')) return undefined;
    return {
      dedupeKey: signal.eventId,
      correlate: { ...(signal.workflowId ? { workflowId: signal.workflowId } : {}) },
      event: { kind: 'payment', type: signal.type, objectId: signal.objectId },
    };
  },
});

export default stripe;
