import {
  type Order,
  type OrderStatus,
  orderStatusOf,
  PermanentError,
  type PurchasedLabel,
} from '@switchyard/core';
import type { FulfillmentPlan } from '../plan.ts';
import { ORDER_EVENTS_TOPIC, type OrderEvent, PAYMENT_TOPIC } from './events.ts';
import type { Flow } from './step.ts';
import { withCarrier } from './steps/buy-label.ts';
import { recordTracking } from './steps/follow-tracking.ts';
import { recordOnTimeline } from './steps/timeline.ts';

const DAY = 86_400_000;

/**
 * Whether the order goes on after the step `after`, by the status that step read: not when it was cancelled.
 * An order put on hold on the channel (a fraud review, a payment to retry) goes no further until the hold is
 * lifted: its status is read again every `holdRecheckMs` (15 minutes, durable sleeps), for up to 14 days,
 * then it fails for a person.
 */
export async function goesOn(
  { ctx, deps }: Flow,
  {
    order,
    plan,
    after,
    status,
  }: { order: Order; plan: FulfillmentPlan; after: string; status: OrderStatus | null },
): Promise<boolean> {
  if (status !== 'on_hold') return status !== 'cancelled';
  const every = plan.holdRecheckMs ?? 15 * 60_000;
  for (let n = 1; n * every <= 14 * DAY; n++) {
    await ctx.sleep(`hold-after-${after}-${n}`, every);
    const now = await ctx.step(`hold-after-${after}-${n}-check`, () => orderStatusOf(deps.sql, order.id));
    if (now !== 'on_hold') return now !== 'cancelled';
  }
  throw new PermanentError(
    `order ${order.externalId} has been on hold for 14 days: release or cancel it on the channel, then replay`,
  );
}

/**
 * Follows the parcels: each tracking event for one of the labels is recorded; every label delivered ends the
 * wait, a delivery failure or no news in time (30 days) fails it for a person. A cancellation before the
 * carrier's first scan is answered with its reason (the order is then undone); after it, it is a person's
 * (intercept or return).
 */
export async function followTracking(
  flow: Flow,
  { order, plan, labels }: { order: Order; plan: FulfillmentPlan; labels: PurchasedLabel[] },
): Promise<{ cancelled: string } | undefined> {
  const scanned = new Set<string>();
  const delivered = new Set<string>();
  for (let n = 1; ; n++) {
    const event = await flow.ctx.waitForSignal<OrderEvent>(ORDER_EVENTS_TOPIC, {
      timeoutMs: plan.trackingTimeoutMs ?? 30 * DAY,
    });
    const waiting = labels.filter((l) => !delivered.has(l.trackingCode));
    if (!event) {
      throw new PermanentError(
        `no tracking news for ${waiting.map((l) => l.trackingCode).join(', ')} in time: check with ${[...new Set(waiting.map((l) => l.carrier))].join(', ')}`,
      );
    }
    if (event.kind === 'cancel') {
      const first = labels.find((l) => scanned.has(l.trackingCode));
      if (!first) return { cancelled: event.reason };
      throw withCarrier(order, first, event.reason);
    }
    const label = labels.find((l) => l.trackingCode === event.trackingCode);
    if (!label) continue;
    if (event.status !== 'pre_transit' && event.status !== 'unknown') scanned.add(label.trackingCode);
    await recordTracking(flow, { orderId: order.id, n, event });
    if (event.status === 'delivered') {
      delivered.add(label.trackingCode);
      if (delivered.size === labels.length) return undefined;
      continue;
    }
    if (['failure', 'return_to_sender', 'error'].includes(event.status)) {
      throw new PermanentError(
        `delivery of ${label.trackingCode} failed (${event.status}${event.detail ? `: ${event.detail}` : ''})`,
      );
    }
  }
}

/**
 * An order on terms, delivered, waits for its invoice to be paid. A failed attempt is not the end (the customer
 * may pay another way, or Stripe retries): recorded, and the wait goes on until the invoice is paid or a week
 * past due, when it fails for a person.
 */
export async function invoicePaid(
  flow: Flow,
  { order, plan, invoice }: { order: Order; plan: FulfillmentPlan; invoice: string | undefined },
) {
  const { ctx } = flow;
  // An invoice in the books is due by the order's own terms; the hub's Stripe invoice by the plan's.
  const netDays =
    (plan.payment === 'books-invoice' ? order.b2b?.paymentTerms?.netDays : undefined) ??
    plan.invoiceDays ??
    30;
  const due = (await ctx.now('invoice-wait')).getTime() + (netDays + 7) * DAY;
  for (let n = 1; ; n++) {
    const left = due - (await ctx.now(`invoice-wait-${n}`)).getTime();
    const event =
      left > 0 ? await ctx.waitForSignal<{ type: string }>(PAYMENT_TOPIC, { timeoutMs: left }) : undefined;
    if (!event)
      throw new PermanentError(
        `the invoice ${invoice ?? 'in the books'} for ${order.externalId} is overdue: see that it is paid, or record the payment in the books`,
      );
    if (event.type === 'invoice.paid') break;
    if (event.type === 'invoice.payment_failed') {
      await recordOnTimeline(flow, {
        key: `invoice-failed-${n}`,
        orderId: order.id,
        type: 'invoice.payment_failed',
        data: { invoice },
      });
    }
  }
  await recordOnTimeline(flow, { key: 'paid', orderId: order.id, type: 'invoice.paid', data: { invoice } });
}
