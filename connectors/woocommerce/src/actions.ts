import {
  type ActionContext,
  type ActionResult,
  actionReference,
  type ConnectorActions,
  formatMoney,
  type Order,
} from '@switchyard/core';
import { wooClient } from './client.ts';
import type { Secrets, Settings } from './settings.ts';

type Context = ActionContext<Settings, Secrets>;
type Shop = ReturnType<typeof wooClient>;

/** A note written once per step: found again by its reference on a retry. */
async function noteOnce(
  api: Shop,
  context: Context,
  orderId: string,
  text: string,
  customerNote: boolean,
): Promise<string> {
  const ref = actionReference(context.idempotencyKey);
  const notes = await api.json<{ id: number; note: string }[]>('GET', `orders/${orderId}/notes`, {
    query: { per_page: 100 },
    signal: context.signal,
    what: `order ${orderId} notes`,
  });
  const existing = notes.find((n) => n.note.includes(`(ref ${ref})`));
  if (existing) return String(existing.id);
  const created = await api.json<{ id: number }>('POST', `orders/${orderId}/notes`, {
    json: { note: `${text} (ref ${ref})`, customer_note: customerNote },
    signal: context.signal,
    what: `order ${orderId} note`,
  });
  return String(created.id);
}

/** Sets the order's status: a PUT of the same status again changes nothing, so a retry is harmless. */
async function setStatus(api: Shop, context: Context, orderId: string, status: string, what: string) {
  await api.json('PUT', `orders/${orderId}`, {
    json: { status },
    signal: context.signal,
    what: `order ${orderId} ${what}`,
  });
}

/** Tracking numbers, each with its URL when there is one. */
const trackingList = (f: Order['fulfillments'][number]) =>
  f.trackingNumbers.map((n, i) => (f.trackingUrls[i] ? `${n} (${f.trackingUrls[i]})` : n));

export const actions: ConnectorActions<Settings, Secrets> = {
  /** Tells the customer how the order ships (a customer note with carrier and tracking) and completes it. */
  async pushFulfillment(context, { order, fulfillment, notifyCustomer }): Promise<ActionResult> {
    const tracking = trackingList(fulfillment);
    const text = `Your order has shipped${fulfillment.carrier ? ` with ${fulfillment.carrier}` : ''}${tracking.length ? `, tracking ${tracking.join(', ')}` : ''}.`;
    const api = wooClient(context);
    const noteId = await noteOnce(api, context, order.externalId, text, notifyCustomer);
    await setStatus(api, context, order.externalId, 'completed', 'completion');
    return { externalId: noteId };
  },

  /** Tells the customer the new tracking in another note (once per step). */
  async updateTracking(context, { order, fulfillment, notifyCustomer }): Promise<ActionResult> {
    const tracking = trackingList(fulfillment);
    const text = `Tracking for your order has changed${fulfillment.carrier ? `: ${fulfillment.carrier}` : ''}${tracking.length ? `, ${tracking.join(', ')}` : ''}.`;
    const noteId = await noteOnce(wooClient(context), context, order.externalId, text, notifyCustomer);
    return { externalId: noteId };
  },

  /** WooCommerce orders have no tags: tags and note go into one private order note, once per step. */
  async annotateOrder(context, { order, tags, note }): Promise<ActionResult> {
    const text = [tags.length ? `Tags: ${tags.join(', ')}.` : '', note ?? ''].filter(Boolean).join(' ');
    if (!text) return {};
    const noteId = await noteOnce(wooClient(context), context, order.externalId, text, false);
    return { externalId: noteId };
  },

  /** Cancels the order in WooCommerce (idempotent) and records why in a private note. */
  async cancelOrder(context, { order, reason: why }): Promise<ActionResult> {
    const api = wooClient(context);
    await setStatus(api, context, order.externalId, 'cancelled', 'cancellation');
    const noteId = await noteOnce(api, context, order.externalId, `Cancelled by the hub: ${why}`, false);
    return { externalId: noteId };
  },

  /** Creates a refund record once (found again by its reference on a retry); money goes back through the gateway only if Woo is set to. */
  async refundOrder(context, { order, amount, reason: why, lines }): Promise<ActionResult> {
    const api = wooClient(context);
    const ref = actionReference(context.idempotencyKey);
    const existing = await api.json<{ id: number; reason: string }[]>(
      'GET',
      `orders/${order.externalId}/refunds`,
      { query: { per_page: 100 }, signal: context.signal, what: `order ${order.externalId} refunds` },
    );
    const found = existing.find((r) => r.reason.includes(`(ref ${ref})`));
    if (found) return { externalId: String(found.id) };
    const created = await api.json<{ id: number }>('POST', `orders/${order.externalId}/refunds`, {
      json: {
        amount: formatMoney(amount),
        reason: `${why} (ref ${ref})`,
        api_refund: false,
        line_items: lines.map((l) => ({ id: Number(l.lineId), quantity: l.quantity, refund_total: 0 })),
      },
      signal: context.signal,
      what: `order ${order.externalId} refund`,
    });
    return { externalId: String(created.id) };
  },
};
