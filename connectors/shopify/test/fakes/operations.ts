import { changedSince, exportJsonl, numeric } from './bulk-export.ts';
import type { FakeBulkOperation, FakeShopify } from './shopify.ts';

/**
 * Every GraphQL operation the hub sends but the orders query: the write-back mutations and the state they read,
 * bulk operations, webhook subscriptions. Each acts on the fake's state as Shopify would, userErrors included;
 * undefined for an operation the fake does not know.
 */
export function answerOperation(
  fake: FakeShopify,
  nextId: () => number,
  operation: string,
  // biome-ignore lint/suspicious/noExplicitAny: GraphQL variables as the client sends them
  variables: Record<string, any>,
) {
  if (
    operation === 'SwitchyardFulfillmentState' ||
    operation === 'SwitchyardCancelState' ||
    operation === 'SwitchyardTransactions'
  ) {
    const order = fake.orders.get(numeric(variables.id));
    if (!order) return { order: null };
    return {
      order: {
        cancelledAt: order.cancelledAt,
        transactions: order.transactions,
        fulfillments: order.fulfillments.map((f) => ({
          id: f.id,
          trackingInfo: f.trackingNumbers.map((number) => ({ number })),
        })),
        fulfillmentOrders: {
          pageInfo: { hasNextPage: false },
          nodes: order.fulfillmentOrders.map((fo) => ({
            id: fo.id,
            status: fo.status,
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
  if (operation === 'SwitchyardFulfill') {
    const input = variables.fulfillment;
    const first = input.lineItemsByFulfillmentOrder[0]?.fulfillmentOrderId;
    const order = [...fake.orders.values()].find((o) => o.fulfillmentOrders.some((fo) => fo.id === first));
    if (!order)
      return {
        fulfillmentCreate: {
          fulfillment: null,
          userErrors: [{ field: ['fulfillment'], message: 'Fulfillment order does not exist.' }],
        },
      };
    const lines: { id: string; quantity: number }[] = [];
    for (const group of input.lineItemsByFulfillmentOrder) {
      const fo = order.fulfillmentOrders.find((f) => f.id === group.fulfillmentOrderId)!;
      for (const item of group.fulfillmentOrderLineItems) {
        const li = fo.lineItems.find((l) => l.id === item.id)!;
        if (item.quantity > li.remainingQuantity) {
          return {
            fulfillmentCreate: {
              fulfillment: null,
              userErrors: [{ field: ['quantity'], message: 'Quantity exceeds remaining.' }],
            },
          };
        }
        li.remainingQuantity -= item.quantity;
        lines.push({ id: item.id, quantity: item.quantity });
      }
      if (fo.lineItems.every((l) => l.remainingQuantity === 0)) fo.status = 'CLOSED';
    }
    const fulfillment = {
      id: `gid://shopify/Fulfillment/${nextId()}`,
      trackingNumbers: input.trackingInfo?.numbers ?? [],
      lines,
      notifyCustomer: !!input.notifyCustomer,
    };
    order.fulfillments.push(fulfillment);
    return { fulfillmentCreate: { fulfillment: { id: fulfillment.id }, userErrors: [] } };
  }
  if (operation === 'SwitchyardBulkOrders') {
    const op: FakeBulkOperation = {
      id: `gid://shopify/BulkOperation/${nextId()}`,
      createdAt: fake.bulk.nextCreatedAt ?? new Date().toISOString(),
      query: variables.query,
      polls: 0,
      roots: 0,
      objects: 0,
    };
    fake.bulk.operations.push(op);
    return {
      bulkOperationRunQuery: {
        bulkOperation: { id: op.id, status: 'CREATED', createdAt: op.createdAt },
        userErrors: [],
      },
    };
  }
  if (operation === 'SwitchyardBulkOperation') {
    const op = fake.bulk.operations.find((o) => o.id === variables.id);
    if (!op) return { bulkOperation: null };
    const base = { id: op.id, createdAt: op.createdAt, errorCode: null, partialDataUrl: null };
    if (fake.bulk.failNext) {
      op.error = fake.bulk.failNext;
      fake.bulk.failNext = undefined;
    }
    if (op.error) {
      const errorCode = op.error;
      return {
        bulkOperation: {
          ...base,
          status: 'FAILED',
          errorCode,
          objectCount: '0',
          rootObjectCount: '0',
          url: null,
        },
      };
    }
    if (op.polls++ < fake.bulk.runningPolls) {
      return {
        bulkOperation: { ...base, status: 'RUNNING', objectCount: '0', rootObjectCount: '0', url: null },
      };
    }
    op.file ??= exportJsonl(op, changedSince(fake, /updated_at:>='([^']+)'/.exec(op.query)?.[1]));
    return {
      bulkOperation: {
        ...base,
        status: 'COMPLETED',
        objectCount: String(op.objects),
        rootObjectCount: String(op.roots),
        fileSize: op.roots ? String(op.file.length) : null,
        // Shopify leaves no file when nothing matched.
        url: op.roots ? `${fake.bulk.origin}/bulk-results/${numeric(op.id)}.jsonl` : null,
      },
    };
  }
  if (operation === 'SwitchyardWebhookSubscriptions') {
    return {
      webhookSubscriptions: {
        pageInfo: { hasNextPage: false, endCursor: null },
        nodes: fake.subscriptions,
      },
    };
  }
  if (operation === 'SwitchyardWebhookCreate') {
    const subscription = {
      id: `gid://shopify/WebhookSubscription/${nextId()}`,
      topic: variables.topic,
      uri: variables.webhookSubscription.uri,
    };
    fake.subscriptions.push(subscription);
    return { webhookSubscriptionCreate: { webhookSubscription: { id: subscription.id }, userErrors: [] } };
  }
  if (operation === 'SwitchyardWebhookUpdate') {
    const subscription = fake.subscriptions.find((x) => x.id === variables.id);
    if (!subscription)
      return {
        webhookSubscriptionUpdate: {
          webhookSubscription: null,
          userErrors: [{ field: ['id'], message: 'Webhook subscription does not exist' }],
        },
      };
    subscription.uri = variables.webhookSubscription.uri;
    return { webhookSubscriptionUpdate: { webhookSubscription: { id: subscription.id }, userErrors: [] } };
  }
  if (operation === 'SwitchyardTracking') {
    const fulfillment = [...fake.orders.values()]
      .flatMap((o) => o.fulfillments)
      .find((f) => f.id === variables.fulfillmentId);
    if (!fulfillment)
      return {
        fulfillmentTrackingInfoUpdate: {
          fulfillment: null,
          userErrors: [{ field: ['fulfillmentId'], message: 'Fulfillment does not exist.' }],
        },
      };
    fulfillment.trackingNumbers = variables.trackingInfoInput.numbers ?? [];
    return { fulfillmentTrackingInfoUpdate: { fulfillment: { id: fulfillment.id }, userErrors: [] } };
  }
  if (operation === 'SwitchyardAnnotations') {
    const order = fake.orders.get(numeric(variables.id));
    return { order: order ? { note: order.note ?? null, tags: order.tags ?? [] } : null };
  }
  if (operation === 'SwitchyardTagsAdd' || operation === 'SwitchyardNote') {
    const field = operation === 'SwitchyardNote' ? 'orderUpdate' : 'tagsAdd';
    const order = fake.orders.get(numeric(variables.id ?? variables.input.id));
    if (!order) return { [field]: { userErrors: [{ field: ['id'], message: 'Order does not exist' }] } };
    if (operation === 'SwitchyardNote') {
      if (variables.input.note.length > 5000)
        return { orderUpdate: { userErrors: [{ field: ['note'], message: 'Note is too long' }] } };
      order.note = variables.input.note;
      return { orderUpdate: { order: { id: variables.input.id }, userErrors: [] } };
    }
    order.tags = [...new Set([...(order.tags ?? []), ...variables.tags])];
    return { tagsAdd: { node: { id: variables.id }, userErrors: [] } };
  }
  if (operation === 'SwitchyardCancel') {
    const order = fake.orders.get(numeric(variables.orderId));
    if (!order)
      return {
        orderCancel: {
          job: null,
          orderCancelUserErrors: [{ field: ['orderId'], message: 'Order does not exist' }],
        },
      };
    order.cancelledAt = new Date().toISOString();
    return { orderCancel: { job: { id: `gid://shopify/Job/${nextId()}` }, orderCancelUserErrors: [] } };
  }
  if (operation === 'SwitchyardRefund') {
    const order = fake.orders.get(numeric(variables.input.orderId));
    if (!order)
      return {
        refundCreate: {
          refund: null,
          userErrors: [{ field: ['orderId'], message: 'Order does not exist' }],
        },
      };
    // @idempotent: the same key returns the original refund.
    const earlier = order.refunds.find((r) => r.key === variables.key);
    if (earlier) return { refundCreate: { refund: { id: earlier.id }, userErrors: [] } };
    const refund = {
      id: `gid://shopify/Refund/${nextId()}`,
      key: variables.key,
      amount: variables.input.transactions[0].amount,
    };
    order.refunds.push(refund);
    return { refundCreate: { refund: { id: refund.id }, userErrors: [] } };
  }
  return undefined;
}
