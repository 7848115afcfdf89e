import { randomUUID } from 'node:crypto';
import { HttpResponse } from 'msw';
import { type Operation, SANDBOX_PLAN, USAGE_PLANS } from '../../src/rate-limit.ts';
import { listing } from './listings-api.ts';
import {
  type AmazonOrderJson,
  confirmShipment,
  errors,
  type FakeListing,
  type Json,
  searchOrders,
  view,
  type Wire,
} from './orders-api.ts';

export type { FakeListing } from './orders-api.ts';

/**
 * The SP-API and Login with Amazon as the connector meets them, in their real shapes: LWA's refresh-token grant
 * (form POST, `invalid_grant` / `invalid_client`), `x-amz-access-token` checked (403 Unauthorized when expired),
 * Orders v2026-01-01 searchOrders (window checks, `nextToken` bound to the other parameters, datasets included on
 * request) and getOrder, Orders v0 confirmShipment (packages by packageReferenceId, 204), Listings Items
 * getListingsItem and patchListingsItem (200 ACCEPTED or INVALID with issues), errors as `{errors: [...]}`, and
 * each operation's token bucket (optionally enforced, time-scaled, and stated in `x-amzn-RateLimit-Limit`).
 */
export interface FakeSpApiOptions {
  api?: string;
  tokenUrl?: string;
  sellerId: string;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  /** Enforce each operation's usage plan, rates times `scale` (a 429 when its bucket is empty). */
  enforce?: { scale: number };
  now?: () => number;
}

