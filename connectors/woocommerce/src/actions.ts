import {
  type ActionContext,
  type ActionResult,
  actionReference,
  type ConnectorActions,
  formatMoney,
  type Order,
} from '@switchyard/core';
import { type ApiSecrets, type ApiSettings, client, send } from './api.ts';

type Context = ActionContext<ApiSettings, ApiSecrets & { webhookSecret: string }>;

/** One client per action call (a context is one step's run), shared by the calls it makes. */
const clients = new WeakMap<Context, ReturnType<typeof client>>();

/** A call of the action within the connection's request budget, retried, failing in plain words. */
async function call<T>(
  context: Context,
  what: string,
  run: (api: ReturnType<typeof client>) => Promise<{ data: T }>,
): Promise<T> {
  let api = clients.get(context);
  if (!api) {
    api = client(context.settings, context.secrets, context.signal);
    clients.set(context, api);
  }
  const ready = api;
  const response = await send(context.connectionId, context.settings, context.signal, what, () => run(ready));
  return response.data;
}

async function noteOnce(
  context: Context,
  orderId: string,
  text: string,
  customerNote: boolean,
): Promise<string> {
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

/** Tracking numbers, each with its URL when there is one. */
const trackingList = (f: Order['fulfillments'][number]) =>
  f.trackingNumbers.map((n, i) => (f.trackingUrls[i] ? `${n} (${f.trackingUrls[i]})` : n));

export const actions: ConnectorActions<Context['settings'], Context['secrets']> = {
  /** Tells the customer how the order ships (a customer note with carrier and tracking) and completes it. */
  async pushFulfillment(context, { order, fulfillment, notifyCustomer }): Promise<ActionResult> {
    const tracking = trackingList(fulfillment);
    const text = `Your order has shipped${fulfillment.carrier ? ` with ${fulfillment.carrier}` : ''}${tracking.length ? `, tracking ${tracking.join(', ')}` : ''}.`;
    const noteId = await noteOnce(context, order.externalId, text, notifyCustomer);
    await call(context, `order ${order.externalId} completion`, (api) =>
      api.put(`orders/${order.externalId}`, { status: 'completed' }),
    );
    return { externalId: noteId };
  },

  /** Tells the customer the new tracking in another note (once per step). */
  async updateTracking(context, { order, fulfillment, notifyCustomer }): Promise<ActionResult> {
    const tracking = trackingList(fulfillment);
    const text = `Tracking for your order has changed${fulfillment.carrier ? `: ${fulfillment.carrier}` : ''}${tracking.length ? `, ${tracking.join(', ')}` : ''}.`;
    const noteId = await noteOnce(context, order.externalId, text, notifyCustomer);
    return { externalId: noteId };
  },

  /** WooCommerce orders have no tags: tags and note go into one private order note, once per step. */
  async annotateOrder(context, { order, tags, note }): Promise<ActionResult> {
    const text = [tags.length ? `Tags: ${tags.join(', ')}.` : '', note ?? ''].filter(Boolean).join(' ');
    if (!text) return {};
    const noteId = await noteOnce(context, order.externalId, text, false);
    return { externalId: noteId };
  },

  /** Cancels the order in WooCommerce (idempotent) and records why in a private note. */
  async cancelOrder(context, { order, reason: why }): Promise<ActionResult> {
    await call(context, `order ${order.externalId} cancellation`, (api) =>
      api.put(`orders/${order.externalId}`, { status: 'cancelled' }),
    );
    const noteId = await noteOnce(context, order.externalId, `Cancelled by the hub: ${why}`, false);
    return { externalId: noteId };
  },

  /** Creates a refund record once (found again by its reference on a retry); money goes back through the gateway only if Woo is set to. */
  async refundOrder(context, { order, amount, reason: why, lines }): Promise<ActionResult> {
    const ref = actionReference(context.idempotencyKey);
    const existing = await call<{ id: number; reason: string }[]>(
      context,
      `order ${order.externalId} refunds`,
      (api) => api.get(`orders/${order.externalId}/refunds`, { per_page: 100 }),
    );
    const found = existing.find((r) => r.reason.includes(`(ref ${ref})`));
    if (found) return { externalId: String(found.id) };
    const created = await call<{ id: number }>(context, `order ${order.externalId} refund`, (api) =>
      api.post(`orders/${order.externalId}/refunds`, {
        amount: formatMoney(amount),
        reason: `${why} (ref ${ref})`,
        api_refund: false,
        line_items: lines.map((l) => ({ id: Number(l.lineId), quantity: l.quantity, refund_total: 0 })),
      }),
    );
    return { externalId: String(created.id) };
  },
};
