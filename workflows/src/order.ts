import {
  type ActionContext,
  type AnyConnector,
  appendOrderEvent,
  type Connection,
  checkTotals,
  connectionContext,
  defineWorkflow,
  getOrder,
  type Order,
  type OrderStatus,
  orderStatusOf,
  type Parcel,
  type PartnerDocumentRequest,
  type PartnerDocuments,
  PermanentError,
  type PurchasedLabel,
  type ShipAddress,
  type Sql,
  type StepContext,
  type WorkflowContext,
} from '@switchyard/core';
import { chooseRate, type ShippingRules } from '@switchyard/mappings';

/** How an order's money is collected. */
export type PaymentPolicy = 'channel' | 'capture-on-ship' | 'invoice';

/** What the workflow needs to know about an order's connection: who pays how, who ships from where. */
export interface FulfillmentPlan {
  payment: PaymentPolicy;
  /** The Stripe connection (capture-on-ship, invoice). */
  paymentsConnection?: string;
  /** The EasyPost connection. */
  shippingConnection: string;
  shipFrom: ShipAddress;
  rules: ShippingRules;
  /** Parcel weight when the lines carry none, and the box's size. */
  defaultParcel: Parcel;
  /** Net terms of an invoice. */
  invoiceDays?: number;
  /** How long to wait for tracking before the order becomes an exception (default 30 days). */
  trackingTimeoutMs?: number;
  /** How often an order on hold is looked at again (default 15 minutes). */
  holdRecheckMs?: number;
  /** At most this many of the connection's orders started a second (see FulfillmentConfig). */
  startsPerSecond?: number;
}

export interface OrderWorkflowDeps {
  sql: Sql;
  connections: ReadonlyMap<string, Connection>;
  /** The plan for an order's connection; undefined means the hub drives no side effects for it. */
  plan(order: Order): FulfillmentPlan | undefined;
  /**
   * For a B2B partner's connection (X12): the documents it expects. The order is then acknowledged (855)
   * before it ships, and its ship notice (856) and invoice (810) go instead of a fulfillment push.
   */
  documents?(connection: Connection): PartnerDocuments | undefined;
}

/** What arrives for a running order workflow on its `events` topic. */
export type OrderEvent =
  | { kind: 'tracking'; status: string; trackingCode: string; detail?: string }
  | { kind: 'cancel'; reason: string };

export const ORDER_EVENTS_TOPIC = 'events';
export const PAYMENT_TOPIC = 'payment';
export const orderWorkflowId = (orderId: string) => `order:${orderId}`;
/** Why an order cancelled on the channel is undone (its workflow's timeline and exceptions say so). */
export const CANCELLED_ON_CHANNEL = 'cancelled on the channel';

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

const toShipAddress = (order: Order): ShipAddress => {
  const a = order.shippingAddress!;
  return {
    ...(a.name ? { name: a.name } : {}),
    ...(a.company ? { company: a.company } : {}),
    street1: a.line1!,
    ...(a.line2 ? { street2: a.line2 } : {}),
    city: a.city!,
    ...(a.region ? { state: a.region } : {}),
    zip: a.postalCode!,
    country: a.country!,
    ...(a.phone ? { phone: a.phone } : {}),
    ...(a.email ? { email: a.email } : {}),
  };
};

/**
 * The order's life after import, as the business runs it: validate, take payment by the connection's policy,
 * buy the label, capture on ship, tell the channel, follow the parcel to the door. A cancellation from the
 * channel undoes what was done (the label voided, then the money returned); once the carrier has the
 * parcel, or when an undo fails, it is an exception for an operator. Every external call is a named step;
 * its idempotency key is the workflow id and the step's name. Whatever depends on data or config (the order,
 * the plan, the chosen rate) is read inside a step, so a recovery replays the same decisions and a replay
 * after a fix reads the fixed data.
 */
