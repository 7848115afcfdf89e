import { defineConnector, hmacSha256, jsonObject, safeEqual } from '@switchyard/core';
import { z } from 'zod';
import { easypostActions } from './actions.ts';

/** The events the hub turns into signals for the order workflows; others are stored and ignored. */
export const SIGNAL_EVENTS = ['tracker.updated', 'tracker.created'] as const;

const Settings = z
  .object({
    timeoutSeconds: z.number().int().min(1).max(120).default(30),
    /** This connection's pace toward EasyPost, every call counted (EasyPost answers bursts with 429). */
    requestsPerSecond: z.number().positive().max(1_000).default(20),
    /** Send API calls to this origin instead of https://api.easypost.com (a proxy, or a local fake in tests). */
    apiOrigin: z.url().optional(),
  })
  .strict();

const Secrets = z.object({
  /** Production or test API key (EasyPost › Account settings › API keys). */
  apiKey: z.string().min(8),
  /** The webhook's secret, set when it was created (EasyPost › Webhooks). */
  webhookSecret: z.string().min(1),
});

export type EasyPostSettings = z.output<typeof Settings>;

/**
 * What EasyPost sends as X-Hmac-Signature: `hmac-sha256-hex=` and the hex HMAC-SHA256 of the raw body, keyed
 * with the webhook secret in Unicode NFKD form.
 */
export function easypostSignature(secret: string, body: Uint8Array | string): string {
  return `hmac-sha256-hex=${hmacSha256(secret.normalize('NFKD'), body, 'hex')}`;
}

/** What the hub needs of a tracking event to signal the order's workflow. */
export interface TrackingSignal {
  eventId: string;
  trackerId: string;
  trackingCode: string;
  carrier?: string;
  /** EasyPost's status: pre_transit, in_transit, out_for_delivery, delivered, return_to_sender, failure… */
  status: string;
  statusDetail?: string;
  shipmentId?: string;
  estimatedDelivery?: string;
}

/** The signal a tracker event carries, or undefined for an event the hub does not use. */
export function trackingSignal(event: {
  id?: unknown;
  description?: unknown;
  result?: Record<string, unknown>;
}): TrackingSignal | undefined {
  if (!(SIGNAL_EVENTS as readonly unknown[]).includes(event.description)) return undefined;
  const tracker = event.result ?? {};
  if (typeof tracker.id !== 'string' || typeof tracker.tracking_code !== 'string') return undefined;
  const text = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  return {
    eventId: String(event.id),
    trackerId: tracker.id,
    trackingCode: tracker.tracking_code,
    status: text(tracker.status) ?? 'unknown',
    ...(text(tracker.carrier) ? { carrier: text(tracker.carrier) } : {}),
    ...(text(tracker.status_detail) ? { statusDetail: text(tracker.status_detail) } : {}),
    ...(text(tracker.shipment_id) ? { shipmentId: text(tracker.shipment_id) } : {}),
    ...(text(tracker.est_delivery_date) ? { estimatedDelivery: text(tracker.est_delivery_date) } : {}),
  };
}

export const easypost = defineConnector({
  id: 'easypost',
  title: 'EasyPost',
  capabilities: ['events.webhook', 'shipment.label'],
  settings: Settings,
  secrets: Secrets,
  webhook: {
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
  },
  normalize(payload) {
    const event = jsonObject(payload.body);
    if (event?.object !== 'Event' || typeof event.description !== 'string') {
      throw new Error(
        'body is not an EasyPost event (expected {"object":"Event","description":…,"result":…})',
      );
    }
    const signal = trackingSignal(event);
    return {
      orders: [],
      ignored: signal
        ? `${event.description} for ${signal.trackingCode} (${signal.status}): a tracking signal for the order's workflow, not an order`
        : `event ${event.description} is not used`,
    };
  },
  actions: easypostActions(),
  signal(payload) {
    const event = jsonObject(payload.body);
    const signal = event ? trackingSignal(event) : undefined;
    if (!signal) return undefined;
    return {
      dedupeKey: signal.eventId,
      correlate: { trackingCode: signal.trackingCode },
      event: {
        kind: 'tracking',
        status: signal.status,
        trackingCode: signal.trackingCode,
        ...(signal.statusDetail ? { detail: signal.statusDetail } : {}),
      },
    };
  },
});

export default easypost;
