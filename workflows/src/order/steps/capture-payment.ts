import type { Connection, Order } from '@switchyard/core';
import { act, actionsOf, createCheckedStep, type UndoRun } from '../step.ts';

/**
 * `capture-payment` (capture-on-ship, once the label is bought): the authorized amount, after reading the
 * PaymentIntent (Stripe's idempotency key besides), written as `payment.captured` on the timeline.
 *
 * Undo (`refund-payment`): a refund of what was captured. It replaces the release of the authorization that
 * loading the order registered, in its place: the label is voided first.
 */
export const capturePayment = createCheckedStep({
  key: 'capture-payment',
  async invoke(input: { order: Order; payments: Connection; payment: Order['payments'][number] }, s) {
    const { order, payments, payment } = input;
    const done = await actionsOf(payments).capturePayment!(act(payments, s.idempotencyKey), {
      order,
      paymentId: payment.reference!,
      amount: payment.authorized ?? order.totals.total,
    });
    await s.record(order.id, 'payment.captured', { amount: done.captured });
    return done;
  },
  compensate: ({ captured }, { order, payments, payment }) =>
    captured
      ? {
          key: 'refund-payment',
          what: 'refund the capture',
          replaces: 'void-payment',
          async run(s: UndoRun) {
            await actionsOf(payments).refundPayment!(act(payments, s.idempotencyKey), {
              order,
              paymentId: payment.reference!,
              amount: captured,
              reason: s.reason,
            });
            await s.record(order.id, 'payment.refunded', { amount: captured });
          },
        }
      : undefined,
});