export function fakeSpApi(options: FakeSpApiOptions) {
  const api = (options.api ?? 'https://sellingpartnerapi-na.amazon.com').replace(/\/+$/, '');
  const tokenUrl = options.tokenUrl ?? 'https://api.amazon.com/auth/o2/token';
  const now = options.now ?? Date.now;
  const sandbox = new URL(api).hostname.startsWith('sandbox.');
  const plan = (op: Operation) => (sandbox ? SANDBOX_PLAN : USAGE_PLANS[op]);
  const scale = options.enforce?.scale ?? 1;
  const buckets = new Map<Operation, { tokens: number; at: number }>();

  const fake = {
    api,
    tokenUrl,
    orders: new Map<string, AmazonOrderJson>(),
    listings: new Map<string, FakeListing>(),
    /** Packages confirmed, by order, then by packageReferenceId (a second call with one edits it). */
    packages: new Map<string, Map<string, Json>>(),
    /** Every confirmShipment call, retries included. */
    confirmations: [] as { orderId: string; body: Json }[],
    patches: [] as { sku: string; body: Json }[],
    tokens: new Set<string>(),
    mints: 0,
    /** How long LWA takes to answer (to see concurrent callers share one mint). */
    mintDelayMs: 0,
    calls: [] as { operation: Operation | 'token'; status: number; at: number }[],
    throttleNext: 0,
    /** The seller revoked the app: LWA still mints, the SP-API refuses every token. */
    deny: false,
    /** Answer `failNext` calls of an operation 500, as a hiccup. */
    failNext: new Map<Operation, number>(),
    /** Carry out `loseAnswers` calls of an operation, then answer 500 all the same: the answer was lost. */
    loseAnswers: new Map<Operation, number>(),
    /** Forgets every token minted, as an hour passing would: the next call meets 403 "expired". */
    expireTokens() {
      fake.tokens.clear();
    },
    handle,
  };

  const rateHeader = (op: Operation) => ({ 'x-amzn-ratelimit-limit': String(plan(op).rate * scale) });
  const answer = (op: Operation, body: unknown, status = 200) =>
    status === 204
      ? new HttpResponse(null, { status, headers: { ...rateHeader(op), 'x-amzn-requestid': randomUUID() } })
      : HttpResponse.json(body as Json, {
          status,
          headers: { ...rateHeader(op), 'x-amzn-requestid': randomUUID() },
        });

  // Getters: a test may replace the fake's maps (`api.orders = new Map(...)`).
  const wire: Wire = {
    get orders() {
      return fake.orders;
    },
    get packages() {
      return fake.packages;
    },
    get confirmations() {
      return fake.confirmations;
    },
    get listings() {
      return fake.listings;
    },
    get patches() {
      return fake.patches;
    },
    sellerId: options.sellerId,
    now,
    answer,
    rateHeader,
  };

  /** Takes a token from the operation's bucket; false when it is empty (the caller answers 429). */
  function admit(op: Operation): boolean {
    if (!options.enforce) return true;
    const { rate, burst } = plan(op);
    const at = now();
    const b = buckets.get(op) ?? { tokens: burst, at };
    b.tokens = Math.min(burst, b.tokens + ((at - b.at) / 1000) * rate * scale);
    b.at = at;
    buckets.set(op, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  async function token(request: Request): Promise<Response> {
    fake.mints++;
    if (fake.mintDelayMs) await new Promise((r) => setTimeout(r, fake.mintDelayMs));
    const form = new URLSearchParams(await request.text());
    const refuse = (status: number, error: string, description: string) => {
      fake.calls.push({ operation: 'token', status, at: now() });
      return HttpResponse.json({ error, error_description: description }, { status });
    };
    if (form.get('grant_type') !== 'refresh_token')
      return refuse(400, 'unsupported_grant_type', 'grant_type');
    if (form.get('client_id') !== options.clientId || form.get('client_secret') !== options.clientSecret) {
      return refuse(401, 'invalid_client', 'Client authentication failed');
    }
    if (form.get('refresh_token') !== options.refreshToken) {
      return refuse(400, 'invalid_grant', 'The request has an invalid grant parameter : refresh_token');
    }
    const access = `Atza|${randomUUID()}`;
    fake.tokens.add(access);
    fake.calls.push({ operation: 'token', status: 200, at: now() });
    return HttpResponse.json({
      access_token: access,
      refresh_token: options.refreshToken,
      token_type: 'bearer',
      expires_in: 3600,
    });
  }

  const ROUTES: [string, RegExp, Operation][] = [
    ['GET', /^\/orders\/2026-01-01\/orders$/, 'searchOrders'],
    ['GET', /^\/orders\/2026-01-01\/orders\/([^/]+)$/, 'getOrder'],
    ['POST', /^\/orders\/v0\/orders\/([^/]+)\/shipmentConfirmation$/, 'confirmShipment'],
    ['GET', /^\/listings\/2021-08-01\/items\/([^/]+)\/([^/]+)$/, 'getListingsItem'],
    ['PATCH', /^\/listings\/2021-08-01\/items\/([^/]+)\/([^/]+)$/, 'patchListingsItem'],
  ];

  function route(method: string, path: string): { op: Operation; params: string[] } | undefined {
    for (const [verb, pattern, op] of ROUTES) {
      const match = verb === method ? pattern.exec(path) : null;
      if (match) return { op, params: match.slice(1).map(decodeURIComponent) };
    }
    return undefined;
  }

  /** Answers a request to the fake's origins, or undefined when it is not one of its routes. */
  async function handle(request: Request): Promise<Response | undefined> {
    const url = new URL(request.url);
    if (request.method === 'POST' && url.href.split('?')[0] === tokenUrl) return token(request);
    if (url.origin !== new URL(api).origin) return undefined;
    const found = route(request.method, url.pathname.slice(new URL(api).pathname.replace(/\/$/, '').length));
    if (!found) return errors(404, 'NotFound', `no operation at ${request.method} ${url.pathname}`);
    const { op } = found;
    let response = await operate(op, found.params, request, url);
    const losing = fake.loseAnswers.get(op) ?? 0;
    if (losing > 0 && response.ok) {
      fake.loseAnswers.set(op, losing - 1);
      response = errors(500, 'InternalFailure', 'We encountered an internal error. Please try again.');
    }
    fake.calls.push({ operation: op, status: response.status, at: now() });
    return response;
  }

  async function operate(op: Operation, params: string[], request: Request, url: URL): Promise<Response> {
    const presented = request.headers.get('x-amz-access-token');
    if (!presented || fake.deny) {
      return errors(
        403,
        'Unauthorized',
        'Access to requested resource is denied.',
        'The access token you provided is revoked, malformed or invalid.',
      );
    }
    if (!fake.tokens.has(presented)) {
      return errors(
        403,
        'Unauthorized',
        'Access to requested resource is denied.',
        'The access token you provided has expired.',
      );
    }
    if (fake.throttleNext > 0 || !admit(op)) {
      if (fake.throttleNext > 0) fake.throttleNext--;
      return errors(429, 'QuotaExceeded', 'You exceeded your quota for the requested resource.');
    }
    const failing = fake.failNext.get(op) ?? 0;
    if (failing > 0) {
      fake.failNext.set(op, failing - 1);
      return errors(500, 'InternalFailure', 'We encountered an internal error. Please try again.');
    }
    const q = url.searchParams;
    switch (op) {
      case 'searchOrders':
        return searchOrders(wire, q);
      case 'getOrder': {
        const order = fake.orders.get(params[0]!);
        if (!order)
          return errors(404, 'NotFound', `Order ${params[0]} not found.`, undefined, rateHeader(op));
        return answer(op, { order: view(order, q.get('includedData')) });
      }
      case 'confirmShipment':
        return confirmShipment(wire, params[0]!, (await request.json()) as Json);
      case 'getListingsItem':
      case 'patchListingsItem':
        return listing(wire, op, params[0]!, params[1]!, q, request);
    }
  }

  return fake;
}

export type FakeSpApi = ReturnType<typeof fakeSpApi>;
