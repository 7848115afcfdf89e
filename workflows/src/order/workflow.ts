import { defineWorkflow, type Order, type PurchasedLabel } from '@switchyard/core';
import { channelLocationOf } from '../locations.ts';
import { connectionsOf } from './connections.ts';
import { CANCELLED_ON_CHANNEL } from './events.ts';
import { linesToRoute, routedShipment, type Shipment, shipmentsOf } from './shipments.ts';
import { type Checked, connection, type OrderWorkflowDeps } from './step.ts';
import { acknowledgeOrder } from './steps/acknowledge-order.ts';
import { buyLabel } from './steps/buy-label.ts';
import { cancelLines } from './steps/cancel-lines.ts';
import { capturePayment } from './steps/capture-payment.ts';
import { closeCancelled, closeDelivered } from './steps/close.ts';
import { createShipment } from './steps/create-shipment.ts';
import { loadAndValidate, validateLoaded } from './steps/load-and-validate.ts';
import { partnerAcknowledgment } from './steps/partner-acknowledgment.ts';
import { partnerInvoice } from './steps/partner-invoice.ts';
import { partnerShipNotice } from './steps/partner-ship-notice.ts';
import { routeToLocations } from './steps/route-order.ts';
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
/** Why an order none of whose lines any location has (policy cancel-line) is cancelled. */
const NOTHING_TO_SHIP = 'no location has any of the order (routing policy cancel-line)';

export function orderWorkflow(deps: OrderWorkflowDeps) {
  return defineWorkflow({
    name: 'order',
    async run(ctx, input: { tenantId: string; orderId: string }) {
      const flow = { ctx, deps };
      const loaded = await loadAndValidate(flow, input);
      if (!loaded.plan) return { outcome: 'not-managed' };
      let order = loaded.order as Order;
      const plan = loaded.plan;
      const { channel, payments, shipping, payment, documents } = connectionsOf(deps, order, plan);
      const cancel = (reason = CANCELLED_ON_CHANNEL) => closeCancelled(flow, { order, reason });
      const next = (step: Pick<Checked<unknown>, 'key' | 'status'>) =>
        goesOn(flow, { order, plan, after: step.key, status: step.status });

      if ('acknowledge' in loaded && loaded.acknowledge) {
        // A marketplace cancels what is not acknowledged in time: first that, then whatever needs a person.
        const acknowledged = await acknowledgeOrder(flow, { order, channel });
        if (acknowledged.value.cancelled) return cancel(acknowledged.value.cancelled);
        if (acknowledged.status === 'cancelled') return cancel();
        const validated = await validateLoaded(flow, { order });
        order = validated.value as Order;
        if (!(await next(validated))) return cancel();
      } else if (!(await next({ key: 'load-order', status: loaded.status }))) return cancel();
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

      // Unrouted: one shipment from the plan's address. Routed: a round per routing (the order as imported,
      // then what was backordered, every recheck), each round's shipments shipped before the next is routed.
      const labels: PurchasedLabel[] = [];
      const shippedLines: Shipment['lines'] = [];
      let toRoute = plan.routing ? linesToRoute(order) : [];
      let captured = false;
      for (let round = 1; ; round++) {
        let batch: Shipment[];
        if (plan.routing) {
          const giveUp = round * plan.routing.recheckMs >= plan.routing.giveUpMs;
          const routed = await routeToLocations(flow, { order, plan, round, lines: toRoute, giveUp });
          if (!(await next(routed))) return cancel();
          batch = routed.value.shipments.map((planned) => routedShipment(order, plan, planned));
          toRoute = routed.value.backordered;
          if (routed.value.cancelled.length && !documents)
            await cancelLines(flow, { order, channel, lines: routed.value.cancelled });
          // Nothing of the order can ship, nor will (cancel-line and no location has any of it): it is cancelled.
          if (!batch.length && !toRoute.length && !labels.length) return cancel(NOTHING_TO_SHIP);
        } else batch = shipmentsOf(order, plan);

        const sent: { shipment: Shipment; label: PurchasedLabel }[] = [];
        for (const planned of batch) {
          const made = await createShipment(flow, { order, plan, shipping, shipment: planned });
          if (!(await next(made))) return cancel();
          const shipment = {
            ...planned,
            from: made.value.from,
            ...(made.value.locationId ? { locationId: made.value.locationId } : {}),
          };
          const carrier = connection(deps, made.value.shippingConnection, 'shipping');
          const bought = await buyLabel(flow, { order, shipping: carrier, shipment, made: made.value });
          sent.push({ shipment, label: bought.value });
          if (!(await next(bought))) return cancel();
        }
        if (plan.payment === 'capture-on-ship' && sent.length && !captured) {
          // Stripe captures a PaymentIntent once (several captures need its multicapture, not generally
          // available): the first round's parcels take the whole authorized amount.
          if (!(await next(await capturePayment(flow, { order, payments: payments!, payment: payment! }))))
            return cancel();
          captured = true;
        }
        const more = toRoute.length > 0;
        if (documents) {
          // A B2B partner gets its ship notices and invoice in place of a fulfillment pushed to a channel.
          const shippedAt = sent.length
            ? await ctx.now(round === 1 ? 'shipped-at' : `shipped-at#${round}`)
            : undefined;
          for (const { shipment, label } of sent) {
            if (documents.expects('ship-notice'))
              await partnerShipNotice(flow, { order, documents, shipment, label, shippedAt: shippedAt! });
          }
          if (!more && documents.expects('invoice'))
            await partnerInvoice(flow, {
              order,
              documents,
              lines: [...shippedLines, ...sent.flatMap((x) => x.shipment.lines)],
              shippedAt: shippedAt ?? (await ctx.now('invoiced-at')),
            });
        } else {
          for (const [i, { shipment, label }] of sent.entries()) {
            const location = shipment.locationId
              ? channelLocationOf(plan.stock, shipment.locationId)
              : undefined;
            const final = !more && i === sent.length - 1;
            await tellTheChannel(flow, { order, channel, shipment, label, location, final });
          }
        }
        labels.push(...sent.map((x) => x.label));
        shippedLines.push(...sent.flatMap((x) => x.shipment.lines));
        if (!more) break;
        await ctx.sleep(`backorder-${round}`, plan.routing!.recheckMs);
      }

      const tracked = await followTracking(flow, { order, plan, labels });
      if (tracked) return cancel(tracked.cancelled);
      if (plan.payment === 'invoice' || plan.payment === 'books-invoice')
        await invoicePaid(flow, { order, plan, invoice });
      return closeDelivered(flow, { order, trackingCode: labels.map((l) => l.trackingCode).join(', ') });
    },
  });
}
