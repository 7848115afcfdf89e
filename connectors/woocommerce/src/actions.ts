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
import { pushStock } from './stock.ts';

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

/** What a parcel holds, in the words of the order's lines: "2 × Cap (SKU CAP-1), 1 × Scarf". */
function parcelItems(order: Order, fulfillment: Order['fulfillments'][number]): string {
  return fulfillment.lines
    .map(({ lineId, quantity }) => {
      const line = (order.lines ?? []).find((l) => l.id === lineId || l.externalId === lineId);
      const name = line ? `${line.title}${line.sku ? ` (SKU ${line.sku})` : ''}` : `item ${lineId}`;
      return `${quantity} × ${name}`;
    })
    .join(', ');
}

/**
 * The customer's note for a shipment. A whole order in one parcel reads as it always did; a parcel of a split
 * order (more follow, or others went before) names what it holds, so the customer can tell the parcels apart.
 */
function shipmentNote(order: Order, fulfillment: Order['fulfillments'][number], final: boolean): string {
  const tracking = trackingList(fulfillment);
  const how = `${fulfillment.carrier ? ` with ${fulfillment.carrier}` : ''}${tracking.length ? `, tracking ${tracking.join(', ')}` : ''}`;
  const earlier = (order.fulfillments ?? []).some((f) => f.id !== fulfillment.id && f.status !== 'cancelled');
  if (final && !earlier) return `Your order has shipped${how}.`;
  const items = fulfillment.lines.length ? `: ${parcelItems(order, fulfillment)}` : '';
  return final
    ? `The last part of your order has shipped${how}${items}.`
    : `Part of your order has shipped${how}${items}. The rest follows in another parcel.`;
}

export const actions: ConnectorActions<Settings, Secrets> = {
  /**
   * Tells the customer how the shipment travels (a customer note with carrier, tracking and, for a split order,
   * the parcel's items) and, when it is the order's last (`final`, the default), completes the order.
   */
  async pushFulfillment(
    context,
    { order, fulfillment, notifyCustomer, final = true },
  ): Promise<ActionResult> {
    const api = wooClient(context);
    const text = shipmentNote(order, fulfillment, final);
    const noteId = await noteOnce(api, context, order.externalId, text, notifyCustomer);
    if (final) await setStatus(api, context, order.externalId, 'completed', 'completion');
    return { externalId: noteId };
  },

  /** Sets each SKU's stock on its product or variation (stock.ts). */
  pushStock,

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
