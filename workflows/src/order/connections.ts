import { type Order, PermanentError } from '@switchyard/core';
import type { FulfillmentPlan } from '../plan.ts';
import { connection, type OrderWorkflowDeps } from './step.ts';
import { paymentIntentOf } from './steps/load-and-validate.ts';

/** Who acts on the order by its plan: the channel, the payments and shipping connections, a partner's documents. */
export function connectionsOf(deps: OrderWorkflowDeps, order: Order, plan: FulfillmentPlan) {
  const channel = connection(deps, order.source.connectionId, 'channel');
  // Paid on the channel, or invoiced in the books (the accounting section posts the invoice): no payments connection.
  const payments =
    plan.payment === 'channel' || plan.payment === 'books-invoice'
      ? undefined
      : connection(deps, plan.paymentsConnection, 'payments');
  const shipping = connection(deps, plan.shippingConnection, 'shipping');
  const payment = paymentIntentOf(order);
  if (plan.payment === 'capture-on-ship' && !payment) {
    throw new PermanentError(
      `order ${order.externalId} is capture-on-ship but has no Stripe PaymentIntent in its payments`,
    );
  }
  return { channel, payments, shipping, payment, documents: deps.documents?.(channel) };
}
