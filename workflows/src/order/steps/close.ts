import { type Order, PermanentError } from '@switchyard/core';
import type { Flow } from '../step.ts';
import { recordOnTimeline } from './timeline.ts';

/** `record-closed`: the order delivered (and paid, on terms), closed on its timeline. */
export async function closeDelivered(
  flow: Flow,
  { order, trackingCode }: { order: Order; trackingCode: string },
) {
  await recordOnTimeline(flow, {
    key: 'closed',
    orderId: order.id,
    type: 'order.closed',
    data: { trackingCode },
  });
  return { outcome: 'delivered' as const, trackingCode };
}

/**
 * A cancelled order: the undos its steps registered, run last first (the label voided before the money moves),
 * then `record-cancelled` (`order.cancelled`, with what is left for a person). An undo that failed fails the
 * workflow naming what is left; a parcel the carrier has already scanned fails it before anything is recorded.
 */
export async function closeCancelled(flow: Flow, { order, reason }: { order: Order; reason: string }) {
  const { left } = await flow.ctx.compensate(reason);
  await recordOnTimeline(flow, {
    key: 'cancelled',
    orderId: order.id,
    type: 'order.cancelled',
    data: { reason, ...(left.length ? { left } : {}) },
  });
  if (left.length) {
    throw new PermanentError(
      `order ${order.externalId} was cancelled (${reason}); left for a person: ${left.join('; ')}`,
    );
  }
  return { outcome: 'cancelled' as const };
}
