import type { Connection, Order } from '@switchyard/core';
import { act, actionsOf, createCheckedStep } from '../step.ts';

/**
 * `acknowledge-order` (marketplaces that want it: Walmart): the marketplace told that the seller has taken the
 * order, right after it is loaded and before it is validated or waits on a hold, since the marketplace cancels
 * what is not acknowledged within hours. Its own step, so the acknowledgment is retried on its own (14
 * attempts, about 2.3 hours of backoff, inside Walmart's deadline) and never repeated once done; repeating the
 * call is harmless besides. Written as `order.acknowledged` on the timeline. Nothing to undo.
 */
export const acknowledgeOrder = createCheckedStep({
  key: 'acknowledge-order',
  retry: { attempts: 14, initialDelayMs: 1_000, backoff: 2 },
  async invoke({ order, channel }: { order: Order; channel: Connection }, s) {
    const done = await actionsOf(channel).acknowledgeOrder!(act(channel, s.idempotencyKey), { order });
    // Cancelled on the marketplace already: nothing was acknowledged, and the workflow cancels the order.
    if (!done.cancelled) {
      await s.record(order.id, 'order.acknowledged', {
        connection: channel.id,
        ...(done.externalId ? { externalId: done.externalId } : {}),
      });
    }
    return done;
  },
});
