import type { Connection, Order } from '@switchyard/core';
import { act, actionsOf, createCheckedStep } from '../step.ts';

/**
 * `send-invoice` (payment policy `invoice`, B2B net terms): a Stripe invoice naming the workflow, whose
 * `invoice.paid` event the workflow waits for after delivery.
 *
 * Undo: none a system can do (the customer has the invoice): named for a person to void in Stripe.
 */
export const sendInvoice = createCheckedStep({
  key: 'send-invoice',
  invoke: (input: { order: Order; payments: Connection; daysUntilDue: number }, s) =>
    actionsOf(input.payments).sendInvoice!(act(input.payments, s.idempotencyKey), {
      order: input.order,
      workflowId: s.workflowId,
      daysUntilDue: input.daysUntilDue,
    }),
  compensate: (invoice) =>
    invoice.externalId
      ? {
          key: 'void-invoice',
          what: `void invoice ${invoice.externalId} in Stripe (sent before the cancellation)`,
        }
      : undefined,
});
