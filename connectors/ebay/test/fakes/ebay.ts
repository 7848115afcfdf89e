import { createPrivateKey, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { HttpResponse, http } from 'msw';
import { fulfillmentHandlers } from './fulfillment.ts';
import { inventoryHandlers } from './inventory.ts';
import type { EbayOrderJson } from './orders.ts';

/**
 * eBay's REST APIs at the network (msw), in eBay's shapes: the OAuth token endpoint (refresh_token and
 * client_credentials grants, RFC 6749 errors), the Fulfillment API (getOrders with its filter, limit ≤ 200 and
 * offset; getOrder; shipping fulfillments with the Location header), the Inventory API's
 * bulkUpdatePriceQuantity, the Notification API's public keys (PEM on one line, as eBay sends it) and the
 * Developer Analytics API's call limits. It enforces the Fulfillment and Inventory APIs' daily quotas as an even
 * rate (a day may be shortened by `timeScale`) and answers 429 in eBay's shape beyond them.
 */
export interface FakeEbayOptions {
  apiOrigin: string;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  /** Fulfillment API calls a day (eBay's default quota: 100,000). */
  fulfillmentPerDay?: number;
  /** Inventory API calls a day (eBay's default: 2,000,000). */
  inventoryPerDay?: number;
  /** The fake's day lasts 86,400 / timeScale seconds: the same quota, spent that much faster. */
  timeScale?: number;
  /** Calls the quota lets through back to back (default 5). */
  burst?: number;
}

export type EbayError = { errorId: number; domain: string; category: string; message: string };
export const ebayErrors = (status: number, ...errors: EbayError[]) =>
  HttpResponse.json({ errors }, { status });

/** A quota spent at an even rate: `perDay` calls a (scaled) day, `burst` of them back to back. */
function quota(perDay: number, windowSeconds: number, burst: number) {
  const interval = (windowSeconds * 1000) / perDay;
  let tat = 0;
  let used = 0;
  let windowStart = Date.now();
  return {
    perDay,
    windowSeconds,
    take(): boolean {
      const now = Date.now();
      if (now - windowStart >= windowSeconds * 1000) {
        windowStart = now;
        used = 0;
      }
      const due = Math.max(tat, now);
      if (due - now > interval * (burst - 1)) return false;
      tat = due + interval;
      used++;
      return true;
    },
    rate() {
      return {
        count: used,
        limit: perDay,
        remaining: Math.max(0, perDay - used),
        reset: new Date(windowStart + windowSeconds * 1000).toISOString(),
        timeWindow: windowSeconds,
      };
    },
  };
}

export function fakeEbay(options: FakeEbayOptions) {
  const base = options.apiOrigin.replace(/\/+$/, '');
  const windowSeconds = Math.round(86_400 / (options.timeScale ?? 1));
  const burst = options.burst ?? 5;
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kid = '9b2f6a1e-4c3d-4e5f-8a7b-0c1d2e3f4a5b';
  const state = {
    orders: new Map<string, EbayOrderJson>(),
    /** Shipping fulfillments by order id, as eBay keeps them. */
    fulfillments: new Map<string, Record<string, unknown>[]>(),
    /** createShippingFulfillment calls that created a fulfillment. */
    created: 0,
    /** Ship-to-home quantities by SKU; a SKU absent here is unknown to the seller's inventory. */
    inventory: new Map<string, number>(),
    /** Quantity revisions per SKU (eBay allows 250 a listing a day). */
    revisions: new Map<string, number>(),
    calls: {} as Record<string, number>,
    /** When the first and the latest call came (ms since the epoch). */
    firstCallAt: 0,
    lastCallAt: 0,
    /** Calls refused for the quota, and the number of the call first refused. */
    throttled: 0,
    firstThrottledCall: 0,
    /** Answer this many Fulfillment API calls 429 regardless of the quota. */
    throttleNext: 0,
    /** Refuse every access token (401), as for a seller who revoked the application. */
    deny: false,
    /** The refresh token is no longer valid (invalid_grant). */
    revoked: false,
    /** createShippingFulfillment calls to carry out and then answer 502, as an answer lost on the way. */
    loseAnswers: 0,
    /** Answer this many getOrder calls 400/32100 (an order not readable yet, just after its notification). */
    missingOrders: 0,
    /** getShippingFulfillments calls that leave out the newest fulfillment (a read lagging behind a create). */
    staleFulfillmentReads: 0,
    /** How getOrders orders a window's list. */
    listedBy: 'creation' as 'creation' | 'modification',
    /** Called before each getOrders answer, with the offset and the filter asked. */
    beforeOrdersPage: undefined as ((offset: number, filter: string) => void) | undefined,
    userTokens: new Set<string>(),
    appTokens: new Set<string>(),
    quotas: {
      fulfillment: quota(options.fulfillmentPerDay ?? 100_000, windowSeconds, burst),
      inventory: quota(options.inventoryPerDay ?? 2_000_000, windowSeconds, burst),
    },
  };
  const count = (operation: string) => {
    state.calls[operation] = (state.calls[operation] ?? 0) + 1;
    const now = Date.now();
    state.firstCallAt ||= now;
    state.lastCallAt = now;
  };
  const totalCalls = () => Object.values(state.calls).reduce((a, b) => a + b, 0);
  const bearer = (request: Request) => request.headers.get('authorization')?.replace(/^Bearer /, '') ?? '';
  const invalidToken = () =>
    ebayErrors(401, {
      errorId: 1001,
      domain: 'OAuth',
      category: 'REQUEST',
      message: 'Invalid access token',
    });

  /** Checks the token and the API's quota; an answer to send instead of the call's own, or undefined. */
  const admit = (request: Request, api: 'fulfillment' | 'inventory' | 'application', operation: string) => {
    count(operation);
    const tokens = api === 'application' ? state.appTokens : state.userTokens;
    if (state.deny || !tokens.has(bearer(request))) return invalidToken();
    if (api === 'application') return undefined;
    const throttled = (api === 'fulfillment' && state.throttleNext > 0) || !state.quotas[api].take();
    if (!throttled) return undefined;
    if (api === 'fulfillment' && state.throttleNext > 0) state.throttleNext--;
    state.throttled++;
    state.firstThrottledCall ||= totalCalls();
    return ebayErrors(429, {
      errorId: 2001,
      domain: 'ACCESS',
      category: 'REQUEST',
      message: 'Too many requests. The request limit has been reached for the resource.',
    });
  };

  const token = (kind: 'user' | 'app') => {
    const value = `v^1.1#i^1#${kind === 'user' ? 'f' : 'p'}^3#r^${randomBytes(24).toString('base64url')}`;
    (kind === 'user' ? state.userTokens : state.appTokens).add(value);
    return value;
  };

  const identity = http.post(`${base}/identity/v1/oauth2/token`, async ({ request }) => {
    const form = new URLSearchParams(await request.text());
    const grant = form.get('grant_type') ?? '';
    count(`token:${grant}`);
    const expected = `Basic ${Buffer.from(`${options.clientId}:${options.clientSecret}`).toString('base64')}`;
    if (request.headers.get('authorization') !== expected) {
      return HttpResponse.json(
        { error: 'invalid_client', error_description: 'client authentication failed' },
        { status: 401 },
      );
    }
    if (grant === 'client_credentials') {
      return HttpResponse.json({
        access_token: token('app'),
        expires_in: 7200,
        token_type: 'Application Access Token',
      });
    }
    if (grant !== 'refresh_token') {
      return HttpResponse.json(
        { error: 'unsupported_grant_type', error_description: grant },
        { status: 400 },
      );
    }
    if (state.revoked || form.get('refresh_token') !== options.refreshToken) {
      return HttpResponse.json(
        {
          error: 'invalid_grant',
          error_description:
            'the provided authorization refresh token is invalid or was issued to another client',
        },
        { status: 400 },
      );
    }
    return HttpResponse.json({
      access_token: token('user'),
      expires_in: 7200,
      token_type: 'User Access Token',
    });
  });

  const notification = http.get(`${base}/commerce/notification/v1/public_key/:kid`, ({ request, params }) => {
    const refused = admit(request, 'application', 'getPublicKey');
    if (refused) return refused;
    if (params.kid !== kid) {
      return ebayErrors(404, {
        errorId: 195001,
        domain: 'API_NOTIFICATION',
        category: 'REQUEST',
        message: 'The specified key id is invalid.',
      });
    }
    // eBay's answer puts the PEM on one line, without its line breaks.
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString().replace(/\n/g, '');
    return HttpResponse.json({ key: pem, algorithm: 'ECDSA', digest: 'SHA1' });
  });

  const analytics = http.get(`${base}/developer/analytics/v1_beta/rate_limit/`, ({ request }) => {
    const refused = admit(request, 'application', 'getRateLimits');
    if (refused) return refused;
    const limits = (apiName: string, resource: string, q: ReturnType<typeof quota>) => ({
      apiContext: 'sell',
      apiName,
      apiVersion: 'v1',
      resources: [{ name: resource, rates: [q.rate()] }],
    });
    return HttpResponse.json({
      rateLimits: [
        limits('Fulfillment', 'sell.fulfillment', state.quotas.fulfillment),
        limits('Inventory', 'sell.inventory', state.quotas.inventory),
      ],
    });
  });

  /** X-EBAY-SIGNATURE for a body, signed with the published key (or, to forge, with another under its kid). */
  function signatureHeaders(body: Uint8Array | string, by: 'published' | 'forged' = 'published') {
    const key =
      by === 'published'
        ? privateKey
        : createPrivateKey(
            generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
              type: 'pkcs8',
              format: 'pem',
            }),
          );
    const data = typeof body === 'string' ? Buffer.from(body) : body;
    const signature = sign('sha1', data, key).toString('base64');
    const header = { alg: 'ecdsa', kid, signature, digest: 'SHA1' };
    return { 'x-ebay-signature': Buffer.from(JSON.stringify(header)).toString('base64') };
  }

  const handlers = [
    identity,
    notification,
    analytics,
    ...fulfillmentHandlers(base, state, (request, operation) => admit(request, 'fulfillment', operation)),
    ...inventoryHandlers(base, state, (request, operation) => admit(request, 'inventory', operation)),
  ];
  return { state, handlers, signatureHeaders, kid };
}

export type FakeEbay = ReturnType<typeof fakeEbay>;
export type FakeEbayState = FakeEbay['state'];
