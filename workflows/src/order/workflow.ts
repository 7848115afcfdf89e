import { defineWorkflow, type Order, type PurchasedLabel } from '@switchyard/core';
import { connectionsOf } from './connections.ts';
import { CANCELLED_ON_CHANNEL } from './events.ts';
import { shipmentsOf } from './shipments.ts';
import type { Checked, OrderWorkflowDeps } from './step.ts';
import { buyLabel } from './steps/buy-label.ts';
import { capturePayment } from './steps/capture-payment.ts';
import { closeCancelled, closeDelivered } from './steps/close.ts';
import { createShipment } from './steps/create-shipment.ts';
import { loadAndValidate } from './steps/load-and-validate.ts';
import { partnerAcknowledgment } from './steps/partner-acknowledgment.ts';
import { partnerInvoice } from './steps/partner-invoice.ts';
import { partnerShipNotice } from './steps/partner-ship-notice.ts';
import { sendInvoice } from './steps/send-invoice.ts';
import { tellTheChannel } from './steps/tell-the-channel.ts';
import { followTracking, goesOn, invoicePaid } from './waits.ts';

/**
 * The order's life after import, as the business runs it: validate, take payment by the connection's policy,
 * per shipment create it and buy its label, capture on ship, tell the channel (or the partner), follow the
 * parcels to the door, close. Each step is in steps/, with its undo beside it; a cancellation from the
 * channel runs the undos registered so far, last first (the label voided, then the money returned). Every
 * step before an irreversible one reads the order's status with its effect: cancelled, the order is undone;
 * on hold, it waits (waits.ts).
 */
export function orderWorkflow(deps: OrderWorkflowDeps) {
  return defineWorkflow({
    name: 'order',
    async run(ctx, input: { tenantId: string; orderId: string }) {
      const flow = { ctx, deps };
      const loaded = await loadAndValidate(flow, input);
      if (!loaded.plan) return { outcome: 'not-managed' };
      const order = loaded.order as Order;
      const plan = loaded.plan;
      const { channel, payments, shipping, payment, documents } = connectionsOf(deps, order, plan);
      const cancel = (reason = CANCELLED_ON_CHANNEL) => closeCancelled(flow, { order, reason });
      const next = (step: Pick<Checked<unknown>, 'key' | 'status'>) =>
        goesOn(flow, { order, plan, after: step.key, status: step.status });

      if (!(await next({ key: 'load-order', status: loaded.status }))) return cancel();
      if (documents?.expects('acknowledgment')) {
        if (!(await next(await partnerAcknowledgment(flow, { order, documents })))) return cancel();
      }
      let invoice: string | undefined;
      if (plan.payment === 'invoice') {
        const sent = await sendInvoice(flow, {
          order,
          payments: payments!,
          daysUntilDue: plan.invoiceDays ?? 30,
        });
        invoice = sent.value.externalId;
        if (!(await next(sent))) return cancel();
      }

      const shipments = shipmentsOf(order, plan);
      const labels: PurchasedLabel[] = [];
      for (const shipment of shipments) {
        const made = await createShipment(flow, { order, plan, shipping, shipment });
        if (!(await next(made))) return cancel();
        const bought = await buyLabel(flow, { order, shipping, shipment, made: made.value });
        labels.push(bought.value);
        if (!(await next(bought))) return cancel();
      }
      if (plan.payment === 'capture-on-ship') {
        if (!(await next(await capturePayment(flow, { order, payments: payments!, payment: payment! }))))
          return cancel();
      }

      if (documents) {
        // A B2B partner gets its ship notices and invoice in place of a fulfillment pushed to a channel.
        const shippedAt = await ctx.now('shipped-at');
        for (const [i, shipment] of shipments.entries()) {
          if (documents.expects('ship-notice'))
            await partnerShipNotice(flow, { order, documents, shipment, label: labels[i]!, shippedAt });
        }
        if (documents.expects('invoice'))
          await partnerInvoice(flow, {
            order,
            documents,
            lines: shipments.flatMap((s) => s.lines),
            shippedAt,
          });
      } else {
        for (const [i, shipment] of shipments.entries())
          await tellTheChannel(flow, { order, channel, shipment, label: labels[i]! });
      }

      const tracked = await followTracking(flow, { order, plan, labels });
      if (tracked) return cancel(tracked.cancelled);
      if (plan.payment === 'invoice') await invoicePaid(flow, { order, plan, invoice });
      return closeDelivered(flow, { order, trackingCode: labels.map((l) => l.trackingCode).join(', ') });
    },
  });
}
