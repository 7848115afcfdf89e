import type { Connection, Order } from '@switchyard/core';
import { act, actionsOf, createCheckedStep } from '../step.ts';

/**
 * `acknowledge-order` (marketplaces that want it: Walmart): the marketplace told that the seller has taken the
 * order, before anything else is done for it, since it cancels what is not acknowledged within hours. Its own
 * step, so the acknowledgment is retried on its own (about two hours of backoff, inside Walmart's deadline)
 * and never repeated once done; repeating the call is harmless besides. Written as `order.acknowledged` on
 * the timeline. Nothing to undo: a cancelled order is cancelled on the marketplace by its own steps.
 */
export const acknowledgeOrder = createCheckedStep({
  key: 'acknowledge-order',
  retry: { attempts: 13, initialDelayMs: 1_000, backoff: 2 },
  async invoke({ order, channel }: { order: Order; channel: Connection }, s) {
    const done = await actionsOf(channel).acknowledgeOrder!(act(channel, s.idempotencyKey), { order });
    await s.record(order.id, 'order.acknowledged', {
      connection: channel.id,
      ...(done.externalId ? { externalId: done.externalId } : {}),
    });
    return done;
  },
});
