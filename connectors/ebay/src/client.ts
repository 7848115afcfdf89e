import {
  type ConnectionContext,
  createVendorClient,
  type TokenSource,
  type VendorAnswer,
  type VendorClient,
  VendorError,
  type VendorProblem,
  type VendorRequest,
} from '@switchyard/core';
import { forgetPace, pace } from './quota.ts';
import { applicationOf, origins, type Secrets, type Settings } from './settings.ts';
import { applicationToken, userToken } from './token.ts';

/**
 * eBay's REST client, hand-written on core's vendor client: the `ebay-api` package needs Node 22 and the hub
 * runs on Node 20, and the connector needs a handful of its calls. Each API has its base path, its token (the
 * seller's user token, or the application token for the Notification and Analytics APIs) and its pace (a
 * share of eBay's daily call quota, quota.ts).
 */
type Context = Pick<ConnectionContext<Settings, Secrets>, 'connectionId' | 'settings' | 'secrets'>;

export type EbayApiName = 'fulfillment' | 'inventory' | 'notification' | 'analytics';

const BASE: Record<EbayApiName, string> = {
  fulfillment: 'sell/fulfillment/v1',
  inventory: 'sell/inventory/v1',
  notification: 'commerce/notification/v1',
  analytics: 'developer/analytics/v1_beta',
};

/** What to do about eBay's own error ids, where the message alone does not say. */
const FIXES: Record<string, string> = {
  '1001':
    'eBay refused the access token: check that the refresh token was made with the scopes in settings.scopes',
  '32100':
    'the order id is not an order of this seller (or is more than two years old): check the order’s external id and that the connection is the seller’s account',
  '32200':
    'a fulfillment line is not a line item of this eBay order: the canonical line’s externalId must be eBay’s lineItemId; re-import the order',
  '32210': 'the fulfillment names one line item twice: send each line item once with its whole quantity',
  '32300':
    'eBay refused the carrier or tracking number: tracking numbers are letters and digits only, and the carrier must be one of eBay’s codes (map the hub’s carrier name in settings.carrierCodes)',
  '34100':
    'the order has as many tracking numbers as eBay allows: ship the remaining lines in fewer packages, or mark them shipped in Seller Hub',
  '34500':
    'these line items already have a shipping fulfillment at eBay (eBay wants a PUT to change it): check the order’s fulfillments in Seller Hub and correct the tracking there',
  '30850':
    'eBay refuses a getOrders window that ends in its future: the hub’s clock is more than 2 minutes ahead of eBay’s; set it right (NTP) and sync again',
  '30500': 'eBay had an internal error: the call is tried again',
  '25001': 'eBay had an internal error: the call is tried again',
};

interface EbayError {
  errorId?: number;
  category?: string;
  message?: string;
  longMessage?: string;
  parameters?: { name?: string; value?: string }[];
}

/** eBay's error body `{ errors: [{ errorId, domain, category, message, longMessage, parameters }] }`, in words. */
export function ebayProblem({
  status,
  text,
}: Pick<VendorAnswer, 'status' | 'text'>): VendorProblem | undefined {
  if (status < 400 || !text.includes('"errors"')) return undefined;
  const errors = (JSON.parse(text) as { errors?: EbayError[] }).errors;
  const first = errors?.[0];
  if (!first) return undefined;
  const code = first.errorId === undefined ? undefined : String(first.errorId);
  const parameters = (first.parameters ?? [])
    .filter((p) => p.name)
    .map((p) => `${p.name}=${p.value ?? ''}`)
    .join(', ');
  const message = [
    first.message,
    first.longMessage && first.longMessage !== first.message ? first.longMessage : undefined,
    parameters ? `(${parameters})` : undefined,
    errors!.length > 1 ? `and ${errors!.length - 1} more error(s)` : undefined,
  ]
    .filter(Boolean)
    .join(' ');
  const fix = code ? FIXES[code] : undefined;
  return { ...(code ? { code } : {}), ...(message ? { message } : {}), ...(fix ? { fix } : {}) };
}

export interface EbayApi {
  json<T>(
    method: string,
    path: string,
    options: VendorRequest & { notFound: 'undefined' },
  ): Promise<T | undefined>;
  json<T>(method: string, path: string, options?: VendorRequest): Promise<T>;
  request(
    method: string,
    path: string,
    options: VendorRequest & { notFound: 'undefined' },
  ): Promise<VendorAnswer | undefined>;
  request(method: string, path: string, options?: VendorRequest): Promise<VendorAnswer>;
}

/**
 * One eBay API of a connection. Calls carry `Authorization: Bearer` and `X-EBAY-C-MARKETPLACE-ID`, keep to the
 * API's pace, and a 401 (a token eBay revoked before its time) mints a new token once and tries again. The pace
 * and the budget are the application's (eBay's quota is per keyset), shared by every connection of the keyset.
 */
export async function ebayApi(context: Context, name: EbayApiName, signal?: AbortSignal): Promise<EbayApi> {
  const { settings, secrets } = context;
  const token: TokenSource =
    name === 'notification' || name === 'analytics' ? applicationToken(context) : userToken(context);
  const application = applicationOf(settings, secrets);
  const budget =
    name === 'fulfillment' || name === 'inventory'
      ? { key: `${application} ebay-${name}`, ...(await pace(context, name, signal)) }
      : undefined;
  /** A client for one call, which notes the token its attempts presented. */
  const clientFor = (presented: { token?: string }): VendorClient =>
    createVendorClient({
      vendor: 'eBay',
      baseUrl: `${origins(settings).api}/${BASE[name]}/`,
      auth: async () => {
        presented.token = await token.token(signal);
        return { authorization: `Bearer ${presented.token}` };
      },
      headers: { 'x-ebay-c-marketplace-id': settings.marketplaceId },
      redact: { values: [secrets.refreshToken, secrets.clientSecret] },
      ...(budget ? { budget } : {}),
      connection: context.connectionId,
      timeoutMs: settings.timeoutSeconds * 1000,
      problem: (answer) => {
        // Refused for the quota: read eBay's call limits again before the next call (they may have changed).
        if (answer.status === 429 && budget) forgetPace(application);
        return ebayProblem(answer);
      },
    });
  const once = async <T>(call: (client: VendorClient) => Promise<T>): Promise<T> => {
    const first: { token?: string } = {};
    try {
      return await call(clientFor(first));
    } catch (error) {
      if (!(error instanceof VendorError) || error.status !== 401 || first.token === undefined) throw error;
      // Only the token eBay refused: one minted meanwhile by a concurrent call that met the same 401 stays.
      token.invalidate(first.token);
      return call(clientFor({}));
    }
  };
  const withSignal = (o?: VendorRequest): VendorRequest => ({
    ...o,
    ...(signal && !o?.signal ? { signal } : {}),
  });
  return {
    json: ((method: string, path: string, o?: VendorRequest) =>
      once((client) => client.json(method, path, withSignal(o)))) as EbayApi['json'],
    request: ((method: string, path: string, o?: VendorRequest) =>
      once((client) => client.request(method, path, withSignal(o)))) as EbayApi['request'],
  };
}
