/** What arrives for a running order workflow on its `events` topic. */
export type OrderEvent =
  | { kind: 'tracking'; status: string; trackingCode: string; detail?: string }
  | { kind: 'cancel'; reason: string };

/** Tracking news and cancellations from the channel (`OrderEvent`). */
export const ORDER_EVENTS_TOPIC = 'events';
/** Stripe's invoice events, for an order on terms. */
export const PAYMENT_TOPIC = 'payment';
export const orderWorkflowId = (orderId: string) => `order:${orderId}`;
/** Why an order cancelled on the channel is undone (its workflow's timeline and exceptions say so). */
export const CANCELLED_ON_CHANNEL = 'cancelled on the channel';
