import { type ActionResult, actionReference, type ConnectorActions, formatMoney } from '@switchyard/core';
import { gid, graphql, type UserErrors, userErrors } from './action-call.ts';
import { pushFulfillment } from './fulfillment.ts';
import type { Secrets, Settings } from './settings.ts';
import { pushStock } from './stock.ts';

const CANCEL_STATE = `query SwitchyardCancelState($id: ID!) { order(id: $id) { cancelledAt } }`;

const TRACKING = `mutation SwitchyardTracking($fulfillmentId: ID!, $trackingInfoInput: FulfillmentTrackingInput!, $notifyCustomer: Boolean) {
  fulfillmentTrackingInfoUpdate(fulfillmentId: $fulfillmentId, trackingInfoInput: $trackingInfoInput, notifyCustomer: $notifyCustomer) {
    fulfillment { id } userErrors { field message }
  }
}`;

const CANCEL = `mutation SwitchyardCancel($orderId: ID!, $staffNote: String) {
  orderCancel(orderId: $orderId, reason: OTHER, refund: false, restock: true, notifyCustomer: false, staffNote: $staffNote) {
    job { id } orderCancelUserErrors { field message code }
  }
}`;

const TRANSACTIONS = `query SwitchyardTransactions($id: ID!) {
  order(id: $id) { transactions(first: 20) { id kind status gateway } }
}`;

const REFUND = `mutation SwitchyardRefund($input: RefundInput!, $key: String!) {
  refundCreate(input: $input) @idempotent(key: $key) { refund { id } userErrors { field message } }
}`;

const ANNOTATIONS = `query SwitchyardAnnotations($id: ID!) { order(id: $id) { note tags } }`;

const TAGS_ADD = `mutation SwitchyardTagsAdd($id: ID!, $tags: [String!]!) {
  tagsAdd(id: $id, tags: $tags) { node { id } userErrors { field message } }
}`;

const NOTE = `mutation SwitchyardNote($input: OrderInput!) {
  orderUpdate(input: $input) { order { id } userErrors { field message } }
}`;

/** Shopify caps the order note at 5,000 characters: the oldest lines give way to the newest. */
const NOTE_LIMIT = 5000;

