import type { ActionContext, ActionResult, Order } from '@switchyard/core';
import { gid, graphql, type UserErrors, userErrors } from './action-call.ts';
import { gidNumber } from './json.ts';
import type { Secrets, Settings } from './settings.ts';

type Context = ActionContext<Settings, Secrets>;
type Fulfillment = Order['fulfillments'][number];

// Sized to stay under Shopify's 1,000-point limit for one query (about 570 points by its published cost rules): 5 fulfillment orders
// (one per location) of up to 50 lines each. An order beyond that is named in the error when a line is not found.
const FULFILLMENT_STATE = `query SwitchyardFulfillmentState($id: ID!) {
  order(id: $id) {
    cancelledAt
    fulfillments(first: 20) { id trackingInfo(first: 5) { number } }
    fulfillmentOrders(first: 5) { pageInfo { hasNextPage } nodes { id status assignedLocation { location { id } }
      lineItems(first: 50) { pageInfo { hasNextPage } nodes { id remainingQuantity lineItem { id } } } } }
  }
}`;

const FULFILL = `mutation SwitchyardFulfill($fulfillment: FulfillmentInput!) {
  fulfillmentCreate(fulfillment: $fulfillment) { fulfillment { id } userErrors { field message } }
}`;

const MOVE = `mutation SwitchyardFulfillmentOrderMove($id: ID!, $newLocationId: ID!, $fulfillmentOrderLineItems: [FulfillmentOrderLineItemInput!]) {
  fulfillmentOrderMove(id: $id, newLocationId: $newLocationId, fulfillmentOrderLineItems: $fulfillmentOrderLineItems) {
    movedFulfillmentOrder { id } userErrors { field message code }
  }
}`;

/** What a fulfillment that moves lines between locations needs of the token, in the words of a refusal. */
const MOVE_SCOPES = 'write_orders, write_fulfillments and write_merchant_managed_fulfillment_orders';

interface FulfillmentOrderNode {
  id: string;
  status: string;
  assignedLocation?: { location: { id: string } | null } | null;
  lineItems: {
    pageInfo?: { hasNextPage: boolean };
    nodes: { id: string; remainingQuantity: number; lineItem: { id: string } }[];
  };
}

interface FulfillmentState {
  order: {
    cancelledAt: string | null;
    fulfillments: { id: string; trackingInfo: { number: string }[] }[];
    fulfillmentOrders: { pageInfo?: { hasNextPage: boolean }; nodes: FulfillmentOrderNode[] };
  } | null;
}
type OrderState = NonNullable<FulfillmentState['order']>;

/** Fulfillment-order line items and quantities to fulfill (or move), by fulfillment order. */
type Allocation = Map<string, { id: string; quantity: number }[]>;

const isAt = (fo: FulfillmentOrderNode | undefined, location: string) =>
  gidNumber(fo?.assignedLocation?.location?.id) === gidNumber(location);

async function orderState(context: Context, externalId: string, scopes: string | undefined) {
  const state = await graphql<FulfillmentState>(
    context,
    `order ${externalId}`,
    FULFILLMENT_STATE,
    { id: gid('Order', externalId) },
    scopes ? { scopes } : {},
  );
  if (!state.order) throw new Error(`Shopify has no order ${externalId}`);
  return state.order;
}

/**
 * Matches the shipment's lines to open fulfillment-order lines. With a location, quantities already assigned
 * there are taken first, so lines moved by an earlier try of the step are not moved again.
 */
function allocate(
  externalId: string,
  lines: Fulfillment['lines'],
  state: OrderState,
  location: string | undefined,
): Allocation {
  const open = state.fulfillmentOrders.nodes.filter((fo) => ['OPEN', 'IN_PROGRESS'].includes(fo.status));
  if (location) open.sort((a, b) => Number(isAt(b, location)) - Number(isAt(a, location)));
  const byLine = new Map<string, { fulfillmentOrderId: string; id: string; remaining: number }[]>();
  for (const fo of open) {
    for (const li of fo.lineItems.nodes) {
      const key = gidNumber(li.lineItem.id) ?? li.lineItem.id;
      byLine.set(key, [
        ...(byLine.get(key) ?? []),
        { fulfillmentOrderId: fo.id, id: li.id, remaining: li.remainingQuantity },
      ]);
    }
  }
  const groups: Allocation = new Map();
  for (const line of lines) {
    let wanted = line.quantity;
    for (const slot of byLine.get(gidNumber(line.lineId) ?? line.lineId) ?? []) {
      const take = Math.min(wanted, slot.remaining);
      if (take <= 0) continue;
      groups.set(slot.fulfillmentOrderId, [
        ...(groups.get(slot.fulfillmentOrderId) ?? []),
        { id: slot.id, quantity: take },
      ]);
      slot.remaining -= take;
      wanted -= take;
    }
    if (wanted > 0) {
      const fos = state.fulfillmentOrders;
      const truncated =
        fos.pageInfo?.hasNextPage || fos.nodes.some((fo) => fo.lineItems.pageInfo?.hasNextPage);
      throw new Error(
        truncated
          ? `Shopify order ${externalId} has more fulfillment orders (over 5) or lines (over 50 on one) than the hub reads, and line ${line.lineId} is not among those read: fulfill it in the Shopify admin`
          : `Shopify order ${externalId} has no open quantity left to fulfill for line ${line.lineId}`,
      );
    }
  }
  return groups;
}

