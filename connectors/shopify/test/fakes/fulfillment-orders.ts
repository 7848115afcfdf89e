import type { FakeShopify, FakeShopifyOrder } from './shopify.ts';

/** The number at the end of a gid, or the id itself when it is a number already. */
const number = (id: string) => id.split('/').pop()!;

type FakeFulfillmentOrder = FakeShopifyOrder['fulfillmentOrders'][number];

/** The location a fulfillment order is assigned to (a number): its own, else the shop's default. */
export const locationOf = (fake: FakeShopify, fo: FakeFulfillmentOrder) =>
  number(fo.assignedLocation ?? fake.defaultLocation);

/**
 * The write-side fulfillment operations: the order's fulfillment state, fulfillmentCreate and
 * fulfillmentOrderMove, acting on the fake's orders as Shopify would, userErrors included. Undefined for any
 * other operation.
 */
export function answerFulfillmentOperation(
  fake: FakeShopify,
  nextId: () => number,
  operation: string,
  // biome-ignore lint/suspicious/noExplicitAny: GraphQL variables as the client sends them
  variables: Record<string, any>,
): object | undefined {
  if (
    operation === 'SwitchyardFulfillmentState' ||
    operation === 'SwitchyardCancelState' ||
    operation === 'SwitchyardTransactions'
  ) {
    const order = fake.orders.get(number(variables.id));
    if (!order) return { order: null };
    return {
      order: {
        cancelledAt: order.cancelledAt,
        transactions: order.transactions,
        fulfillments: order.fulfillments.map((f) => ({
          id: f.id,
          trackingInfo: f.trackingNumbers.map((n) => ({ number: n })),
        })),
        fulfillmentOrders: {
          pageInfo: { hasNextPage: false },
          nodes: order.fulfillmentOrders.map((fo) => ({
            id: fo.id,
            status: fo.status,
            assignedLocation: { location: { id: `gid://shopify/Location/${locationOf(fake, fo)}` } },
            lineItems: {
              pageInfo: { hasNextPage: false },
              nodes: fo.lineItems.map((li) => ({
                id: li.id,
                remainingQuantity: li.remainingQuantity,
                lineItem: { id: `gid://shopify/LineItem/${li.lineItemId}` },
              })),
            },
          })),
        },
      },
    };
  }
  if (operation === 'SwitchyardFulfill') return fulfill(fake, nextId, variables.fulfillment);
  if (operation === 'SwitchyardFulfillmentOrderMove') return move(fake, nextId, variables);
  return undefined;
}

const orderHolding = (fake: FakeShopify, fulfillmentOrderId: string | undefined) =>
  [...fake.orders.values()].find((o) => o.fulfillmentOrders.some((fo) => fo.id === fulfillmentOrderId));

// biome-ignore lint/suspicious/noExplicitAny: GraphQL variables as the client sends them
function fulfill(fake: FakeShopify, nextId: () => number, input: Record<string, any>) {
  const refuse = (field: string, message: string) => ({
    fulfillmentCreate: { fulfillment: null, userErrors: [{ field: [field], message }] },
  });
  const groups = input.lineItemsByFulfillmentOrder as {
    fulfillmentOrderId: string;
    fulfillmentOrderLineItems?: { id: string; quantity: number }[];
  }[];
  const order = orderHolding(fake, groups[0]?.fulfillmentOrderId);
  if (!order) return refuse('fulfillment', 'Fulfillment order does not exist.');
  const fulfillmentOrders = groups.map((g) =>
    order.fulfillmentOrders.find((f) => f.id === g.fulfillmentOrderId),
  );
  if (fulfillmentOrders.some((fo) => !fo)) return refuse('fulfillment', 'Fulfillment order does not exist.');
  // Checked before anything changes: a refused fulfillment leaves every quantity as it was.
  for (const [i, group] of groups.entries()) {
    for (const item of group.fulfillmentOrderLineItems ?? []) {
      const li = fulfillmentOrders[i]!.lineItems.find((l) => l.id === item.id);
      if (!li) return refuse('id', 'Fulfillment order line item does not exist.');
      if (item.quantity > li.remainingQuantity) return refuse('quantity', 'Quantity exceeds remaining.');
    }
  }
  const lines: { id: string; quantity: number }[] = [];
  for (const [i, group] of groups.entries()) {
    const fo = fulfillmentOrders[i]!;
    // No line items named: all of the fulfillment order's.
    const items =
      group.fulfillmentOrderLineItems ??
      fo.lineItems
        .filter((l) => l.remainingQuantity > 0)
        .map((l) => ({ id: l.id, quantity: l.remainingQuantity }));
    for (const item of items) {
      fo.lineItems.find((l) => l.id === item.id)!.remainingQuantity -= item.quantity;
      lines.push({ id: item.id, quantity: item.quantity });
    }
    // Shopify's statuses: all fulfilled closes the fulfillment order, a part puts it in progress.
    fo.status = fo.lineItems.every((l) => l.remainingQuantity === 0) ? 'CLOSED' : 'IN_PROGRESS';
  }
  const fulfillment = {
    id: `gid://shopify/Fulfillment/${nextId()}`,
    trackingNumbers: input.trackingInfo?.numbers ?? [],
    lines,
    notifyCustomer: !!input.notifyCustomer,
    location: locationOf(fake, fulfillmentOrders[0]!),
  };
  order.fulfillments.push(fulfillment);
  return { fulfillmentCreate: { fulfillment: { id: fulfillment.id }, userErrors: [] } };
}

