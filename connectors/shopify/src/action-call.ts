import type { ActionContext } from '@switchyard/core';
import { type CallOptions, type ShopifyClient, shopifyClient } from './client.ts';
import type { Secrets, Settings } from './settings.ts';

type Context = ActionContext<Settings, Secrets>;

/** A Shopify id as a gid: `123` and `gid://shopify/Kind/123` both name the same thing. */
export const gid = (kind: string, id: string) =>
  id.startsWith('gid://') ? id : `gid://shopify/${kind}/${id}`;

/** The scopes write-back needs unless an action says otherwise (in the words of a refused token). */
const WRITE_SCOPES = 'write_orders and write_fulfillments';

/** One client per action call (a context is one step's run), shared by the calls it makes. */
const clients = new WeakMap<object, ShopifyClient>();

/**
 * Runs one GraphQL call for an action (or the subscriptions); refusals become plain errors. `scopes` names what
 * the token needs for this action, in the error a missing or refused token gives.
 */
export async function graphql<T>(
  context: Pick<Context, 'settings' | 'secrets' | 'signal'> & Partial<Pick<Context, 'connectionId'>>,
  what: string,
  query: string,
  variables: object,
  options: Omit<CallOptions, 'signal'> & { scopes?: string } = {},
): Promise<T> {
  const { scopes = WRITE_SCOPES, ...call } = options;
  if (!context.secrets.accessToken) {
    throw new Error(
      `writing to Shopify (${what}) needs secrets.accessToken (an Admin API token with ${scopes})`,
    );
  }
  let client = clients.get(context);
  if (!client) {
    client = shopifyClient(context.settings, context.secrets.accessToken, scopes, context.connectionId);
    clients.set(context, client);
  }
  return client.graphql<T>(what, query, variables, { ...call, signal: context.signal });
}

/** The userErrors list of a GraphQL mutation's payload. */
export type UserErrors = { field?: string[] | null; message: string; code?: string | null }[];

/** Throws Shopify's refusal of a mutation in words, the fields named. */
export function userErrors(what: string, errors: UserErrors | undefined) {
  if (errors?.length)
    throw new Error(
      `Shopify refused ${what}: ${errors.map((e) => `${e.field?.join('.') ?? ''} ${e.message}`.trim()).join('; ')}`,
    );
}