/** Write-back through the GraphQL Admin API; each action safe to repeat under the same idempotency key. */
export const shopifyActions: ConnectorActions<Settings, Secrets> = {
  /** Fulfillment with carrier and tracking, the lines moved to the shipment's location first (fulfillment.ts). */
  pushFulfillment,

  /** Stock figures set per location with compare-and-set (stock.ts). */
  pushStock,

  /** Sets the fulfillment's tracking (carrier, numbers, URLs): the same call twice leaves the same state. */
  async updateTracking(context, { order, fulfillment, notifyCustomer }): Promise<ActionResult> {
    if (!fulfillment.externalId)
      throw new Error(`fulfillment ${fulfillment.id} of order ${order.externalId} has no Shopify id yet`);
    const fulfillmentId = gid('Fulfillment', fulfillment.externalId);
    const result = await graphql<{
      fulfillmentTrackingInfoUpdate: {
        fulfillment: { id: string } | null;
        userErrors: UserErrors;
      };
    }>(context, `tracking of order ${order.externalId}`, TRACKING, {
      fulfillmentId,
      trackingInfoInput: {
        ...(fulfillment.carrier ? { company: fulfillment.carrier } : {}),
        numbers: fulfillment.trackingNumbers,
        urls: fulfillment.trackingUrls,
      },
      notifyCustomer,
    });
    userErrors(`the tracking of order ${order.externalId}`, result.fulfillmentTrackingInfoUpdate.userErrors);
    return { externalId: fulfillmentId };
  },

  /** Cancels the order (restocking, no refund: money is the payment workflow's); an already cancelled order is done. */
  async cancelOrder(context, { order, reason }): Promise<ActionResult> {
    const orderId = gid('Order', order.externalId);
    const state = await graphql<{ order: { cancelledAt: string | null } | null }>(
      context,
      `order ${order.externalId}`,
      CANCEL_STATE,
      { id: orderId },
    );
    if (state.order?.cancelledAt) return {};
    const result = await graphql<{
      orderCancel: {
        job: { id: string } | null;
        orderCancelUserErrors: UserErrors;
      };
    }>(
      context,
      `cancellation of order ${order.externalId}`,
      CANCEL,
      {
        orderId,
        staffNote: `Cancelled by the hub: ${reason}`,
      },
      // After a lost answer the step runs again, and finds the order cancelled.
      { idempotent: false },
    );
    userErrors(`the cancellation of order ${order.externalId}`, result.orderCancel.orderCancelUserErrors);
    return result.orderCancel.job ? { externalId: result.orderCancel.job.id } : {};
  },

  /**
   * Adds tags (tagsAdd leaves tags already there alone, so a retry changes nothing) and appends a line to the
   * order's note carrying the step's reference, skipped when the note already has it. The note is read then
   * written: an edit by staff in the same instant can be lost, which Shopify offers no way to prevent.
   */
  async annotateOrder(context, { order, tags, note }): Promise<ActionResult> {
    const id = gid('Order', order.externalId);
    const { order: current } = await graphql<{ order: { note: string | null; tags: string[] } | null }>(
      context,
      `notes of order ${order.externalId}`,
      ANNOTATIONS,
      { id },
    );
    if (!current) throw new Error(`Shopify has no order ${order.externalId}`);
    const missing = tags.filter((t) => !current.tags.includes(t));
    if (missing.length) {
      const added = await graphql<{ tagsAdd: { userErrors: UserErrors } }>(
        context,
        `tags of order ${order.externalId}`,
        TAGS_ADD,
        { id, tags: missing },
      );
      userErrors(`the tags of order ${order.externalId}`, added.tagsAdd.userErrors);
    }
    const ref = actionReference(context.idempotencyKey);
    if (note && !current.note?.includes(`(ref ${ref})`)) {
      const line = `${note} (ref ${ref})`;
      let text = current.note ? `${current.note}\n${line}` : line;
      while (text.length > NOTE_LIMIT && text.includes('\n')) text = text.slice(text.indexOf('\n') + 1);
      const updated = await graphql<{
        orderUpdate: { userErrors: UserErrors };
      }>(context, `note of order ${order.externalId}`, NOTE, {
        input: { id, note: text.slice(-NOTE_LIMIT) },
      });
      userErrors(`the note of order ${order.externalId}`, updated.orderUpdate.userErrors);
    }
    return { externalId: id };
  },

  /** Refunds through refundCreate with Shopify's own idempotency key (required from 2026-04). */
  async refundOrder(context, { order, amount, reason, lines }): Promise<ActionResult> {
    const orderId = gid('Order', order.externalId);
    const { order: found } = await graphql<{
      order: { transactions: { id: string; kind: string; status: string; gateway: string }[] } | null;
    }>(context, `transactions of order ${order.externalId}`, TRANSACTIONS, { id: orderId });
    const parent = found?.transactions.find(
      (t) => ['SALE', 'CAPTURE'].includes(t.kind) && t.status === 'SUCCESS',
    );
    if (!parent)
      throw new Error(
        `Shopify order ${order.externalId} has no successful sale or capture to refund against`,
      );
    const result = await graphql<{
      refundCreate: { refund: { id: string } | null; userErrors: UserErrors };
    }>(context, `refund of order ${order.externalId}`, REFUND, {
      key: context.idempotencyKey,
      input: {
        orderId,
        note: reason,
        refundLineItems: lines.map((l) => ({
          lineItemId: gid('LineItem', l.lineId),
          quantity: l.quantity,
          restockType: 'RETURN',
        })),
        transactions: [
          {
            orderId,
            parentId: parent.id,
            gateway: parent.gateway,
            kind: 'REFUND',
            amount: formatMoney(amount),
          },
        ],
      },
    });
    userErrors(`the refund of order ${order.externalId}`, result.refundCreate.userErrors);
    const refund = result.refundCreate.refund;
    if (!refund)
      throw new Error(`Shopify created no refund for order ${order.externalId} and said nothing why`);
    return { externalId: refund.id };
  },
};