export function orderWorkflow(deps: OrderWorkflowDeps) {
  const connection = (id: string | undefined, what: string) => {
    const found = id ? deps.connections.get(id) : undefined;
    if (!found) throw new PermanentError(`no ${what} connection "${id ?? ''}" configured`);
    return found;
  };
  const actionsOf = (c: Connection) => (c.connector as AnyConnector).actions ?? {};
  const act = (c: Connection, idempotencyKey: string): ActionContext<unknown, unknown> => ({
    ...connectionContext(c),
    idempotencyKey,
    signal: new AbortController().signal,
  });
  const recordIn = (
    s: { idempotencyKey: string },
    orderId: string,
    type: string,
    data: Record<string, unknown>,
  ) => appendOrderEvent(deps.sql, { orderId, type, data, stepKey: s.idempotencyKey });
  /** A timeline event as a step of its own, for what no vendor step precedes (tracking news, closing). */
  const record = (
    ctx: WorkflowContext,
    key: string,
    orderId: string,
    type: string,
    data: Record<string, unknown>,
  ) => ctx.step(`record-${key}`, (s) => recordIn(s, orderId, type, data));

  return defineWorkflow({
    name: 'order',
    async run(ctx, input: { tenantId: string; orderId: string }) {
      const start = await ctx.step('load-order', async () => {
        const found = await getOrder(deps.sql, input.tenantId, input.orderId);
        if (!found) throw new PermanentError(`order ${input.orderId} is not in the store`);
        const plan = deps.plan(found.order);
        if (!plan) return { order: found.order, plan: null, status: null };
        // Cancelled before anything was done: nothing to validate, only the authorization to release.
        const status = await orderStatusOf(deps.sql, input.orderId);
        if (status === 'cancelled') return { order: found.order, plan, status };
        const problems = validateOrder(found.order);
        if (problems.length) {
          throw new PermanentError(
            `order ${found.order.externalNumber ?? found.order.externalId} cannot ship: ${problems.join('; ')}; fix it, then replay`,
          );
        }
        return { order: found.order, plan, status };
      });
      const order = start.order as Order;
      const plan = start.plan as FulfillmentPlan | null;
      if (!plan) return { outcome: 'not-managed' };

      const source = connection(order.source.connectionId, 'channel');
      const payments =
        plan.payment === 'channel' ? undefined : connection(plan.paymentsConnection, 'payments');
      const shipping = connection(plan.shippingConnection, 'shipping');
      const payment = order.payments.find((p) => p.reference?.startsWith('pi_'));
      if (plan.payment === 'capture-on-ship' && !payment) {
        throw new PermanentError(
          `order ${order.externalId} is capture-on-ship but has no Stripe PaymentIntent in its payments`,
        );
      }

      // A cancellation on the channel is caught at the end of each step before an irreversible one: the step
      // does its effect (each is safe to repeat: read first, or an idempotency key), then reads the order's
      // status, and the answer is recorded with the effect. So the next irreversible step is never taken for an
      // order cancelled meanwhile, and an effect once done is never forgotten: a step retried or recovered after
      // its effect repeats the effect's read-first, finds it done, and only then looks at the status. A
      // cancellation that arrives later comes as a signal during the tracking wait.
      const thenCheck = <T>(key: string, body: (s: StepContext) => Promise<T>) =>
        ctx.step(key, async (s) => {
          const value = await body(s);
          return { value, status: await orderStatusOf(deps.sql, order.id) };
        });
      // An order put on hold on the channel (a fraud review, a payment to retry) goes no further until the hold
      // is lifted: its status is read again every `holdRecheckMs` (15 minutes), for up to 14 days. Answers
      // whether it was cancelled meanwhile.
      const stopped = async (after: string, { status }: { status: OrderStatus | null }) => {
        if (status !== 'on_hold') return status === 'cancelled';
        const every = plan.holdRecheckMs ?? 15 * 60_000;
        for (let n = 1; n * every <= 14 * 86_400_000; n++) {
          await ctx.sleep(`hold-after-${after}-${n}`, every);
          const now = await ctx.step(`hold-after-${after}-${n}-check`, () =>
            orderStatusOf(deps.sql, order.id),
          );
          if (now !== 'on_hold') return now === 'cancelled';
        }
        throw new PermanentError(
          `order ${order.externalId} has been on hold for 14 days: release or cancel it on the channel, then replay`,
        );
      };
      let cancelReason = CANCELLED_ON_CHANNEL;
      const undo = (state: Partial<Undo>) =>
        compensate(ctx, { order, plan, payments, payment, reason: cancelReason, ...state });
      if (await stopped('load-order', start)) return undo({});

      const documents = deps.documents?.(source);
      // A partner document is queued under its step's key and recorded on the order's timeline.
      const sendDocument = async (s: StepContext, request: PartnerDocumentRequest) => {
        const sent = await documents!.send(request);
        await recordIn(s, order.id, `edi.${request.kind}.queued`, sent);
        return sent;
      };
      if (documents?.expects('855')) {
        const ack = await thenCheck('edi-855', (s) =>
          sendDocument(s, { kind: '855', order, idempotencyKey: s.idempotencyKey }),
        );
        if (await stopped('edi-855', ack)) return undo({});
      }

      let invoice: string | undefined;
      if (plan.payment === 'invoice') {
        const sent = await thenCheck('send-invoice', (s) =>
          actionsOf(payments!).sendInvoice!(act(payments!, s.idempotencyKey), {
            order,
            workflowId: ctx.workflowId,
            daysUntilDue: plan.invoiceDays ?? 30,
          }),
        );
        invoice = sent.value.externalId;
        if (await stopped('send-invoice', sent)) return undo({ invoice });
      }

      const remaining = order.lines
        .map((l) => ({ line: l, quantity: l.quantity.ordered - l.quantity.fulfilled - l.quantity.cancelled }))
        .filter((x) => x.quantity > 0);
      const weight = remaining.reduce((g, x) => g + (x.line.weightGrams ?? 0) * x.quantity, 0);
      // Creating a shipment costs nothing, so the rate is chosen in the same step: a replay after a fix to the
      // shipping rules asks the carriers again.
      const made = await thenCheck('create-shipment', async (s) => {
        const made = await actionsOf(shipping).createShipment!(act(shipping, s.idempotencyKey), {
          order,
          from: plan.shipFrom,
          to: toShipAddress(order),
          parcel: { ...plan.defaultParcel, ...(weight > 0 ? { weightGrams: weight } : {}) },
          reference: s.idempotencyKey,
        });
        const method = order.shippingLines[0];
        const choice = chooseRate(made.rates, { code: method?.code, title: method?.title }, plan.rules);
        if (!choice.ok) throw new PermanentError(`order ${order.externalId}: ${choice.reason}`);
        return { shipment: { shipmentId: made.shipmentId }, rate: choice.rate };
      });
      const { shipment, rate } = made.value;
      if (await stopped('create-shipment', made)) return undo({ invoice });

      const bought = await thenCheck('buy-label', async (s) => {
        const label = await actionsOf(shipping).buyLabel!(act(shipping, s.idempotencyKey), {
          shipmentId: shipment.shipmentId,
          rateId: rate.rateId,
        });
        await recordIn(s, order.id, 'label.purchased', {
          carrier: label.carrier,
          service: label.service,
          trackingCode: label.trackingCode,
          price: label.price,
        });
        return label;
      });
      const label = bought.value as PurchasedLabel;
      if (await stopped('buy-label', bought)) return undo({ invoice, label, shipping });

      let captured: Order['totals']['total'] | undefined;
      if (plan.payment === 'capture-on-ship') {
        const result = await thenCheck('capture-payment', async (s) => {
          const done = await actionsOf(payments!).capturePayment!(act(payments!, s.idempotencyKey), {
            order,
            paymentId: payment!.reference!,
            amount: payment!.authorized ?? order.totals.total,
          });
          await recordIn(s, order.id, 'payment.captured', { amount: done.captured });
          return done;
        });
        captured = result.value.captured;
        if (await stopped('capture-payment', result)) return undo({ invoice, label, shipping, captured });
      }

      const shipped = remaining.map((x) => ({ lineId: x.line.id, quantity: x.quantity }));
      if (documents) {
        // The partner's ship notice and invoice take the place of a fulfillment pushed to a channel.
        const shippedAt = await ctx.now('shipped-at');
        if (documents.expects('856'))
          await ctx.step('edi-856', (s) =>
            sendDocument(s, {
              kind: '856',
              order,
              idempotencyKey: s.idempotencyKey,
              shipFrom: plan.shipFrom,
              shipment: {
                shipmentId: label.shipmentId,
                trackingCode: label.trackingCode,
                carrier: label.carrier,
                service: label.service,
                shippedAt: shippedAt.toISOString(),
                ...(weight > 0 ? { weightGrams: weight } : {}),
                lines: shipped,
              },
            }),
          );
        if (documents.expects('810'))
          await ctx.step('edi-810', (s) =>
            sendDocument(s, {
              kind: '810',
              order,
              idempotencyKey: s.idempotencyKey,
              lines: shipped,
              invoiceDate: shippedAt.toISOString().slice(0, 10),
            }),
          );
      } else
        await ctx.step('push-fulfillment', (s) =>
          actionsOf(source).pushFulfillment!(act(source, s.idempotencyKey), {
            order,
            fulfillment: {
              id: `ful-${label.shipmentId}`,
              status: 'in_transit',
              lines: shipped,
              carrier: label.carrier,
              service: label.service,
              trackingNumbers: [label.trackingCode],
              trackingUrls: [],
            },
            notifyCustomer: true,
          }),
        );

      // Follow the parcel: each tracking event for this label is recorded; delivered or a delivery failure
      // ends the wait. Once the carrier has scanned it, a cancellation needs a person (intercept or return).
      let scanned = false;
      for (let n = 1; ; n++) {
        const event = await ctx.waitForSignal<OrderEvent>(ORDER_EVENTS_TOPIC, {
          timeoutMs: plan.trackingTimeoutMs ?? 30 * 86_400_000,
        });
        if (!event)
          throw new PermanentError(
            `no tracking news for ${label.trackingCode} in time: check with ${label.carrier}`,
          );
        if (event.kind === 'cancel') {
          cancelReason = event.reason;
          if (!scanned) return undo({ invoice, label, shipping, captured });
          throw withCarrier(order, label, event.reason);
        }
        if (event.trackingCode !== label.trackingCode) continue;
        if (event.status !== 'pre_transit' && event.status !== 'unknown') scanned = true;
        await record(ctx, `tracking-${n}`, order.id, 'shipment.tracking', {
          status: event.status,
          detail: event.detail,
        });
        if (event.status === 'delivered') break;
        if (['failure', 'return_to_sender', 'error'].includes(event.status)) {
          throw new PermanentError(
            `delivery of ${label.trackingCode} failed (${event.status}${event.detail ? `: ${event.detail}` : ''})`,
          );
        }
      }
      if (plan.payment === 'invoice') {
        // A failed attempt is not the end (the customer may pay another way, or Stripe retries): recorded, and
        // the wait goes on until the invoice is paid or overdue.
        const due = (await ctx.now('invoice-wait')).getTime() + ((plan.invoiceDays ?? 30) + 7) * 86_400_000;
        for (let n = 1; ; n++) {
          const left = due - (await ctx.now(`invoice-wait-${n}`)).getTime();
          const event =
            left > 0
              ? await ctx.waitForSignal<{ type: string }>(PAYMENT_TOPIC, { timeoutMs: left })
              : undefined;
          if (!event) throw new PermanentError(`the invoice ${invoice} for ${order.externalId} is overdue`);
          if (event.type === 'invoice.paid') break;
          if (event.type === 'invoice.payment_failed') {
            await record(ctx, `invoice-failed-${n}`, order.id, 'invoice.payment_failed', { invoice });
          }
        }
        await record(ctx, 'paid', order.id, 'invoice.paid', { invoice });
      }
      await record(ctx, 'closed', order.id, 'order.closed', { trackingCode: label.trackingCode });
      return { outcome: 'delivered', trackingCode: label.trackingCode };
    },
  });

  interface Undo {
    order: Order;
    plan: FulfillmentPlan;
    payments: Connection | undefined;
    payment: Order['payments'][number] | undefined;
    reason: string;
    invoice: string | undefined;
    label: PurchasedLabel | undefined;
    shipping: Connection | undefined;
    captured: Order['totals']['total'] | undefined;
  }

  /** A cancellation the carrier's scan came before: nothing more is undone, the order goes to a person. */
  function withCarrier(order: Order, label: PurchasedLabel, reason: string) {
    return new PermanentError(
      `order ${order.externalId} was cancelled on the channel (${reason}) after ${label.carrier} had the parcel (${label.trackingCode}): intercept it or arrange a return, then refund`,
    );
  }

  /**
   * Undoes what was done for a cancelled order: the label voided first (unless the carrier has scanned the
   * parcel, which leaves the order to a person and its money untouched), then the money (a refund of what was
   * captured, or the authorization released). Each undo is a step of its own and is recorded; one that fails
   * does not keep the others from running, and the workflow then fails naming what is left for a person.
   */
  async function compensate(
    ctx: WorkflowContext,
    state: Partial<Undo> & Pick<Undo, 'order' | 'plan' | 'reason'>,
  ) {
    const { order, payments, payment, label, shipping, captured, invoice } = state;
    const left: string[] = [];
    const attempt = async (what: string, run: () => Promise<unknown>) => {
      try {
        await run();
      } catch (error) {
        left.push(`${what}: ${(error as Error).message}`);
      }
    };
    // The label first: a parcel the carrier has already scanned is on its way, and its money stays until a
    // person has intercepted it or arranged a return.
    let scanned = false;
    if (label && shipping) {
      await attempt('void the label', async () => {
        const voided = await ctx.step('void-label', async (s) => {
          const answer = await actionsOf(shipping).voidLabel!(act(shipping, s.idempotencyKey), {
            shipmentId: label.shipmentId,
          });
          if (answer.status !== 'with-carrier') {
            await recordIn(s, order.id, 'label.voided', { trackingCode: label.trackingCode, ...answer });
          }
          return answer;
        });
        scanned = voided.status === 'with-carrier';
      });
    }
    if (scanned && label) throw withCarrier(order, label, state.reason);
    if (payments && payment?.reference && state.plan.payment === 'capture-on-ship') {
      if (captured) {
        await attempt('refund the capture', async () => {
          await ctx.step('refund-payment', async (s) => {
            await actionsOf(payments).refundPayment!(act(payments, s.idempotencyKey), {
              order,
              paymentId: payment.reference!,
              amount: captured,
              reason: state.reason,
            });
            await recordIn(s, order.id, 'payment.refunded', { amount: captured });
          });
        });
      } else {
        await attempt('release the authorization', async () => {
          await ctx.step('void-payment', async (s) => {
            await actionsOf(payments).cancelPayment!(act(payments, s.idempotencyKey), {
              order,
              paymentId: payment.reference!,
              reason: state.reason,
            });
            await recordIn(s, order.id, 'payment.voided', {});
          });
        });
      }
    }
    if (invoice) left.push(`void invoice ${invoice} in Stripe (sent before the cancellation)`);
    await record(ctx, 'cancelled', order.id, 'order.cancelled', {
      reason: state.reason,
      ...(left.length ? { left } : {}),
    });
    if (left.length) {
      throw new PermanentError(
        `order ${order.externalId} was cancelled (${state.reason}); left for a person: ${left.join('; ')}`,
      );
    }
    return { outcome: 'cancelled' };
  }
}
