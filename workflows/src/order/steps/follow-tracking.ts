import type { OrderEvent } from '../events.ts';
import type { Flow } from '../step.ts';
import { recordOnTimeline } from './timeline.ts';

/**
 * `record-tracking-<n>`: the n-th tracking event for one of the order's labels, written as `shipment.tracking`
 * (the wait for it is `followTracking` in waits.ts; `n` counts the events waited for).
 */
export const recordTracking = (
  flow: Flow,
  { orderId, n, event }: { orderId: string; n: number; event: Extract<OrderEvent, { kind: 'tracking' }> },
) =>
  recordOnTimeline(flow, {
    key: `tracking-${n}`,
    orderId,
    type: 'shipment.tracking',
    data: { status: event.status, detail: event.detail },
  });
