import {
  type ActionContext,
  type ActionResult,
  actionReference,
  type ConnectorActions,
  formatMoney,
  type Order,
  withRetries,
} from '@switchyard/core';
import { type ApiSecrets, type ApiSettings, classify, client, reason } from './api.ts';

type Context = ActionContext<ApiSettings & { siteUrl: string }, ApiSecrets & { webhookSecret: string }>;

async function call<T>(
  context: Context,
  what: string,
  run: (api: ReturnType<typeof client>) => Promise<{ data: T }>,
): Promise<T> {
  const api = client(context.settings, context.secrets, context.signal);
  try {
    const response = await withRetries(() => run(api), classify, { signal: context.signal });
    return response.data;
  } catch (error) {
    throw reason(error, what);
  }
}

async function noteOnce(
  context: Context,
  orderId: string,
  text: string,
  customerNote: boolean,
): Promise<string | undefined> {
  const ref = actionReference(context.idempotencyKey);
  const notes = await call<{ id: number; note: string }[]>(context, `order ${orderId} notes`, (api) =>
    api.get(`orders/${orderId}/notes`, { per_page: 100 }),
  );
  const existing = notes.find((n) => n.note.includes(`(ref ${ref})`));
  if (existing) return String(existing.id);
  const created = await call<{ id: number }>(context, `order ${orderId} note`, (api) =>
    api.post(`orders/${orderId}/notes`, { note: `${text} (ref ${ref})`, customer_note: customerNote }),
  );
  return String(created.id);
}

const orderIdOf = (order: Order) => order.externalId;

export const actions: ConnectorActions<Context['settings'], Context['secrets']> = {
  /** Tells the customer how the order ships (a customer note with carrier and tracking) and completes it. */
  async pushFulfillment(context, { order, fulfillment, notifyCustomer }): Promise<ActionResult> {
    const tracking = fulfillment.trackingNumbers.map((n, i) =>
      fulfillment.trackingUrls[i] ? `${n} (${fulfillment.trackingUrls[i]})` : n,
    );
    const text = `Your order has shipped${fulfillment.carrier ? ` with ${fulfillment.carrier}` : ''}${tracking.length ? `, tracking ${tracking.join(', ')}` : ''}.`;
    const noteId = await noteOnce(context as Context, orderIdOf(order), text, notifyCustomer);
    await call(context as Context, `order ${order.externalId} completion`, (api) =>
      api.put(`orders/${orderIdOf(order)}`, { status: 'completed' }),
    );
    return noteId ? { externalId: noteId } : {};
  },

  /** Tells the customer the new tracking in another note (once per step). */
  async updateTracking(context, { order, fulfillment, notifyCustomer }): Promise<ActionResult> {
    const tracking = fulfillment.trackingNumbers.map((n, i) =>
      fulfillment.trackingUrls[i] ? `${n} (${fulfillment.trackingUrls[i]})` : n,
    );
    const text = `Tracking for your order has changed${fulfillment.carrier ? `: ${fulfillment.carrier}` : ''}${tracking.length ? `, ${tracking.join(', ')}` : ''}.`;
    const noteId = await noteOnce(context as Context, orderIdOf(order), text, notifyCustomer);
    return noteId ? { externalId: noteId } : {};
  },

  /** WooCommerce orders have no tags: tags and note go into one private order note, once per step. */
  async annotateOrder(context, { order, tags, note }): Promise<ActionResult> {
    const text = [tags.length ? `Tags: ${tags.join(', ')}.` : '', note ?? ''].filter(Boolean).join(' ');
    if (!text) return {};
    const noteId = await noteOnce(context as Context, orderIdOf(order), text, false);
    return noteId ? { externalId: noteId } : {};
  },

  /** Cancels the order in WooCommerce (idempotent) and records why in a private note. */
  async cancelOrder(context, { order, reason: why }): Promise<ActionResult> {
    await call(context as Context, `order ${order.externalId} cancellation`, (api) =>
      api.put(`orders/${orderIdOf(order)}`, { status: 'cancelled' }),
    );
    const noteId = await noteOnce(
      context as Context,
      orderIdOf(order),
      `Cancelled by the hub: ${why}`,
      false,
    );
    return noteId ? { externalId: noteId } : {};
  },

  /** Creates a refund record once (found again by its reference on a retry); money goes back through the gateway only if Woo is set to. */
  async refundOrder(context, { order, amount, reason: why, lines }): Promise<ActionResult> {
    const ref = actionReference(context.idempotencyKey);
    const existing = await call<{ id: number; reason: string }[]>(
      context as Context,
      `order ${order.externalId} refunds`,
      (api) => api.get(`orders/${orderIdOf(order)}/refunds`, { per_page: 100 }),
    );
    const found = existing.find((r) => r.reason.includes(`(ref ${ref})`));
    if (found) return { externalId: String(found.id) };
    const created = await call<{ id: number }>(
      context as Context,
      `order ${order.externalId} refund`,
      (api) =>
        api.post(`orders/${orderIdOf(order)}/refunds`, {
          amount: formatMoney(amount),
          reason: `${why} (ref ${ref})`,
          api_refund: false,
          line_items: lines.map((l) => ({ id: Number(l.lineId), quantity: l.quantity, refund_total: 0 })),
        }),
    );
    return { externalId: String(created.id) };
  },
};