/**
 * fulfillmentOrderMove: every open line of an untouched fulfillment order moves the order itself; a part of
 * it moves into the order's open fulfillment order already at the location, else into a new one.
 */
// biome-ignore lint/suspicious/noExplicitAny: GraphQL variables as the client sends them
function move(fake: FakeShopify, nextId: () => number, variables: Record<string, any>) {
  const refuse = (field: string, message: string) => ({
    fulfillmentOrderMove: {
      movedFulfillmentOrder: null,
      originalFulfillmentOrder: null,
      remainingFulfillmentOrder: null,
      userErrors: [{ field: [field], message, code: null }],
    },
  });
  const order = orderHolding(fake, variables.id);
  const original = order?.fulfillmentOrders.find((fo) => fo.id === variables.id);
  if (!order || !original) return refuse('id', 'Fulfillment order does not exist.');
  if (original.status === 'CLOSED') return refuse('id', 'Fulfillment order is closed and cannot be moved.');
  const to = number(variables.newLocationId);
  if (fake.unstockedLocations.has(to))
    return refuse('newLocationId', 'The destination location does not stock the requested inventory items.');
  const items: { id: string; quantity: number }[] =
    variables.fulfillmentOrderLineItems ??
    original.lineItems
      .filter((l) => l.remainingQuantity > 0)
      .map((l) => ({ id: l.id, quantity: l.remainingQuantity }));
  for (const item of items) {
    const li = original.lineItems.find((l) => l.id === item.id);
    if (!li) return refuse('fulfillmentOrderLineItems', 'Fulfillment order line item does not exist.');
    if (item.quantity > li.remainingQuantity)
      return refuse('fulfillmentOrderLineItems', 'Quantity exceeds the unfulfilled quantity.');
  }
  fake.moves.push({ fulfillmentOrderId: original.id, to, lines: items });
  const whole =
    original.status === 'OPEN' &&
    original.lineItems.every(
      (l) => l.remainingQuantity === (items.find((i) => i.id === l.id)?.quantity ?? 0),
    );
  if (whole) {
    original.assignedLocation = `gid://shopify/Location/${to}`;
    return moved(original, original, null);
  }
  let target = order.fulfillmentOrders.find(
    (fo) => fo !== original && fo.status === 'OPEN' && locationOf(fake, fo) === to,
  );
  if (!target) {
    target = {
      id: `gid://shopify/FulfillmentOrder/${nextId()}`,
      status: 'OPEN',
      assignedLocation: `gid://shopify/Location/${to}`,
      lineItems: [],
    };
    order.fulfillmentOrders.push(target);
  }
  for (const item of items) {
    const li = original.lineItems.find((l) => l.id === item.id)!;
    li.remainingQuantity -= item.quantity;
    const there = target.lineItems.find((l) => l.lineItemId === li.lineItemId);
    if (there) there.remainingQuantity += item.quantity;
    else
      target.lineItems.push({
        id: `gid://shopify/FulfillmentOrderLineItem/${nextId()}`,
        remainingQuantity: item.quantity,
        lineItemId: li.lineItemId,
      });
  }
  if (original.lineItems.every((l) => l.remainingQuantity === 0)) original.status = 'CLOSED';
  return moved(target, original, original.status === 'CLOSED' ? null : original);
}

const moved = (
  target: FakeFulfillmentOrder,
  original: FakeFulfillmentOrder,
  remaining: FakeFulfillmentOrder | null,
) => ({
  fulfillmentOrderMove: {
    movedFulfillmentOrder: { id: target.id },
    originalFulfillmentOrder: { id: original.id },
    remainingFulfillmentOrder: remaining ? { id: remaining.id } : null,
    userErrors: [],
  },
});
