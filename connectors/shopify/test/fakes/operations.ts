import { changedSince, exportJsonl, numeric } from './bulk-export.ts';
import { answerFulfillmentOperation } from './fulfillment-orders.ts';
import type { FakeBulkOperation, FakeShopify } from './shopify.ts';
import { answerStockOperation } from './stock.ts';

/**
 * Every GraphQL operation the hub sends but the orders query: the write-back mutations and the state they read
 * (fulfillment orders and stock in files of their own), bulk operations, webhook subscriptions. Each acts on
 * the fake's state as Shopify would, userErrors included; undefined for an operation the fake does not know.
 */
export function answerOperation(
  fake: FakeShopify,
  nextId: () => number,
  operation: string,
  // biome-ignore lint/suspicious/noExplicitAny: GraphQL variables as the client sends them
  variables: Record<string, any>,
) {
  const fulfillment = answerFulfillmentOperation(fake, nextId, operation, variables);
  if (fulfillment) return fulfillment;
  const stock = answerStockOperation(fake.stock, nextId, operation, variables);
  if (stock) return stock;
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
    if (fake.unscopedTopics.has(variables.topic)) {
      return {
        webhookSubscriptionCreate: {
          webhookSubscription: null,
          userErrors: [
            {
              field: ['webhookSubscription'],
              message: `Access denied for ${variables.topic} webhook subscription: the app lacks the scope this topic needs`,
            },
          ],
        },
      };
    }
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
