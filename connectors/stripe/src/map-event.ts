import { type ConnectorSignal, jsonObject, type NormalizeResult, type StoredPayload } from '@switchyard/core';

/** The events the hub turns into signals for the order workflows; others are stored and ignored. */
export const SIGNAL_EVENTS = [
  'payment_intent.succeeded',
  'payment_intent.payment_failed',
  'payment_intent.canceled',
  'charge.refunded',
  'invoice.paid',
  'invoice.payment_failed',
] as const;

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

/** A stored Stripe event: it carries no order; answered `ignored`, naming the object it concerns. */
export function normalizeEvent(payload: StoredPayload): NormalizeResult {
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
}

/** The signal a stored event gives the order's workflow: invoices only (see below). */
export function workflowSignal(payload: StoredPayload): ConnectorSignal | undefined {
  const event = jsonObject(payload.body) as Parameters<typeof stripeSignal>[0] | undefined;
  const signal = event && typeof event.id === 'string' ? stripeSignal(event) : undefined;
  // Invoices are what a workflow waits for; a PaymentIntent's events follow the workflow's own calls.
  if (!signal?.type.startsWith('invoice.')) return undefined;
  return {
    dedupeKey: signal.eventId,
    correlate: { ...(signal.workflowId ? { workflowId: signal.workflowId } : {}) },
    event: { kind: 'payment', type: signal.type, objectId: signal.objectId },
  };
}
