import { checkTotals, getOrder, type Order, orderStatusOf, PermanentError } from '@switchyard/core';
import type { FulfillmentPlan } from '../../plan.ts';
import { act, actionsOf, connection, createCheckedStep, createStep, type UndoRun } from '../step.ts';

/** The order's problems an operator must fix before anything ships, in words; empty when it can go. */
export function validateOrder(order: Order): string[] {
  const problems: string[] = [];
  const to = order.shippingAddress;
  if (!to) problems.push('no shipping address');
  else {
    for (const field of ['line1', 'city', 'postalCode', 'country'] as const) {
      if (!to[field]) problems.push(`shipping address has no ${field}`);
    }
  }
  order.lines.forEach((line, i) => {
    if (!line.sku) problems.push(`line ${i + 1} (${line.title}) has no SKU`);
  });
  problems.push(...checkTotals(order));
  return problems;
}

/** The Stripe PaymentIntent authorized at checkout, when the order has one. */
export const paymentIntentOf = (order: Order) => order.payments.find((p) => p.reference?.startsWith('pi_'));

/**
 * `load-order`: the order, its connection's plan and its status, validated (shipping address, SKUs, totals)
 * in the same step, so a replay after a fix reads the fixed order. A problem fails the workflow naming what
 * to fix. An order cancelled before anything was done is not validated: there is only the authorization to
 * release. An order of a marketplace that wants each order acknowledged (Walmart: `acknowledgeOrder`) is not
 * validated here but after its acknowledgment (`validate-order`), which must not wait for a person's fix; the
 * answer `acknowledge` is recorded with the step, so a run started before a connector could acknowledge goes
 * on as it began.
 *
 * Undo (capture-on-ship): release the authorization taken at checkout (`void-payment`); a capture later
 * replaces it with a refund, in the same place: the money is undone last, after the goods.
 */
export const loadAndValidate = createStep({
  key: 'load-order',
  async invoke(input: { tenantId: string; orderId: string }, s) {
    const found = await getOrder(s.deps.sql, input.tenantId, input.orderId);
    if (!found) throw new PermanentError(`order ${input.orderId} is not in the store`);
    const plan = s.deps.plan(found.order);
    if (!plan) return { order: found.order, plan: null, status: null };
    const status = await orderStatusOf(s.deps.sql, input.orderId);
    if (status === 'cancelled') return { order: found.order, plan, status };
    const channel = s.deps.connections.get(found.order.source.connectionId);
    if (channel?.connector.actions?.acknowledgeOrder) {
      return { order: found.order, plan, status, acknowledge: true as const };
    }
    const problems = validateOrder(found.order);
    if (problems.length) {
      throw new PermanentError(
        `order ${found.order.externalNumber ?? found.order.externalId} cannot ship: ${problems.join('; ')}; fix it, then replay`,
      );
    }
    return { order: found.order, plan, status };
  },
  compensate({ order, plan }) {
    const payment = paymentIntentOf(order as Order);
    if (plan?.payment !== 'capture-on-ship' || !payment?.reference) return undefined;
    return releaseAuthorization(order as Order, plan, payment.reference);
  },
});

/**
 * `validate-order` (after `acknowledge-order`): the order read again and validated as `load-order` validates
 * others; a problem fails the workflow naming what to fix, and the replay after the fix reads the fixed order.
 */
export const validateLoaded = createCheckedStep({
  key: 'validate-order',
  async invoke(input: { order: Order }, s) {
    const found = await getOrder(s.deps.sql, input.order.tenantId, input.order.id);
    if (!found) throw new PermanentError(`order ${input.order.id} is not in the store`);
    const problems = validateOrder(found.order);
    if (problems.length) {
      throw new PermanentError(
        `order ${found.order.externalNumber ?? found.order.externalId} cannot ship: ${problems.join('; ')}; fix it, then replay`,
      );
    }
    return found.order;
  },
});

function releaseAuthorization(order: Order, plan: FulfillmentPlan, paymentId: string) {
  return {
    key: 'void-payment',
    what: 'release the authorization',
    async run(s: UndoRun) {
      const payments = connection(s.deps, plan.paymentsConnection, 'payments');
      await actionsOf(payments).cancelPayment!(act(payments, s.idempotencyKey), {
        order,
        paymentId,
        reason: s.reason,
      });
      await s.record(order.id, 'payment.voided', {});
    },
  };
}