/** Reassigns just these quantities of a fulfillment order to `location` (Shopify splits the order when needed). */
async function moveLines(
  context: Context,
  externalId: string,
  fulfillmentOrderId: string,
  location: string,
  items: { id: string; quantity: number }[],
) {
  const result = await graphql<{
    fulfillmentOrderMove: { movedFulfillmentOrder: { id: string } | null; userErrors: UserErrors };
  }>(
    context,
    `move of order ${externalId}'s lines to location ${gidNumber(location)}`,
    MOVE,
    { id: fulfillmentOrderId, newLocationId: location, fulfillmentOrderLineItems: items },
    // No idempotency key: after a lost answer the step runs again, and finds the lines at the location.
    { idempotent: false, scopes: MOVE_SCOPES },
  );
  userErrors(
    `to move order ${externalId}'s lines to location ${gidNumber(location)} (does it stock them?)`,
    result.fulfillmentOrderMove.userErrors,
  );
}

/**
 * Fulfills the shipment's lines on the order's fulfillment orders, with carrier and tracking. fulfillmentCreate
 * has no idempotency key: a fulfillment already carrying these tracking numbers means a retry, and is returned.
 *
 * With a `location` (a routed shipment), lines that Shopify assigned to another location are first moved there
 * (`fulfillmentOrderMove`, only the quantities shipped), then the state is read again and the fulfillment made
 * from the location's fulfillment orders. A retry after a move finds the quantities at the location already and
 * moves nothing.
 */
export async function pushFulfillment(
  context: Context,
  input: { order: Order; fulfillment: Fulfillment; notifyCustomer: boolean; location?: string },
): Promise<ActionResult> {
  const { order, fulfillment, notifyCustomer } = input;
  const location = input.location ? gid('Location', input.location) : undefined;
  const scopes = location ? MOVE_SCOPES : undefined;
  let state = await orderState(context, order.externalId, scopes);
  const numbers = fulfillment.trackingNumbers;
  const earlier = state.fulfillments.find(
    (f) => numbers.length > 0 && numbers.every((n) => f.trackingInfo.some((t) => t.number === n)),
  );
  if (earlier) return { externalId: earlier.id };
  let groups = allocate(order.externalId, fulfillment.lines, state, location);
  if (location) {
    const fulfillmentOrder = (id: string) => state.fulfillmentOrders.nodes.find((fo) => fo.id === id);
    const away = [...groups].filter(([id]) => !isAt(fulfillmentOrder(id), location));
    if (away.length) {
      for (const [id, items] of away) await moveLines(context, order.externalId, id, location, items);
      state = await orderState(context, order.externalId, scopes);
      groups = allocate(order.externalId, fulfillment.lines, state, location);
      const still = [...groups.keys()].filter((id) => !isAt(fulfillmentOrder(id), location));
      if (still.length)
        throw new Error(
          `Shopify order ${order.externalId}: after moving, fulfillment orders ${still.join(', ')} are still not at location ${gidNumber(location)}`,
        );
    }
  }
  const result = await graphql<{
    fulfillmentCreate: { fulfillment: { id: string } | null; userErrors: UserErrors };
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
    { idempotent: false, ...(scopes ? { scopes } : {}) },
  );
  userErrors(`the fulfillment of order ${order.externalId}`, result.fulfillmentCreate.userErrors);
  const created = result.fulfillmentCreate.fulfillment;
  if (!created)
    throw new Error(`Shopify created no fulfillment for order ${order.externalId} and said nothing why`);
  return { externalId: created.id };
}
