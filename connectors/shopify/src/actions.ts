import {
  type ActionContext,
  type ActionResult,
  actionReference,
  type ConnectorActions,
  formatMoney,
} from '@switchyard/core';
import { type CallOptions, type ShopifyClient, shopifyClient } from './client.ts';
import { gidNumber } from './json.ts';
import type { Secrets, Settings } from './settings.ts';

type Context = ActionContext<Settings, Secrets>;

const gid = (kind: string, id: string) => (id.startsWith('gid://') ? id : `gid://shopify/${kind}/${id}`);

/** One client per action call (a context is one step's run), shared by the calls it makes. */
const clients = new WeakMap<object, ShopifyClient>();

/** Runs one GraphQL call for write-back (or the subscriptions); refusals become plain errors. */
export async function graphql<T>(
  context: Pick<Context, 'settings' | 'secrets' | 'signal'> & Partial<Pick<Context, 'connectionId'>>,
  what: string,
  query: string,
  variables: object,
  options: Omit<CallOptions, 'signal'> = {},
): Promise<T> {
  if (!context.secrets.accessToken) {
    throw new Error(
      'writing to Shopify needs secrets.accessToken (an Admin API token with write_orders and write_fulfillments)',
    );
  }
  let client = clients.get(context);
  if (!client) {
    client = shopifyClient(
      context.settings,
      context.secrets.accessToken,
      'write_orders and write_fulfillments',
      context.connectionId,
    );
    clients.set(context, client);
  }
  return client.graphql<T>(what, query, variables, { ...options, signal: context.signal });
}

/** The userErrors list of a GraphQL mutation's payload. */
export type UserErrors = { field?: string[] | null; message: string }[];

/** Throws Shopify's refusal of a mutation in words, the fields named. */
export function userErrors(what: string, errors: UserErrors | undefined) {
  if (errors?.length)
    throw new Error(
      `Shopify refused ${what}: ${errors.map((e) => `${e.field?.join('.') ?? ''} ${e.message}`.trim()).join('; ')}`,
    );
}

// Sized to stay under Shopify's 1,000-point limit for one query (about 560 points by its published cost rules): 5 fulfillment orders
// (one per location) of up to 50 lines each. An order beyond that is named in the error when a line is not found.
const FULFILLMENT_STATE = `query SwitchyardFulfillmentState($id: ID!) {
  order(id: $id) {
    cancelledAt
    fulfillments(first: 20) { id trackingInfo(first: 5) { number } }
    fulfillmentOrders(first: 5) { pageInfo { hasNextPage } nodes { id status
      lineItems(first: 50) { pageInfo { hasNextPage } nodes { id remainingQuantity lineItem { id } } } } }
  }
}`;

const CANCEL_STATE = `query SwitchyardCancelState($id: ID!) { order(id: $id) { cancelledAt } }`;

const FULFILL = `mutation SwitchyardFulfill($fulfillment: FulfillmentInput!) {
  fulfillmentCreate(fulfillment: $fulfillment) { fulfillment { id } userErrors { field message } }
}`;

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

interface FulfillmentState {
  order: {
    cancelledAt: string | null;
    fulfillments: { id: string; trackingInfo: { number: string }[] }[];
    fulfillmentOrders: {
      pageInfo?: { hasNextPage: boolean };
      nodes: {
        id: string;
        status: string;
        lineItems: {
          pageInfo?: { hasNextPage: boolean };
          nodes: { id: string; remainingQuantity: number; lineItem: { id: string } }[];
        };
      }[];
    };
  } | null;
}

function orderState(context: Pick<Context, 'settings' | 'secrets' | 'signal'>, externalId: string) {
  return graphql<FulfillmentState>(context, `order ${externalId}`, FULFILLMENT_STATE, {
    id: gid('Order', externalId),
  });
}

/** Write-back through the GraphQL Admin API; each action safe to repeat under the same idempotency key. */
export const shopifyActions: ConnectorActions<Settings, Secrets> = {
  /**
   * Fulfills the order's lines on its fulfillment orders, with carrier and tracking. fulfillmentCreate has
   * no idempotency key: a fulfillment already carrying these tracking numbers means a retry, and is returned.
   */
  async pushFulfillment(context, { order, fulfillment, notifyCustomer }): Promise<ActionResult> {
    const state = await orderState(context, order.externalId);
    if (!state.order) throw new Error(`Shopify has no order ${order.externalId}`);
    const numbers = fulfillment.trackingNumbers;
    const earlier = state.order.fulfillments.find(
      (f) => numbers.length > 0 && numbers.every((n) => f.trackingInfo.some((t) => t.number === n)),
    );
    if (earlier) return { externalId: earlier.id };
    const byLine = new Map<string, { fulfillmentOrderId: string; id: string; remaining: number }[]>();
    for (const fo of state.order.fulfillmentOrders.nodes) {
      if (!['OPEN', 'IN_PROGRESS'].includes(fo.status)) continue;
      for (const li of fo.lineItems.nodes) {
        const key = gidNumber(li.lineItem.id) ?? li.lineItem.id;
        byLine.set(key, [
          ...(byLine.get(key) ?? []),
          { fulfillmentOrderId: fo.id, id: li.id, remaining: li.remainingQuantity },
        ]);
      }
    }
    const groups = new Map<string, { id: string; quantity: number }[]>();
    for (const line of fulfillment.lines) {
      let wanted = line.quantity;
      for (const slot of byLine.get(gidNumber(line.lineId) ?? line.lineId) ?? []) {
        const take = Math.min(wanted, slot.remaining);
        if (take <= 0) continue;
        groups.set(slot.fulfillmentOrderId, [
          ...(groups.get(slot.fulfillmentOrderId) ?? []),
          { id: slot.id, quantity: take },
        ]);
        wanted -= take;
      }
      if (wanted > 0) {
        const fos = state.order.fulfillmentOrders;
        const truncated =
          fos.pageInfo?.hasNextPage || fos.nodes.some((fo) => fo.lineItems.pageInfo?.hasNextPage);
        throw new Error(
          truncated
            ? `Shopify order ${order.externalId} has more fulfillment orders (over 5) or lines (over 50 on one) than the hub reads, and line ${line.lineId} is not among those read: fulfill it in the Shopify admin`
            : `Shopify order ${order.externalId} has no open quantity left to fulfill for line ${line.lineId}`,
        );
      }
    }
    const result = await graphql<{
      fulfillmentCreate: {
        fulfillment: { id: string } | null;
        userErrors: UserErrors;
      };
    }>(
      context,
      `fulfillment of order ${order.externalId}`,
      FULFILL,
      {
        fulfillment: {
          lineItemsByFulfillmentOrder: [...groups].map(([fulfillmentOrderId, items]) => ({
            fulfillmentOrderId,
            fulfillmentOrderLineItems: items,
          })),
          trackingInfo: {
            ...(fulfillment.carrier ? { company: fulfillment.carrier } : {}),
            numbers,
            urls: fulfillment.trackingUrls,
          },
          notifyCustomer,
        },
      },
      // No idempotency key: after a lost answer the step runs again, and finds the fulfillment by its tracking.
      { idempotent: false },
    );
    userErrors(`the fulfillment of order ${order.externalId}`, result.fulfillmentCreate.userErrors);
    const created = result.fulfillmentCreate.fulfillment;
    if (!created)
      throw new Error(`Shopify created no fulfillment for order ${order.externalId} and said nothing why`);
    return { externalId: created.id };
  },

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
