import { graphql, type UserErrors, userErrors } from './action-call.ts';
import type { Settings } from './settings.ts';

/** The topics the hub subscribes a shop to, as GraphQL's WebhookSubscriptionTopic names them. */
const TOPICS = [
  'ORDERS_CREATE',
  'ORDERS_UPDATED',
  'ORDERS_CANCELLED',
  'REFUNDS_CREATE',
  'FULFILLMENTS_CREATE',
  'FULFILLMENTS_UPDATE',
];

/** inventory_levels/update, subscribed when the connection's settings ask for stock (`stockWebhooks`). */
const STOCK_TOPICS = ['INVENTORY_LEVELS_UPDATE'];

/** A topic Shopify refuses to subscribe without a scope of its own: named in the refusal, to say what to grant. */
const TOPIC_SCOPES: Record<string, string> = { INVENTORY_LEVELS_UPDATE: 'read_inventory' };
const named = (topic: string) =>
  TOPIC_SCOPES[topic] ? `${topic} (the token needs ${TOPIC_SCOPES[topic]})` : topic;

/** The topics a connection is subscribed to: the orders' always, stock's when its settings ask. */
export const topicsOf = (settings: Pick<Settings, 'stockWebhooks'>) =>
  settings.stockWebhooks ? [...TOPICS, ...STOCK_TOPICS] : TOPICS;

const LIST = `query SwitchyardWebhookSubscriptions($after: String) {
  webhookSubscriptions(first: 100, after: $after) { pageInfo { hasNextPage endCursor } nodes { id topic uri } }
}`;
const CREATE = `mutation SwitchyardWebhookCreate($topic: WebhookSubscriptionTopic!, $webhookSubscription: WebhookSubscriptionInput!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: $webhookSubscription) { webhookSubscription { id } userErrors { field message } }
}`;
const UPDATE = `mutation SwitchyardWebhookUpdate($id: ID!, $webhookSubscription: WebhookSubscriptionInput!) {
  webhookSubscriptionUpdate(id: $id, webhookSubscription: $webhookSubscription) { webhookSubscription { id } userErrors { field message } }
}`;

/**
 * Points the app's subscriptions for every topic the hub uses (topicsOf) at `url`: a topic already
 * pointing there is left alone, one pointing elsewhere is repointed, a missing one is
 * created (JSON format). Running it again changes nothing.
 */
export async function syncSubscriptions(
  context: Parameters<typeof graphql>[0],
  url: string,
): Promise<{ created: string[]; updated: string[]; unchanged: string[] }> {
  const existing: { id: string; topic: string; uri: string }[] = [];
  let after: string | null = null;
  do {
    const page: {
      webhookSubscriptions: {
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
        nodes: typeof existing;
      };
    } = await graphql(context, 'webhook subscriptions', LIST, { after });
    existing.push(...page.webhookSubscriptions.nodes);
    after = page.webhookSubscriptions.pageInfo.hasNextPage
      ? page.webhookSubscriptions.pageInfo.endCursor
      : null;
  } while (after);

  const result = { created: [] as string[], updated: [] as string[], unchanged: [] as string[] };
  for (const topic of topicsOf(context.settings)) {
    const same = existing.filter((s) => s.topic === topic);
    if (same.some((s) => s.uri === url)) {
      result.unchanged.push(topic);
    } else if (same[0]) {
      const r = await graphql<{ webhookSubscriptionUpdate: { userErrors: UserErrors } }>(
        context,
        `the ${named(topic)} subscription`,
        UPDATE,
        {
          id: same[0].id,
          webhookSubscription: { uri: url },
        },
      );
      userErrors(`repointing ${named(topic)}`, r.webhookSubscriptionUpdate.userErrors);
      result.updated.push(topic);
    } else {
      const r = await graphql<{ webhookSubscriptionCreate: { userErrors: UserErrors } }>(
        context,
        `the ${named(topic)} subscription`,
        CREATE,
        {
          topic,
          webhookSubscription: { uri: url, format: 'JSON' },
        },
        // A create repeated after a lost answer would be refused as a duplicate: asked again only when unsent.
        { idempotent: false },
      );
      userErrors(`subscribing to ${named(topic)}`, r.webhookSubscriptionCreate.userErrors);
      result.created.push(topic);
    }
  }
  return result;
}
