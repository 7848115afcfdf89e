import { type ConnectorSignal, jsonObject, type NormalizeResult, type StoredPayload } from '@switchyard/core';

/** The events the hub turns into signals for the order workflows; others are stored and ignored. */
export const SIGNAL_EVENTS = ['tracker.updated', 'tracker.created'] as const;

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

/** A stored EasyPost event: it carries no order; answered `ignored`, naming the tracking code and status. */
export function normalizeEvent(payload: StoredPayload): NormalizeResult {
  const event = jsonObject(payload.body);
  if (event?.object !== 'Event' || typeof event.description !== 'string') {
    throw new Error('body is not an EasyPost event (expected {"object":"Event","description":…,"result":…})');
  }
  const signal = trackingSignal(event);
  return {
    orders: [],
    ignored: signal
      ? `${event.description} for ${signal.trackingCode} (${signal.status}): a tracking signal for the order's workflow, not an order`
      : `event ${event.description} is not used`,
  };
}

/** The signal a stored tracker event gives the workflow of the order whose label has that tracking code. */
export function workflowSignal(payload: StoredPayload): ConnectorSignal | undefined {
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
}
