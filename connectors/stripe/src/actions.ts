import { type ConnectorActions, type Money, PermanentError } from '@switchyard/core';
import { fromStripeAmount, toStripeAmount } from './amounts.ts';
import { call, clientFor } from './client.ts';
import type { StripeSecrets, StripeSettings } from './settings.ts';

/** Stripe's currencies are lower-case; its amounts go through toStripeAmount (exponents differ for some). */
const stripeCurrency = (money: Money) => money.currency.toLowerCase();

/**
 * Stripe's payment actions, each once in effect under the step's idempotency key: what a retried step finds
 * done (an intent captured, a refund or an invoice carrying the step's or workflow's mark) is its answer.
 */
export function stripeActions(): ConnectorActions<StripeSettings, StripeSecrets> {
  return {
    async capturePayment(context, { paymentId, amount }) {
      const stripe = clientFor(context);
      // Read first: Stripe keeps an idempotency key for about a day, a replayed step may come later.
      const current = await call(context, 'read of the PaymentIntent', () =>
        stripe.paymentIntents.retrieve(paymentId),
      );
      if (current.currency !== stripeCurrency(amount)) {
        throw new PermanentError(
          `PaymentIntent ${paymentId} is in ${current.currency.toUpperCase()}, the capture asked for ${amount.currency}`,
        );
      }
      if (current.status === 'succeeded') {
        return {
          externalId: current.id,
          captured: fromStripeAmount(current.amount_received, current.currency),
        };
      }
      const wanted = toStripeAmount(amount);
      if (current.status !== 'requires_capture' || wanted > current.amount_capturable) {
        throw new PermanentError(
          `PaymentIntent ${paymentId} cannot be captured for ${amount.amount} ${amount.currency}: it is ${current.status} with ${current.amount_capturable} capturable`,
        );
      }
      const intent = await call(context, 'capture', () =>
        stripe.paymentIntents.capture(
          paymentId,
          { amount_to_capture: wanted },
          { idempotencyKey: context.idempotencyKey },
        ),
      );
      return { externalId: intent.id, captured: fromStripeAmount(intent.amount_received, intent.currency) };
    },

    async cancelPayment(context, { paymentId, reason }) {
      const stripe = clientFor(context);
      const current = await call(context, 'read of the PaymentIntent', () =>
        stripe.paymentIntents.retrieve(paymentId),
      );
      // Already released (a retry of this step, or someone in the Dashboard): the effect is there.
      if (current.status === 'canceled') return { externalId: current.id };
      if (current.status === 'succeeded') {
        throw new PermanentError(
          `PaymentIntent ${paymentId} is already captured: refund it instead of cancelling (${reason})`,
        );
      }
      const intent = await call(context, 'cancellation', () =>
        stripe.paymentIntents.cancel(
          paymentId,
          { cancellation_reason: 'requested_by_customer' },
          { idempotencyKey: context.idempotencyKey },
        ),
      );
      return { externalId: intent.id };
    },

    async refundPayment(context, { paymentId, amount, reason }) {
      const stripe = clientFor(context);
      // Read first: a refund this step made earlier (its key may have expired) carries the step's key.
      const earlier = await call(context, 'refund lookup', () =>
        stripe.refunds.list({ payment_intent: paymentId, limit: 100 }),
      );
      const mine = earlier.data.find((r) => r.metadata?.switchyard_step === context.idempotencyKey);
      if (mine) return { externalId: mine.id };
      const refund = await call(context, 'refund', () =>
        stripe.refunds.create(
          {
            payment_intent: paymentId,
            amount: toStripeAmount(amount),
            reason: 'requested_by_customer',
            metadata: { switchyard_reason: reason.slice(0, 500), switchyard_step: context.idempotencyKey },
          },
          { idempotencyKey: context.idempotencyKey },
        ),
      );
      return { externalId: refund.id };
    },

    async sendInvoice(context, { order, workflowId, daysUntilDue }) {
      const stripe = clientFor(context);
      const key = context.idempotencyKey;
      const email = order.customer?.email ?? order.billingAddress?.email;
      if (!email) {
        throw new PermanentError(
          `order ${order.externalNumber ?? order.externalId} has no customer email to invoice`,
        );
      }
      const currency = order.currency.toLowerCase();
      const metadata = { switchyard_workflow_id: workflowId, switchyard_order_id: order.id };
      // Every write below has its own key derived from the step's: a retried step repeats none of them.
      const customer = await call(context, 'customer', async () => {
        const found = await stripe.customers.list({ email, limit: 1 });
        return (
          found.data[0] ??
          (await stripe.customers.create(
            {
              email,
              ...(order.customer?.company || order.customer?.name
                ? { name: (order.customer.company ?? order.customer.name)! }
                : {}),
              metadata: { switchyard_order_id: order.id },
            },
            { idempotencyKey: `${key}/customer` },
          ))
        );
      });
      // Read first: an invoice this workflow made before is the one to finish. Stripe forgets idempotency keys
      // after about a day, and a step replayed later (after an operator's fix) must not invoice twice.
      const earlier = await call(context, 'invoice lookup', async () => {
        for await (const found of stripe.invoices.list({ customer: customer.id, limit: 100 })) {
          if (found.metadata?.switchyard_workflow_id === workflowId) return found;
        }
        return undefined;
      });
      const invoice =
        earlier ??
        (await call(context, 'invoice', () =>
          stripe.invoices.create(
            {
              customer: customer.id,
              collection_method: 'send_invoice',
              days_until_due: daysUntilDue,
              currency,
              auto_advance: false,
              metadata,
              ...(order.b2b?.poNumber
                ? { custom_fields: [{ name: 'PO number', value: order.b2b.poNumber.slice(0, 140) }] }
                : {}),
            },
            { idempotencyKey: `${key}/invoice` },
          ),
        ));
      // One item for the order's total: lines, shipping, discounts and taxes were settled by the channel.
      if (invoice.status === 'draft') {
        const items = await call(context, 'invoice items lookup', () =>
          stripe.invoiceItems.list({ invoice: invoice.id!, limit: 10 }),
        );
        if (!items.data.length) {
          await call(context, 'invoice item', () =>
            stripe.invoiceItems.create(
              {
                customer: customer.id,
                invoice: invoice.id!,
                amount: toStripeAmount(order.totals.total),
                currency,
                description: `Order ${order.externalNumber ?? order.externalId}`,
                metadata,
              },
              { idempotencyKey: `${key}/item` },
            ),
          );
        }
      }
      const finalized = await call(context, 'invoice finalization', async () => {
        const current = await stripe.invoices.retrieve(invoice.id!);
        return current.status === 'draft'
          ? stripe.invoices.finalizeInvoice(invoice.id!, {}, { idempotencyKey: `${key}/finalize` })
          : current;
      });
      if (finalized.total !== toStripeAmount(order.totals.total)) {
        throw new PermanentError(
          `invoice ${finalized.id} totals ${finalized.total}, the order ${order.totals.total.amount} (${order.currency}): check it in Stripe before sending`,
        );
      }
      // Sent once: marked on the invoice after sending (a crash in between may send the e-mail twice, never
      // the invoice).
      if (finalized.status === 'open' && finalized.metadata?.switchyard_sent !== 'true') {
        await call(context, 'invoice sending', () =>
          stripe.invoices.sendInvoice(invoice.id!, {}, { idempotencyKey: `${key}/send` }),
        );
        await call(context, 'invoice marking', () =>
          stripe.invoices.update(
            invoice.id!,
            { metadata: { switchyard_sent: 'true' } },
            { idempotencyKey: `${key}/sent` },
          ),
        );
      }
      return { externalId: invoice.id! };
    },
  };
}
