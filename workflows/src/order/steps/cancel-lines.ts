import type { Connection, Order } from '@switchyard/core';
import { act, actionsOf, createStep } from '../step.ts';

/**
 * `cancel-lines` (routing policy cancel-line, when no location had some units): a channel that cancels per line
 * (`cancelLines`: Walmart, which refunds the buyer for them) has those units cancelled; any other channel's staff
 * are told on the order which units will not ship (tags and a staff note, once per step), so they can cancel or
 * refund them there, and the money of the cancelled units is a person's to return: the note says so. The hub
 * ships the rest.
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
    const cancel = actionsOf(channel).cancelLines;
    if (cancel) {
      await cancel(act(channel, s.idempotencyKey), {
        order,
        lines: lines.map((l) => ({ lineId: l.lineId, quantity: l.quantity })),
        reason: `no location has ${what}`,
      });
      return { told: true, cancelled: true };
    }
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
