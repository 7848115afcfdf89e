import type { Connection, Order } from '@switchyard/core';
import { act, actionsOf, createStep } from '../step.ts';

/**
 * `cancel-lines` (routing policy cancel-line, when no location had some units): the channel's staff told on
 * the order which units will not ship (tags and a staff note, once per step), so they can cancel or refund
 * them there; the hub ships the rest. The money of the cancelled units is a person's to return: the note says so.
 */
export const cancelLines = createStep({
  key: 'cancel-lines',
  async invoke(
    {
      order,
      channel,
      lines,
    }: { order: Order; channel: Connection; lines: { lineId: string; sku: string; quantity: number }[] },
    s,
  ) {
    const what = lines.map((l) => `${l.quantity} × ${l.sku}`).join(', ');
    await s.record(order.id, 'lines.cancelled', { lines });
    const annotate = actionsOf(channel).annotateOrder;
    if (!annotate) return { told: false };
    await annotate(act(channel, s.idempotencyKey), {
      order,
      tags: ['switchyard-lines-cancelled'],
      note: `Switchyard: no location has ${what}; these units will not ship. Cancel them here and refund the customer.`,
    });
    return { told: true };
  },
});
